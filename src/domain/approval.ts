/**
 * The two-person rule, one rule for every kind of approval (onboarding requests and lifecycle
 * changes): no one person may do what needs two. A person's request needs one approver who is not
 * the requester; a request the bot itself made (the access review's lapse, docs/reviews.md) has no
 * person behind it, so it needs two different approvers. Pure: whether someone is an approver is
 * looked up by the caller (the ApproverDirectory, at the time of asking) and passed in.
 */
import { ErrorCode, type Refusal } from './errors.js';
import type { ApprovalData, ChangeKind, Decided } from './requests.js';

/** Any approval as stored: an onboarding request or a lifecycle change. */
export type ApprovalItem = Decided<ApprovalData>;

/** The requester of what the bot asks for itself (an offboarding after a lapsed access review): no person. */
export const BOT_REQUESTER = 'partnergate';

/**
 * How many different approvers must approve an item: one, not the requester; two when the bot asked
 * for it. The first of two is recorded (`firstApproval`) and the item stays pending; the second, by
 * another approver, decides it, and its decision names the first (`Decision.first`).
 */
export function approvalsNeeded(item: Pick<ApprovalItem, 'requestedBy'>): 1 | 2 {
  return item.requestedBy === BOT_REQUESTER ? 2 : 1;
}

/** The refusal of an approval by whoever gave the item's first approval (`second_approver_needed`); null otherwise. Rejections are not limited. */
export function secondApprovalRefusal(
  item: Pick<ApprovalItem, 'requestedBy' | 'firstApproval'>, actor: string, decision: 'approve' | 'reject',
): ErrorCode | null {
  return decision === 'approve' && approvalsNeeded(item) === 2 && item.firstApproval?.by === actor ? ErrorCode.SecondApproverNeeded : null;
}

/**
 * The one transition out of `pending`, or the first of two approvals, as a store answers it
 * (src/store/approval-scripts.ts). `first_changed`: the item's first approval is not the one the
 * caller read (another approver's was recorded meanwhile).
 */
export type DecideOutcome<T> =
  | { ok: true; item: T }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'already_decided' | 'expired' | 'first_changed'; item: T };

/** What an approval approves: onboarding a partner, or a change of a live partner, by kind. */
export type ApprovalSubject = 'onboarding' | ChangeKind;

/** How a decision reaches us: the card's buttons (Approve asks again in a dialog), or the approval reaction. */
export type DecisionVia = 'button' | 'reaction';

/**
 * Whether a decision given `via` a button or the reaction may approve an item of this subject. The
 * approval reaction (an everyday ✅) approves onboarding requests only — its users asked for it, and
 * an onboarding is approved on a plan that is in the thread. Every change of a live partner
 * (offboarding, SSH keys, ExternalId, feeds and contact, a re-apply, and any kind added later)
 * destroys or replaces access, so it is approved only with the Approve button, whose confirmation
 * dialog says what will happen to which partner. The one owner of this rule: the decide use case
 * asks it (src/actions/approval/decide.ts), the card's hint says it.
 */
export function mayApproveVia(subject: ApprovalSubject, via: DecisionVia): boolean {
  return via === 'button' || subject === 'onboarding';
}

/** The refusal of an approval given the wrong way (`button_required`); null when the way is allowed. Rejections are not limited. */
export function viaRefusal(subject: ApprovalSubject, decision: 'approve' | 'reject', via: DecisionVia): ErrorCode | null {
  return decision === 'approve' && !mayApproveVia(subject, via) ? ErrorCode.ButtonRequired : null;
}

/**
 * Who may decide a pending item: an approver who is not the requester approves; approvers reject,
 * and so may the requester (a withdrawal). Null when the actor may.
 */
export function decisionRefusal(
  item: Pick<ApprovalItem, 'requestedBy'>, actor: string, decision: 'approve' | 'reject', actorIsApprover: boolean,
): ErrorCode | null {
  const isRequester = actor === item.requestedBy;
  if (decision === 'approve') return isRequester ? ErrorCode.SelfApproval : actorIsApprover ? null : ErrorCode.NotApprover;
  return actorIsApprover || isRequester ? null : ErrorCode.NotApprover;
}

/**
 * Whether a job may act on an item, however the job was queued: approved, by someone who is not the
 * requester and is an approver now (`deciderIsApprover`), before it expired — and, when it needs two
 * approvers, after a first approval by another approver, who is not the requester, is an approver
 * now (`firstIsApprover`) and approved before it expired. Null when it may.
 */
export function approvalProblem(
  item: ApprovalItem, noun: string, deciderIsApprover: boolean, firstIsApprover = false,
): Refusal | null {
  const d = item.decision;
  if (item.status !== 'approved' || d === null || d.status !== 'approved') {
    return { code: ErrorCode.NotApproved, message: `the ${noun} is ${item.status}, not approved` };
  }
  if (d.by === item.requestedBy) return { code: ErrorCode.SelfApproved, message: 'it was approved by the requester (two-person rule)' };
  if (!deciderIsApprover) return { code: ErrorCode.ApproverNotApprover, message: `<@${d.by}>, who approved it, is not an approver any more` };
  if (!(Date.parse(d.at) < Date.parse(item.expiresAt))) return { code: ErrorCode.ApprovedAfterExpiry, message: 'it was approved after it had expired' };
  if (approvalsNeeded(item) === 1) return null;
  const f = d.first;
  if (!f || f.by === d.by) {
    return { code: ErrorCode.SecondApproverNeeded, message: `the bot asked for it, so it needs two different approvers, and it was approved by <@${d.by}> alone (two-person rule)` };
  }
  if (f.by === item.requestedBy) return { code: ErrorCode.SelfApproved, message: 'it was approved first by the requester (two-person rule)' };
  if (!firstIsApprover) return { code: ErrorCode.ApproverNotApprover, message: `<@${f.by}>, who approved it first, is not an approver any more` };
  if (!(Date.parse(f.at) < Date.parse(item.expiresAt))) return { code: ErrorCode.ApprovedAfterExpiry, message: 'it was approved first after it had expired' };
  return null;
}
