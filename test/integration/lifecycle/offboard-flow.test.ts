/**
 * Offboarding through the real bot process (DRY_RUN, as the harness runs it): /offboard-partner →
 * modal → card in the partner's thread → refused self-approval → approval → job → evidence; the
 * files archived for real (S3 object moves are real in DRY_RUN); the retired id refused by
 * /onboard-partner; the whole story read back by `partnergate audit`.
 */
import { describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { botPerTest, inThread, onboardLive } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, event, onboardSubmission, radioValue, slashCommand, textValue, viewSubmission } from '../../../tools/local/slack-requests.js';
import { readPartnerHistory } from '../../../src/jobs/audit/history.js';
import { runAudit } from '../../../src/cli/audit.js';
import { testEnv } from '../../../tools/local/env.js';

const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0' });


const offboard = (user: string, partnerId: string | null, option: string | null) =>
  viewSubmission(user, 'offboard_partner_modal', { partner_id: textValue(partnerId), prefix_option: radioValue(option), reason: textValue('contract ended') });

describe('/offboard-partner through the bot', () => {
  it('when an approver approves an offboarding, then the partner is offboarded with evidence, its files archived, and its id refused for good', async () => {
    const thread = await onboardLive(h);
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/prices/2026-11.csv', Body: 'a,b\n' }));

    await h.post(slashCommand({ command: '/offboard-partner', text: 'acme', user_id: 'UREQUESTER1', trigger_id: 'trig.off' }));
    const open = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.off');
    const view = open.body['view'] as { callback_id: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
    expect(view.callback_id).toBe('offboard_partner_modal');
    expect(view.blocks.find((b) => b.block_id === 'partner_id')?.element?.initial_value).toBe('acme');

    // Bad submissions: inline errors, nothing stored.
    const noOption = await h.post(offboard('UREQUESTER1', 'acme', null));
    expect(noOption.json).toEqual({ response_action: 'errors', errors: { prefix_option: 'Choose whether to keep or archive the files.' } });
    const unknown = await h.post(offboard('UREQUESTER1', 'nobody', 'archive'));
    expect((unknown.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/no partner `nobody`/);
    expect(await h.redis.keys(`${h.config.prefix}:chg:chg_*`)).toEqual([]);

    // A good one: the card goes to the partner's thread.
    const ok = await h.post(offboard('UREQUESTER1', 'acme', 'archive'));
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const card = await h.slack.waitFor(inThread(thread, /change_approve/));
    expect(String(card.body['text'])).toContain('Offboard the partner (archive its files) for acme');
    const changeId = JSON.stringify(card.body['blocks']).match(/"value":"(chg_[a-z2-7]{26})"/)![1]!;
    const cardTs = String(card.answer!['ts']);

    // The requester's own reaction is refused; an approver's button approves.
    await h.post(event({ type: 'reaction_added', user: 'UREQUESTER1', reaction: 'white_check_mark', item: { type: 'message', channel: 'C0APPROVALS', ts: cardTs }, event_ts: cardTs }));
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UREQUESTER1');
    expect(String(refusal.body['text'])).toMatch(/someone else must approve/);
    expect(await h.queue('offboard').getJobCounts('completed', 'waiting', 'active')).toEqual({ completed: 0, waiting: 0, active: 0 });
    await h.post(buttonClick('UAPPROVER1', 'change_approve', changeId, { channel: 'C0APPROVALS', ts: cardTs }, h.slack.responseUrl('o')));

    const evidence = await h.slack.waitFor(inThread(thread, /Offboarding evidence for/), 20_000);
    const text = JSON.stringify(evidence.body['blocks']);
    expect(text).toContain('planned, not made* (dry run');
    expect(text).toContain('approved by <@UAPPROVER1>');
    expect(text).toContain('DeleteUser acme (dry run: not sent)');
    expect(text).toContain('moved 2 objects from partners/acme/ to archive/partners/acme/');
    const updated = await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === cardTs);
    expect(JSON.stringify(updated.body['blocks'])).not.toContain('change_approve');
    const left = await h.s3.client.send(new ListObjectsV2Command({ Bucket: h.s3.bucket, Prefix: 'partners/acme/' }));
    expect(left.Contents ?? []).toEqual([]);
    expect(JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!)).toMatchObject({ status: 'offboarded' });

    // The retired id: /onboard-partner refuses it inline; /offboard-partner too.
    const again = await h.post(onboardSubmission('UREQUESTER2', { displayName: 'Acme again', partnerId: 'acme', contactEmail: 'x@acme.example', sshKeys: ed25519PublicKey() }));
    expect((again.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/already requested or in use \(ids are never reused\)/);
    const twice = await h.post(offboard('UREQUESTER1', 'acme', 'keep'));
    expect((twice.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/already offboarded/);

    // The audit trail tells the story.
    const last = ['offboard.completed', 'change.refused', 'request.refused'];
    let types: string[] = [];
    for (let i = 0; i < 400 && !last.every((x) => types.includes(x)); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 25));
      types = (await readPartnerHistory(h.s3.client, h.s3.bucket, { partnerId: 'acme' })).records.map((r) => r.type);
    }
    expect(types).toEqual(expect.arrayContaining([
      'request.submitted', 'request.approved', 'change.refused', 'decision.refused', 'change.requested', 'change.approved', 'offboard.step', 'offboard.completed', 'request.refused',
    ]));
    let out = '';
    const code = await runAudit(['--partner', 'acme'], testEnv({ DISTRIBUTION_BUCKET: h.s3.bucket }), { stdout: (s) => void (out += s), stderr: () => undefined }, { s3: h.s3.client });
    expect(code).toBe(0);
    expect(out).toMatch(/offboard\.completed +partnergate +chg_/);
  });
});
