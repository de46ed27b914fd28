/**
 * Changes to a live partner through the real bot process (DRY_RUN): /partner-status → "Edit feeds
 * and contact" → modal; the edit (feeds added and removed, the contact) waits for an approver who
 * is not the requester and is then applied by the job; /partner-keys opens the keys modal.
 */
import { describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { botPerTest, inThread, onboardLive } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, interaction, multiValue, slashCommand, textValue, viewSubmission } from '../../../tools/local/slack-requests.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';

// No poll during the test: a file already published reaches a newly subscribed partner by the backfill.
const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '86400' });

const put = (key: string, body: string) => h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: key, Body: body }));
const exists = (key: string) => h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: key })).then(() => true, () => false);
const record = async () => JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!) as { feeds: string[]; contactEmail: string; status: string; owner?: string };
const edit = (user: string, feeds: string[], email: string, owner?: string) =>
  viewSubmission(user, 'partner_edit_modal', {
    feeds: multiValue(feeds), contact_email: { type: 'email_text_input', value: email },
    ...(owner !== undefined ? { owner: { type: 'users_select', selected_user: owner } } : {}),
  }, JSON.stringify({ partnerId: 'acme' }));

describe('changes to a live partner through the bot', () => {
  it('when feeds and contact are edited, then nothing applies until another approver approves, then all of it does', async () => {
    const key = ed25519PublicKey();
    const thread = await onboardLive(h, { sshKeys: key });

    // /partner-status carries the button; the button opens the modal with the current values.
    await h.post(slashCommand({ command: '/partner-status', text: 'acme', user_id: 'UREQUESTER1', response_url: h.slack.responseUrl('st') }));
    const status = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'st');
    expect(JSON.stringify(status.body)).toContain('"action_id":"partner_edit"');
    await h.post(interaction({
      type: 'block_actions', user: { id: 'UREQUESTER1' }, team: { id: 'T0TEAM' }, api_app_id: 'A0APP', trigger_id: 'trig.edit',
      container: { type: 'message' }, channel: { id: 'C0REQUESTS' }, response_url: h.slack.responseUrl('e'),
      actions: [{ type: 'button', action_id: 'partner_edit', block_id: 'partner_edit', value: 'acme', action_ts: '1' }],
    }));
    const open = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.edit');
    expect(JSON.stringify(open.body['view'])).toContain('"initial_value":"ops@acme.example"');
    // The owner (reminded of files not picked up) is the requester until an edit changes it.
    expect(JSON.stringify(open.body['view'])).toContain('"initial_user":"UREQUESTER1"');
    expect(await record()).toMatchObject({ owner: 'UREQUESTER1' });

    // Bad input: per field, nothing changes.
    const bad = await h.post(edit('UREQUESTER1', ['price-lists', 'no-such-feed'], 'not-an-email'));
    expect(Object.keys((bad.json as { errors: Record<string, string> }).errors).sort()).toEqual(['contact_email', 'feeds']);
    const badOwner = await h.post(edit('UREQUESTER1', ['price-lists'], 'ops@acme.example', '<!channel>'));
    expect(badOwner.json).toEqual({ response_action: 'errors', errors: { owner: 'The owner must be a person in this workspace.' } });
    const sameOwner = await h.post(edit('UREQUESTER1', ['price-lists'], 'ops@acme.example', 'UREQUESTER1'));
    expect(sameOwner.json).toEqual({ response_action: 'errors', errors: { feeds: 'Nothing changed.' } });
    const same = await h.post(edit('UREQUESTER1', ['price-lists'], 'ops@acme.example'));
    expect(same.json).toEqual({ response_action: 'errors', errors: { feeds: 'Nothing changed.' } });
    expect(await record()).toMatchObject({ feeds: ['price-lists'], contactEmail: 'ops@acme.example' });

    // Remove price-lists, add parts-catalogs, new contact (asked by an approver): nothing applies until another approver approves.
    const ok = await h.post(edit('UAPPROVER2', ['parts-catalogs'], 'files@acme.example', 'UOWNER9'));
    expect(ok.text).toBe('');
    const changeCard = await h.slack.waitFor(inThread(thread, /Change feeds and contact for acme/));
    expect(JSON.stringify(changeCard.body['blocks'])).toContain('stops receiving `price-lists`');
    expect(JSON.stringify(changeCard.body['blocks'])).toContain('owner becomes <@UOWNER9>');
    expect(await record()).toMatchObject({ feeds: ['price-lists'], contactEmail: 'ops@acme.example' });
    const changeId = JSON.stringify(changeCard.body['blocks']).match(/"value":"(chg_[a-z2-7]{26})"/)![1]!;
    const cardAt = { channel: 'C0APPROVALS', ts: String(changeCard.answer!['ts']) };
    await h.post(buttonClick('UAPPROVER2', 'change_approve', changeId, cardAt, h.slack.responseUrl('self')));
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UAPPROVER2' && /You asked for this change/.test(String(c.body['text'])));
    expect(await record()).toMatchObject({ feeds: ['price-lists'], contactEmail: 'ops@acme.example' });
    await put('outbound/feeds/parts-catalogs/2024/catalog.pdf', 'catalog');
    await put('outbound/feeds/price-lists/2024-07.csv', 'prices');
    await h.post(buttonClick('UAPPROVER1', 'change_approve', changeId, cardAt, h.slack.responseUrl('c')));
    const applied = await h.slack.waitFor(inThread(thread, /:pencil2:/), 20_000);
    expect(String(applied.body['text'])).toBe(
      ':pencil2: `acme` changed: now receives `parts-catalogs` (their current files are on the way, then every publication); stopped `price-lists`; '
      + 'contact ops@acme.example → files@acme.example; owner <@UREQUESTER1> → <@UOWNER9>. Feeds: `parts-catalogs`. Approved by <@UAPPROVER1>, requested by <@UAPPROVER2>.',
    );
    expect(await record()).toMatchObject({ feeds: ['parts-catalogs'], contactEmail: 'files@acme.example', status: 'live', owner: 'UOWNER9' });
    // The feed's current file arrives without a new publication; the feed acme left does not.
    await h.slack.waitFor(inThread(thread, /partners\/acme\/feeds\/parts-catalogs\/2024\/catalog\.pdf/), 20_000);
    expect(await exists('partners/acme/feeds/parts-catalogs/2024/catalog.pdf')).toBe(true);
    expect(await exists('partners/acme/feeds/price-lists/2024-07.csv')).toBe(false);

    // /partner-keys: the modal lists the key by fingerprint; an unknown partner is answered ephemerally.
    await h.post(slashCommand({ command: '/partner-keys', text: 'acme', user_id: 'UREQUESTER1', trigger_id: 'trig.keys' }));
    const keys = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.keys');
    expect(JSON.stringify(keys.body['view'])).toContain(fingerprintOf(key.split(' ').slice(0, 2).join(' '))!);
    await h.post(slashCommand({ command: '/partner-keys', text: 'nobody', user_id: 'UREQUESTER1', response_url: h.slack.responseUrl('k') }));
    const nobody = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'k');
    expect(JSON.stringify(nobody.body)).toContain('There is no partner `nobody`');
    const keysSubmit = await h.post(viewSubmission('UREQUESTER1', 'partner_keys_modal', { add_keys: textValue('ssh-dss AAAAB3NzaC1kc3M=') }, JSON.stringify({ partnerId: 'acme' })));
    expect((keysSubmit.json as { errors: Record<string, string> }).errors['add_keys']).toMatch(/DSA/);
  });
});
