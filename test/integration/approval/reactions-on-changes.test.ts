/**
 * The approval reaction through the real bot (signed HTTP, fake Slack, real Redis, DRY_RUN): it
 * still approves an onboarding request, and it approves no change — offboarding, SSH keys, the
 * ExternalId, feeds and contact. On a change card the reactor is told, ephemerally in the thread,
 * to use the Approve button; the refusal is audited as `decision.refused` (`button_required`); the
 * change stays pending and no job is queued. Every change card's Approve asks to confirm, naming
 * the partner; the button then approves.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, inThread, requestCard } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, event, multiValue, onboardSubmission, radioValue, textValue, viewSubmission } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { readPartnerHistory } from '../../../src/jobs/audit/history.js';
import type { AuditRecord } from '../../../src/domain/audit-record.js';

const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '86400' });

const REQUESTER = 'UREQUESTER1';
const APPROVER = 'UAPPROVER1';
const OTHER_APPROVER = 'UAPPROVER2';

const reaction = (user: string, at: { channel: string; ts: string }) =>
  event({ type: 'reaction_added', user, reaction: 'white_check_mark', item: { type: 'message', channel: at.channel, ts: at.ts }, item_user: 'UBOT0001', event_ts: at.ts });

interface ApproveButton {
  action_id: string;
  value: string;
  confirm?: { title: { text: string }; text: { text: string }; confirm: { text: string }; deny: { text: string } };
}
const approveButton = (card: SlackCall, actionId: string): ApproveButton =>
  (card.body['blocks'] as { type: string; elements?: ApproveButton[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)!;

async function history(partnerId: string, until: (records: AuditRecord[]) => boolean): Promise<AuditRecord[]> {
  let records: AuditRecord[] = [];
  // The audit pipeline flushes to the local bucket on its own queue: read until what is expected is there.
  for (let i = 0; i < 400; i++) {
    records = (await readPartnerHistory(h.s3.client, h.s3.bucket, { partnerId })).records;
    if (until(records)) return records;
    await new Promise((r) => setTimeout(r, 25));
  }
  return records;
}

describe('the approval reaction approves onboarding only', () => {
  it('when an approver reacts on an onboarding card, then it is approved; when one reacts on an offboarding, a keys, an ExternalId or an edit card, then nothing is approved and the reactor is told to use the button', async () => {
    // Onboarding keeps the reaction.
    await h.post(onboardSubmission(REQUESTER, {
      displayName: 'Acme', partnerId: 'acme', contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), accountId: '444455556666', feeds: ['price-lists'],
    }));
    const card = await requestCard(h);
    const thread = String(card.answer!['ts']);
    expect(JSON.stringify(card.body['blocks'])).toContain('approves with the button or with :white_check_mark: on this message');
    await h.post(reaction(APPROVER, { channel: 'C0APPROVALS', ts: thread }));
    await h.slack.waitFor(inThread(thread, /Approved by <@UAPPROVER1> \(reaction\)/));
    await h.slack.waitFor(inThread(thread, /is LIVE/), 20_000);

    // Four changes of the live partner, each with its card in the partner's thread.
    await h.post(viewSubmission(REQUESTER, 'offboard_partner_modal', { partner_id: textValue('acme'), prefix_option: radioValue('archive'), reason: textValue('contract ended') }));
    await h.post(viewSubmission(REQUESTER, 'partner_keys_modal', {
      add_keys: textValue(ed25519PublicKey()), rotate_external_id: { type: 'checkboxes', selected_options: [{ value: 'rotate' }] },
    }, JSON.stringify({ partnerId: 'acme' })));
    await h.post(viewSubmission(REQUESTER, 'partner_edit_modal', {
      feeds: multiValue(['parts-catalogs']), contact_email: { type: 'email_text_input', value: 'files@acme.example' },
    }, JSON.stringify({ partnerId: 'acme' })));
    const cards = await h.slack.waitForCount(inThread(thread, /change_approve/), 4);
    const titles = cards.map((c) => String(c.body['text']));
    expect(titles.map((t) => t.replace(/^Awaiting approval: /, '').replace(/ for acme.*$/, '')).sort()).toEqual([
      'Change SSH keys (1 to add, 0 to remove)', 'Change feeds and contact', 'Offboard the partner (archive its files)', 'Rotate the ExternalId of the partner role',
    ]);

    let answered = 0;
    for (const change of cards) {
      const changeId = approveButton(change, 'change_approve').value;
      const at = { channel: 'C0APPROVALS', ts: String(change.answer!['ts']) };
      // The card says the button approves, and its Approve asks to confirm, naming the partner.
      expect(JSON.stringify(change.body['blocks'])).toContain('a reaction does not approve a change');
      const dialog = approveButton(change, 'change_approve').confirm!;
      expect(dialog.text.text).toMatch(/^[A-Z][a-z-]+ acme('s)?[ :]/);
      expect([dialog.confirm.text, dialog.deny.text]).toEqual(['Approve', 'Cancel']);

      await h.post(reaction(OTHER_APPROVER, at));
      answered += 1;
      const told = (await h.slack.waitForCount((c) => c.method === 'chat.postEphemeral' && c.body['user'] === OTHER_APPROVER, answered)).at(-1)!;
      expect(told.body['thread_ts']).toBe(at.ts);
      expect(String(told.body['text'])).toBe('A reaction does not approve a change: use the Approve button on the card, which asks you to confirm what will happen. Nothing was approved; the change is still pending.');
      const stored = await h.redis.hgetall(`${h.config.prefix}:chg:${changeId}`);
      expect(stored['status']).toBe('pending');
      expect(stored['decision'] ?? '').toBe('');
    }
    expect(await h.queue('offboard').getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(await h.queue('partner-change').getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    const refused = (await history('acme', (rs) => rs.filter((r) => r.type === 'decision.refused').length >= 4)).filter((r) => r.type === 'decision.refused');
    expect(refused.map((r) => [r.actor, r.details['via'], r.details['code'], r.details['kind']]).sort()).toEqual([
      [OTHER_APPROVER, 'reaction', 'button_required', 'edit'],
      [OTHER_APPROVER, 'reaction', 'button_required', 'external-id'],
      [OTHER_APPROVER, 'reaction', 'button_required', 'offboard'],
      [OTHER_APPROVER, 'reaction', 'button_required', 'ssh-keys'],
    ]);

    // The button (what Slack sends once the dialog is confirmed) approves the same card.
    const keys = cards.find((c) => String(c.body['text']).startsWith('Awaiting approval: Change SSH keys'))!;
    await h.post(buttonClick(OTHER_APPROVER, 'change_approve', approveButton(keys, 'change_approve').value, { channel: 'C0APPROVALS', ts: String(keys.answer!['ts']) }, h.slack.responseUrl('k')));
    await h.slack.waitFor(inThread(thread, /:memo: SSH keys of `acme`: change planned, not made \(dry run/), 20_000);
  });
});
