/**
 * What a job checks before it acts on an approved item, however it was queued. First the seals
 * (src/domain/approval-seal.ts): the content is what was submitted, and the status and decision
 * are an approver's decision on that content, not something written in Redis. Then the two-person
 * rule again (src/domain/approval.ts), with the approver looked up now — both approvers, for an
 * item the bot asked for. The provision job also checks that the request still holds its partner
 * id and that its plan still renders to the hash that was approved; a lifecycle job, that the
 * change is of the kind it applies.
 */
import { approvalProblem, type ApprovalItem } from '../../domain/approval.js';
import type { ApprovalSeals, IntegrityProblem, SealKind } from '../../domain/approval-seal.js';
import { ErrorCode, type Refusal } from '../../domain/errors.js';
import type { ChangeKind, ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { ApproverDirectory } from '../ports.js';
import type { PlanRenderer } from '../onboarding/index.js';

/** A refusal; `integrity` when the item failed its seal check (the caller raises the alert). */
export type ApprovalRefusal = Refusal & { integrity?: IntegrityProblem };

/** Null when both seals of the item hold; otherwise the refusal (code `integrity_failed`). */
export function checkIntegrity(seals: ApprovalSeals, kind: 'request', item: OnboardingRequest): ApprovalRefusal | null;
export function checkIntegrity(seals: ApprovalSeals, kind: 'change', item: ChangeRequest): ApprovalRefusal | null;
export function checkIntegrity(seals: ApprovalSeals, kind: SealKind, item: OnboardingRequest | ChangeRequest): ApprovalRefusal | null {
  const problem = kind === 'request' ? seals.problem('request', item as OnboardingRequest) : seals.problem('change', item as ChangeRequest);
  return problem ? { code: ErrorCode.IntegrityFailed, message: problem.message, integrity: problem } : null;
}

/** Null when a job may act on the item; otherwise why not. Both approvers of an item that needs two are looked up now. */
async function recheck(approvers: ApproverDirectory, noun: string, item: ApprovalItem): Promise<Refusal | null> {
  const d = item.decision;
  const first = d?.status === 'approved' ? d.first : undefined;
  return approvalProblem(item, noun, d?.status === 'approved' && (await approvers.isApprover(d.by)), first !== undefined && (await approvers.isApprover(first.by)));
}

export interface CheckApprovalDeps {
  approvers: ApproverDirectory;
  seals: ApprovalSeals;
  renderPlan: PlanRenderer;
  /** Who holds the partner id now (a request id), or null. */
  partnerIdHolder: (partnerId: string) => Promise<string | null>;
}

/** Null when the request may be provisioned; otherwise why not. */
export async function checkApproval(deps: CheckApprovalDeps, request: OnboardingRequest): Promise<ApprovalRefusal | null> {
  const broken = checkIntegrity(deps.seals, 'request', request);
  if (broken) return broken;
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

export interface CheckChangeDeps {
  approvers: ApproverDirectory;
  seals: ApprovalSeals;
}

/** Null when the change may be applied by a job that applies `kinds`; otherwise why not. */
export async function checkChangeApproval(deps: CheckChangeDeps, change: ChangeRequest | null, kinds: readonly ChangeKind[]): Promise<ApprovalRefusal | null> {
  if (!change) return { code: ErrorCode.UnknownChange, message: 'the change does not exist' };
  const broken = checkIntegrity(deps.seals, 'change', change);
  if (broken) return broken;
  if (!kinds.includes(change.spec.kind)) return { code: ErrorCode.WrongKind, message: `change ${change.id} is a ${change.spec.kind} change, not ${kinds.join(' or ')}` };
  return recheck(deps.approvers, 'change', change);
}
