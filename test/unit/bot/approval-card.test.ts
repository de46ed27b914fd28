/**
 * The approval card, pending and decided, of an onboarding request and of every kind of change:
 * its first line states the outcome, it keeps Slack's limits, it leads with what approving grants,
 * and a decided card keeps no button and no expiry. Times are Slack dates, never raw ISO.
 */
import { describe, expect, it } from 'vitest';
import { buildApprovalCard, CHANGE_APPROVAL, REQUEST_APPROVAL } from '../../../src/bot/messages/approval-card.js';
import { createPlanRenderer } from '../../../src/actions/onboarding/plan.js';
import { SECTION_LIMIT } from '../../../src/bot/messages/mrkdwn.js';
import type { Block } from '../../../src/domain/notify-message.js';
import type { ChangeRequest, ChangeSpec, Decision, OnboardingRequest } from '../../../src/domain/requests.js';
import { testPlatform } from '../../support/iam-fixtures.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';

const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-02T09:30:15.123Z';
const KEY = ed25519PublicKey().split(' ').slice(0, 2).join(' ');
const options = { approvalReaction: 'white_check_mark' };

function request(over: Partial<OnboardingRequest> = {}): OnboardingRequest {
  return {
    id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'globex', displayName: 'Globex', contactEmail: 'files@globex.example', sshKeys: [KEY],
    accountId: '444455556666', externalId: 'x'.repeat(43), feeds: ['price-lists'], notes: '', planHash: 'f'.repeat(64), requestedBy: 'UREQ',
    requestedAt: AT, expiresAt: AT, channel: 'C0', status: 'pending', decision: null, ...over,
  };
}

const decided = (d: Decision) => ({ status: d.status, decision: d });
const DECISIONS: [string, Decision][] = [
  ['Approved', { status: 'approved', by: 'UAPP', at: LATER, via: 'button' }],
  ['Rejected', { status: 'rejected', by: 'UAPP', at: LATER, via: 'button' }],
  ['Withdrawn', { status: 'rejected', by: 'UREQ', at: LATER, via: 'button' }],
  ['Expired', { status: 'expired', by: 'partnergate', at: LATER, via: 'expiry' }],
];

const access = createPlanRenderer(testPlatform())(request()).access;

const SPECS: ChangeSpec[] = [
  { kind: 'offboard', prefix: 'archive', reason: 'contract ended' },
  { kind: 'ssh-keys', add: [KEY], remove: ['SHA256:abc'] },
  { kind: 'external-id', reason: '' },
  { kind: 'edit', addFeeds: ['price-lists'], removeFeeds: [], contactEmail: 'a@b.example' },
  { kind: 'reapply', hash: 'ab'.repeat(32), items: ['IAM role: trust policy differs'] },
];
const change = (spec: ChangeSpec, over: Partial<ChangeRequest> = {}): ChangeRequest => ({
  id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'globex', spec, requestedBy: 'UREQ', requestedAt: AT, expiresAt: AT, channel: 'C0', threadRef: 'card:x',
  status: 'pending', decision: null, ...over,
});

const texts = (blocks: Block[]): string[] =>
  blocks.flatMap((b) => {
    const x = b as { text?: { text: string }; fields?: { text: string }[]; elements?: { text?: string | { text: string } }[] };
    return [x.text?.text, ...(x.fields ?? []).map((f) => f.text), ...(x.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : e.text?.text))].filter((t): t is string => t !== undefined);
  });

function expectWithinLimits(card: { text: string; blocks: Block[] }): void {
  expect(card.blocks.length).toBeLessThanOrEqual(50);
  for (const t of texts(card.blocks)) expect(t.length).toBeLessThanOrEqual(SECTION_LIMIT);
  // Times are Slack dates; their fallback is to the minute, never ISO with milliseconds.
  expect(JSON.stringify(card)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
}

const header = (blocks: Block[]) => (blocks[0] as { type: string; text: { text: string } });

describe('the approval card', () => {
  it('when an onboarding request waits, then the card says so first, leads with what approving grants, and offers Approve, Reject and the documents', () => {
    const card = buildApprovalCard(REQUEST_APPROVAL, request(), { ...options, access });
    expect(header(card.blocks)).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Awaiting approval: onboarding of Globex (globex)' } });
    expect(card.text).toMatch(/^Awaiting approval: Onboarding request for Globex \(globex\) from <@UREQ>$/);
    const second = texts([card.blocks[1]!])[0]!;
    expect(second).toContain('*What approving grants*');
    expect(second).toContain('`globex` can list and read only `partners/globex/`; decryption only through S3; no writes.');
    const actions = card.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['request_approve', 'request_reject', 'plan_documents']);
    expect(texts(card.blocks).join('\n')).toMatch(/Expires <!date\^\d+\^\{date_short_pretty\} \{time\}\|2030-01-01 00:00 UTC>/);
    expect(JSON.stringify(card.blocks)).not.toMatch(/LOGICAL|of 2,048|arn:aws:kms|\(read-only\)/);
    expectWithinLimits(card);
  });

  it.each(DECISIONS)('when an onboarding request is decided (%s), then the first line states it, and no button or expiry is left', (word, d) => {
    const card = buildApprovalCard(REQUEST_APPROVAL, request(decided(d)), { ...options, access });
    expect(header(card.blocks).text.text).toBe(`${word}: onboarding of Globex (globex)`);
    expect(card.text.startsWith(`${word}: `)).toBe(true);
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(texts(card.blocks).join('\n')).not.toMatch(/expire[sd]? <!date\^\d+\^[^|]*\|2030-01-01/i);
    expect(texts(card.blocks).join('\n')).toContain('What approving grants');
    expect(texts(card.blocks).join('\n')).toContain('|2030-01-02 09:30 UTC>');
    expectWithinLimits(card);
  });

  it('when the documents no longer render at a decision, then the card says where the plan is instead', () => {
    const card = buildApprovalCard(REQUEST_APPROVAL, request(decided(DECISIONS[1]![1])), { ...options, access: null });
    expect(texts(card.blocks).join('\n')).toContain('no longer render');
  });

  it.each(SPECS.map((s) => [s.kind, s] as const))('when a %s change waits and is decided, then its first line states the outcome each time', (_, spec) => {
    const pending = buildApprovalCard(CHANGE_APPROVAL, change(spec), options);
    expect(header(pending.blocks).text.text).toMatch(/^Awaiting approval: .+ for globex$/);
    expect(texts(pending.blocks).join('\n')).toContain('Expires <!date^');
    expectWithinLimits(pending);
    for (const [word, d] of DECISIONS) {
      const card = buildApprovalCard(CHANGE_APPROVAL, change(spec, decided(d)), options);
      expect(header(card.blocks).text.text.startsWith(`${word}: `)).toBe(true);
      expect(card.text.startsWith(`${word}: `)).toBe(true);
      expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(texts(card.blocks).join('\n')).not.toContain('Expires');
      expectWithinLimits(card);
    }
  });

  it('when the notes and display name are hostile and as long as allowed, then the card keeps Slack limits and nothing outside pings or links', () => {
    const hostile = '<!channel> <@U999> <https://evil.example|approve> & `x` ';
    const card = buildApprovalCard(REQUEST_APPROVAL, request({ displayName: hostile.slice(0, 80), notes: hostile.repeat(40).slice(0, 2000) }), { ...options, access });
    expectWithinLimits(card);
    const all = [card.text, ...texts(card.blocks)].join('\n');
    expect(all).not.toMatch(/<!channel>|<@U999>|<https:/);
    expect(header(card.blocks).text.text).toContain('‹!channel›');
  });
});
