import { describe, expect, it } from 'vitest';
import { buildApprovalCard, CHANGE_APPROVAL, REQUEST_APPROVAL } from '../../../src/bot/messages/approval-card.js';
import type { ChangeKind, ChangeRequest, ChangeSpec, OnboardingRequest } from '../../../src/domain/requests.js';

const AT = '2030-01-01T00:00:00.000Z';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJUzz4Qk/RP8ihyEutBzt1Pmc403gMdnA1Gxk8eOqJuE';

/** One change of every kind, and what its dialog must say: a kind added to ChangeSpec does not compile here until it is listed. */
const KINDS: Record<ChangeKind, { spec: ChangeSpec; says: RegExp }> = {
  offboard: { spec: { kind: 'offboard', prefix: 'archive', reason: 'contract ended' }, says: /^Offboard [a-z0-9-]+: .*SFTP user and role are deleted.*cannot be undone/ },
  'ssh-keys': { spec: { kind: 'ssh-keys', add: [KEY], remove: ['SHA256:abc'] }, says: /^Replace [a-z0-9-]+'s SSH keys: 1 key added, 1 key removed/ },
  'external-id': { spec: { kind: 'external-id', reason: '' }, says: /^Rotate [a-z0-9-]+'s ExternalId: .*stops working at once/ },
  edit: { spec: { kind: 'edit', addFeeds: ['price-lists'], removeFeeds: [], contactEmail: 'a@b.example' }, says: /^Change [a-z0-9-]+'s feeds and contact: 1 feed started, 0 feeds stopped, a new contact/ },
  reapply: { spec: { kind: 'reapply', hash: 'ab'.repeat(32), items: ['IAM role: trust policy differs'] }, says: /^Re-apply [a-z0-9-]+'s documents: .*creating what is missing and rewriting the trust policy/ },
};

const change = (partnerId: string, spec: ChangeSpec): ChangeRequest => ({
  id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId, spec, requestedBy: 'UREQ', requestedAt: AT, expiresAt: AT, channel: 'C0', threadRef: 'card:x',
  status: 'pending', decision: null,
});

interface Button { action_id: string; confirm?: { title: { type: string; text: string }; text: { type: string; text: string }; confirm: { text: string }; deny: { text: string } } }
const approve = (blocks: unknown[], id: string) => (blocks as { elements?: Button[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === id)!;

describe('the Approve button of every approval card asks to confirm', () => {
  it.each(Object.entries(KINDS))('when a %s change card is built, then its Approve carries a dialog naming the partner and what happens, within Slack limits', (_kind, { spec, says }) => {
    for (const partnerId of ['acme', 'a'.repeat(32)]) {
      const card = buildApprovalCard(CHANGE_APPROVAL, change(partnerId, spec), { approvalReaction: 'white_check_mark' });
      const dialog = approve(card.blocks, 'change_approve').confirm!;
      expect(dialog, partnerId).toBeDefined();
      expect(dialog.text.text).toMatch(says);
      expect(dialog.text.text).toContain(`${partnerId}`);
      expect(dialog.text.type).toBe('plain_text');
      expect(dialog.title.text).toContain(partnerId);
      expect(dialog.title.type).toBe('plain_text');
      expect(dialog.title.text.length).toBeLessThanOrEqual(100);
      expect(dialog.text.text.length).toBeLessThanOrEqual(300);
      expect([dialog.confirm.text, dialog.deny.text]).toEqual(['Approve', 'Cancel']);
      // The Reject button needs no dialog: it changes nothing.
      expect(approve(card.blocks, 'change_reject').confirm).toBeUndefined();
      expect(JSON.stringify(card.blocks)).not.toContain(':white_check_mark: on this message');
    }
  });

  it('when an onboarding card is built, then its Approve asks to confirm too, and the card names the approval reaction', () => {
    const request: OnboardingRequest = {
      id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', displayName: 'Acme <!channel>', contactEmail: 'a@acme.example', sshKeys: [KEY], accountId: null,
      externalId: 'x'.repeat(43), feeds: [], notes: '', planHash: 'f'.repeat(64), requestedBy: 'UREQ', requestedAt: AT, expiresAt: AT, channel: 'C0',
      status: 'pending', decision: null,
    };
    const card = buildApprovalCard(REQUEST_APPROVAL, request, { approvalReaction: 'white_check_mark' });
    expect(approve(card.blocks, 'request_approve').confirm!.text).toEqual({ type: 'plain_text', text: 'This provisions acme on AWS as the plan in the thread says.' });
    expect(JSON.stringify(card.blocks)).toContain('with :white_check_mark: on this message');
  });
});
