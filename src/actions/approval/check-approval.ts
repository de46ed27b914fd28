/**
 * What a job checks before it acts on an approved item, however it was queued: the two-person rule
 * again (src/domain/approval.ts), with the approver looked up now. The provision job also checks
 * that the request still holds its partner id and that its plan still renders to the hash that was
 * approved; a lifecycle job, that the change is of the kind it applies.
 */
import { approvalProblem, type ApprovalItem } from '../../domain/approval.js';
import { ErrorCode, type Refusal } from '../../domain/errors.js';
import type { ChangeKind, ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { ApproverDirectory } from '../ports.js';
import type { PlanRenderer } from '../onboarding/index.js';

/** Null when a job may act on the item; otherwise why not. */
async function recheck(approvers: ApproverDirectory, noun: string, item: ApprovalItem): Promise<Refusal | null> {
  const d = item.decision;
  return approvalProblem(item, noun, d?.status === 'approved' && (await approvers.isApprover(d.by)));
}

export interface CheckApprovalDeps {
  approvers: ApproverDirectory;
  renderPlan: PlanRenderer;
  /** Who holds the partner id now (a request id), or null. */
  partnerIdHolder: (partnerId: string) => Promise<string | null>;
}

/** Null when the request may be provisioned; otherwise why not. */
export async function checkApproval(deps: CheckApprovalDeps, request: OnboardingRequest): Promise<Refusal | null> {
  const problem = await recheck(deps.approvers, 'request', request);
  if (problem) return problem;
  if ((await deps.partnerIdHolder(request.partnerId)) !== request.id) {
    return { code: ErrorCode.PartnerIdNotHeld, message: `the partner id ${request.partnerId} is not reserved for this request` };
  }
  let hash: string;
  try {
    hash = deps.renderPlan(request).hash;
  } catch (err) {
    return { code: ErrorCode.PlanChanged, message: `the plan no longer renders (${err instanceof Error ? err.message : String(err)})` };
  }
  if (hash !== request.planHash) {
    return { code: ErrorCode.PlanChanged, message: 'the plan renders differently from the one that was approved (the platform configuration or the renderer changed)' };
  }
  return null;
}

/** Null when the change may be applied by a job that applies `kinds`; otherwise why not. */
export async function checkChangeApproval(approvers: ApproverDirectory, change: ChangeRequest | null, kinds: readonly ChangeKind[]): Promise<Refusal | null> {
  if (!change) return { code: ErrorCode.UnknownChange, message: 'the change does not exist' };
  if (!kinds.includes(change.spec.kind)) return { code: ErrorCode.WrongKind, message: `change ${change.id} is a ${change.spec.kind} change, not ${kinds.join(' or ')}` };
  return recheck(approvers, 'change', change);
}
