/**
 * No one person may do what needs two (src/domain/approval.ts): what the bot asks for itself (the
 * access review's lapse) has no person behind it, so it needs two different approvers — the rule,
 * its seals (src/domain/approval-seal.ts), and what the card says at each step.
 */
import { describe, expect, it } from 'vitest';
import { approvalProblem, approvalsNeeded, BOT_REQUESTER, secondApprovalRefusal } from '../../../src/domain/approval.js';
import { buildApprovalCard, CHANGE_APPROVAL, refusalText } from '../../../src/bot/messages/approval-card.js';
import type { ChangeRequest, ChangeRequestData, Decision, FirstApproval } from '../../../src/domain/requests.js';
import { testSeals as seals } from '../../support/seals.js';

const data: ChangeRequestData = {
  id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', requestedBy: BOT_REQUESTER, requestedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-04T00:00:00.000Z', channel: 'C1', threadRef: 'card:acme', spec: { kind: 'offboard', prefix: 'keep', reason: 'review lapsed' },
};
const seal = seals.content('change', data);
const pending: ChangeRequest = { ...data, status: 'pending', decision: null, seal };
const first: FirstApproval = { by: 'UAPP1', at: '2030-01-02T00:00:00.000Z', via: 'button' };
const firstApproved: ChangeRequest = { ...pending, firstApproval: first, firstApprovalSeal: seals.first('change', data.id, seal, first) };
const second: Decision = { status: 'approved', by: 'UAPP2', at: '2030-01-02T01:00:00.000Z', via: 'button', first };
const approved: ChangeRequest = { ...firstApproved, status: 'approved', decision: second, decisionSeal: seals.decision('change', data.id, seal, second) };

describe('how many approvers an item needs (approvalsNeeded)', () => {
  it('when a person asked for it, then one approver who is not the requester; when the bot asked, then two', () => {
    expect(approvalsNeeded({ requestedBy: 'UREQ' })).toBe(1);
    expect(approvalsNeeded({ requestedBy: BOT_REQUESTER })).toBe(2);
  });

  it('when the first approver of a bot request approves again, then it is refused (second_approver_needed); anyone else, or a person\'s request, is not', () => {
    expect(secondApprovalRefusal(firstApproved, 'UAPP1', 'approve')).toBe('second_approver_needed');
    expect(secondApprovalRefusal(firstApproved, 'UAPP1', 'reject')).toBeNull();
    expect(secondApprovalRefusal(firstApproved, 'UAPP2', 'approve')).toBeNull();
    expect(secondApprovalRefusal(pending, 'UAPP1', 'approve')).toBeNull();
    expect(secondApprovalRefusal({ ...firstApproved, requestedBy: 'UREQ' }, 'UAPP1', 'approve')).toBeNull();
  });
});

describe('the job re-checks both approvers (approvalProblem)', () => {
  it('when two different current approvers approved before expiry, then the job may act', () => {
    expect(approvalProblem(approved, 'change', true, true)).toBeNull();
  });

  it.each<[string, ChangeRequest, boolean, string]>([
    ['approved by one approver only (no first approval)', { ...approved, decision: { ...second, first: undefined } }, true, 'second_approver_needed'],
    ['approved twice by the same person', { ...approved, decision: { ...second, first: { ...first, by: 'UAPP2' } } }, true, 'second_approver_needed'],
    ['approved first by the requester', { ...approved, decision: { ...second, first: { ...first, by: BOT_REQUESTER } } }, true, 'self_approved'],
    ['the first approver is not an approver any more', approved, false, 'approver_not_approver'],
    ['approved first at its expiry', { ...approved, decision: { ...second, first: { ...first, at: data.expiresAt } } }, true, 'approved_after_expiry'],
  ])('when it was %s, then the job refuses', (_what, item, firstIsApprover, code) => {
    const refusal = approvalProblem(item, 'change', true, firstIsApprover);
    expect(refusal?.code).toBe(code);
    expect(refusal?.message.length).toBeGreaterThan(10);
  });

  it('when a person\'s change is approved by one approver, then that is enough (the existing rule, unchanged)', () => {
    const one: Decision = { status: 'approved', by: 'UAPP1', at: first.at, via: 'button' };
    expect(approvalProblem({ ...pending, requestedBy: 'UREQ', status: 'approved', decision: one }, 'change', true)).toBeNull();
  });
});

describe('the seals of two approvals', () => {
  it('when the first approval and the decision naming it are as the store sealed them, then they pass', () => {
    expect(seals.problem('change', firstApproved)).toBeNull();
    expect(seals.problem('change', approved)).toBeNull();
  });

  it.each<[string, Partial<ChangeRequest>]>([
    ['a first approval written in Redis without a seal', { firstApproval: first, firstApprovalSeal: undefined }],
    ['the first approver changed after sealing', { firstApproval: { ...first, by: 'UOTHER' }, firstApprovalSeal: seals.first('change', data.id, seal, first) }],
    ['the first approval seal of another change', { firstApproval: first, firstApprovalSeal: seals.first('change', 'chg_bbbbbbbbbbbbbbbbbbbbbbbbbb', seal, first) }],
    ['a first approval seal left without its approval', { firstApprovalSeal: seals.first('change', data.id, seal, first) }],
  ])('when a pending change has %s, then the check fails (decision)', (_what, change) => {
    expect(seals.problem('change', { ...pending, ...change })?.reason).toBe('decision');
  });

  it('when the first approver named in a sealed decision is edited, then the decision check fails; a decision without one seals as before', () => {
    expect(seals.problem('change', { ...approved, decision: { ...second, first: { ...first, by: 'UOTHER' } } })?.reason).toBe('decision');
    expect(seals.problem('change', { ...approved, decision: { ...second, first: undefined } })?.reason).toBe('decision');
    const one: Decision = { status: 'approved', by: 'UAPP2', at: second.at, via: 'button' };
    expect(seals.decision('change', data.id, seal, one)).toBe(seals.decision('change', data.id, seal, { ...one, first: undefined }));
  });
});

describe('what the card says', () => {
  const card = (item: ChangeRequest) => JSON.stringify(buildApprovalCard(CHANGE_APPROVAL, item, { approvalReaction: 'white_check_mark' }));

  it('when the bot asks, then the pending card says two different approvers approve it', () => {
    expect(card(pending)).toContain('The bot asked for this, so two different approvers approve it, one after the other, with the Approve button');
    expect(card({ ...pending, requestedBy: 'UREQ' })).toContain('An approver other than the requester approves with the Approve button');
  });

  it('when the first approver approved, then the card says so, asks for a second approver and keeps Approve and Reject', () => {
    const text = card(firstApproved);
    expect(text).toContain('Awaiting a second approver: Offboard the partner (keep its files) for acme');
    expect(text).toMatch(/Approved by <@UAPP1> <!date\^\d+\^[^>]+>; a second approver is needed/);
    expect(text).toContain('"action_id":"change_approve"');
    expect(text).toContain('"action_id":"change_reject"');
  });

  it('when the second approved, then the decided card names both, one after the other, without buttons', () => {
    const text = card(approved);
    expect(text).toMatch(/Approved by <@UAPP1> <!date[^>]+>, then by <@UAPP2> <!date[^>]+> \(two approvers\)/);
    expect(text).not.toContain('change_approve');
  });

  it('when the first approver presses Approve again, then the refusal says a different approver is needed and nothing changed', () => {
    expect(refusalText(CHANGE_APPROVAL, 'second_approver_needed', 'approve', firstApproved))
      .toBe('You approved this change already; a different approver is needed (the bot asked for it, so two people approve it). Nothing changed; the change is still pending.');
  });
});
