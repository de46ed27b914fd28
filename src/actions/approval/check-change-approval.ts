/**
 * What a lifecycle job checks before it touches anything, however it was queued: the change is of
 * the kind the job applies, approved, by someone who is an approver now and is not the requester,
 * before it expired. Null when it may be applied; otherwise why not.
 */
import type { ChangeKind, ChangeRequest } from '../../domain/requests.js';
import type { ApproverDirectory } from '../ports.js';

export async function changeApprovalProblem(
  approvers: ApproverDirectory,
  change: ChangeRequest | null,
  kinds: readonly ChangeKind[],
): Promise<string | null> {
  if (!change) return 'the change does not exist';
  const d = change.decision;
  if (!kinds.includes(change.spec.kind)) return `change ${change.id} is a ${change.spec.kind} change, not ${kinds.join(' or ')}`;
  if (change.status !== 'approved' || !d || d.status !== 'approved') return `the change is ${change.status}, not approved`;
  if (d.by === change.requestedBy) return 'it was approved by the requester (two-person rule)';
  if (!(await approvers.isApprover(d.by))) return `<@${d.by}>, who approved it, is not an approver any more`;
  if (!(Date.parse(d.at) < Date.parse(change.expiresAt))) return 'it was approved after it had expired';
  return null;
}
