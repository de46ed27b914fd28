/**
 * Offboarding through the real bot process (DRY_RUN, as the harness runs it): /offboard-partner →
 * modal → card in the partner's thread → refused self-approval → approval → job → evidence; the
 * files archived for real (S3 object moves are real in DRY_RUN); the retired id refused by
 * /onboard-partner; the whole story read back by `partnergate audit`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startBot, type Harness } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, event, onboardSubmission, postToBot, radioValue, slashCommand, textValue, viewSubmission } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { readPartnerHistory } from '../../../src/jobs/audit/history.js';
import { runAudit } from '../../../src/cli/audit.js';
import { testEnv } from '../../../tools/local/env.js';

let h: Harness;
let secret: string;
beforeEach(async () => {
  h = await startBot({ TRANSFER_SETTLE_SECONDS: '0' });
  secret = h.config.slack.signingSecret;
});
afterEach(async () => {
  await h.close();
});

const inThread = (ts: string, pattern: RegExp) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.body['thread_ts'] === ts && pattern.test(String(c.body['text']) + JSON.stringify(c.body['blocks'] ?? ''));

const offboard = (user: string, partnerId: string | null, option: string | null) =>
  viewSubmission(user, 'offboard_partner_modal', { partner_id: textValue(partnerId), prefix_option: radioValue(option), reason: textValue('contract ended') });

async function onboardLive(partnerId: string): Promise<string> {
  await postToBot(h.url, onboardSubmission('UREQUESTER1', { displayName: 'Acme', partnerId, contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'] }), secret);
  const card = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0APPROVALS' && !c.body['thread_ts'] && JSON.stringify(c.body['blocks']).includes(partnerId));
  const ts = String(card.answer!['ts']);
  const requestId = JSON.stringify(card.body['blocks']).match(/"value":"(req_[a-z2-7]{26})"/)![1]!;
  await postToBot(h.url, buttonClick('UAPPROVER2', 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('a')), secret);
  await h.slack.waitFor(inThread(ts, /is LIVE/), 20_000);
  return ts;
}

describe('/offboard-partner through the bot', () => {
  it('when an approver approves an offboarding, then the partner is offboarded with evidence, its files archived, and its id refused for good', async () => {
    const thread = await onboardLive('acme');
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/prices/2026-11.csv', Body: 'a,b\n' }));

    await postToBot(h.url, slashCommand({ command: '/offboard-partner', text: 'acme', user_id: 'UREQUESTER1', trigger_id: 'trig.off' }), secret);
    const open = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.off');
    const view = open.body['view'] as { callback_id: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
    expect(view.callback_id).toBe('offboard_partner_modal');
    expect(view.blocks.find((b) => b.block_id === 'partner_id')?.element?.initial_value).toBe('acme');

    // Bad submissions: inline errors, nothing stored.
    const noOption = await postToBot(h.url, offboard('UREQUESTER1', 'acme', null), secret);
    expect(noOption.json).toEqual({ response_action: 'errors', errors: { prefix_option: 'Choose whether to keep or archive the files.' } });
    const unknown = await postToBot(h.url, offboard('UREQUESTER1', 'nobody', 'archive'), secret);
    expect((unknown.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/no partner `nobody`/);
    expect(await h.redis.keys(`${h.config.prefix}:chg:chg_*`)).toEqual([]);

    // A good one: the card goes to the partner's thread.
    const ok = await postToBot(h.url, offboard('UREQUESTER1', 'acme', 'archive'), secret);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const card = await h.slack.waitFor(inThread(thread, /change_approve/));
    expect(String(card.body['text'])).toContain('Offboard the partner (archive its files) for acme');
    const changeId = JSON.stringify(card.body['blocks']).match(/"value":"(chg_[a-z2-7]{26})"/)![1]!;
    const cardTs = String(card.answer!['ts']);

    // The requester's own reaction is refused; an approver's button approves.
    await postToBot(h.url, event({ type: 'reaction_added', user: 'UREQUESTER1', reaction: 'white_check_mark', item: { type: 'message', channel: 'C0APPROVALS', ts: cardTs }, event_ts: cardTs }), secret);
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UREQUESTER1');
    expect(String(refusal.body['text'])).toMatch(/someone else must approve/);
    expect(await h.queue('offboard').getJobCounts('completed', 'waiting', 'active')).toEqual({ completed: 0, waiting: 0, active: 0 });
    await postToBot(h.url, buttonClick('UAPPROVER1', 'change_approve', changeId, { channel: 'C0APPROVALS', ts: cardTs }, h.slack.responseUrl('o')), secret);

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
    const again = await postToBot(h.url, onboardSubmission('UREQUESTER2', { displayName: 'Acme again', partnerId: 'acme', contactEmail: 'x@acme.example', sshKeys: ed25519PublicKey() }), secret);
    expect((again.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/already requested or in use \(ids are never reused\)/);
    const twice = await postToBot(h.url, offboard('UREQUESTER1', 'acme', 'keep'), secret);
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
