/**
 * What the provision job checks before it touches AWS, however it was queued: the stored request
 * was approved, by someone who is an approver now and is not the requester, before it expired,
 * it still holds its partner id, and its plan still renders to the hash that was approved.
 */
import type { OnboardingRequest } from '../../domain/requests.js';
import type { ApproverDirectory } from '../ports.js';
import type { PlanRenderer } from '../onboarding/index.js';

export type ApprovalRefusalCode =
  | 'not_approved'
  | 'self_approved'
  | 'approver_not_approver'
  | 'approved_after_expiry'
  | 'partner_id_not_held'
  | 'plan_changed';

export interface ApprovalRefusal {
  code: ApprovalRefusalCode;
  message: string;
}

export interface CheckApprovalDeps {
  approvers: ApproverDirectory;
  renderPlan: PlanRenderer;
  /** Who holds the partner id now (a request id), or null. */
  partnerIdHolder: (partnerId: string) => Promise<string | null>;
}

/** Null when the request may be provisioned; otherwise why not. */
export async function checkApproval(deps: CheckApprovalDeps, request: OnboardingRequest): Promise<ApprovalRefusal | null> {
  const d = request.decision;
  if (request.status !== 'approved' || d === null || d.status !== 'approved') {
    return { code: 'not_approved', message: `the request is ${request.status}, not approved` };
  }
  if (d.by === request.requestedBy) {
    return { code: 'self_approved', message: 'it was approved by the requester (two-person rule)' };
  }
  if (!(await deps.approvers.isApprover(d.by))) {
    return { code: 'approver_not_approver', message: `<@${d.by}>, who approved it, is not an approver any more` };
  }
  if (!(Date.parse(d.at) < Date.parse(request.expiresAt))) {
    return { code: 'approved_after_expiry', message: 'it was approved after it had expired' };
  }
  if ((await deps.partnerIdHolder(request.partnerId)) !== request.id) {
    return { code: 'partner_id_not_held', message: `the partner id ${request.partnerId} is not reserved for this request` };
  }
  let hash: string;
  try {
    hash = deps.renderPlan(request).hash;
  } catch (err) {
    return { code: 'plan_changed', message: `the plan no longer renders (${err instanceof Error ? err.message : String(err)})` };
  }
  if (hash !== request.planHash) {
    return { code: 'plan_changed', message: 'the plan renders differently from the one that was approved (the platform configuration or the renderer changed)' };
  }
  return null;
}
