/**
 * Approve or reject an onboarding request. The two-person rule: the actor is an approver and not
 * the requester (the requester may only withdraw). The move out of `pending` is one atomic step in
 * Redis, so racing clicks, reactions and Slack retries give one decision and one provisioning job.
 */
import { buildRequestCard, requestCardText } from '../../bot/messages/request-card.js';
import { cardRef } from '../../bot/messages/ids.js';
import { user } from '../../bot/messages/mrkdwn.js';
import type { RequestStore } from '../../store/requests.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import type { ApproverDirectory, Notify, UseCaseDeps } from '../ports.js';
import type { Audit } from '../ports.js';

export interface DecideDeps extends UseCaseDeps {
  store: RequestStore;
  approvers: ApproverDirectory;
  notify: Notify;
  /** Queues provisioning; the job id is the request id, so a second call is a no-op. */
  enqueueProvision: (request: OnboardingRequest) => Promise<void>;
  approvalReaction: string;
  /** The audit trail (optional: absent in tests that do not look at it). */
  audit?: Audit;
}

export interface DecideInput {
  requestId: string;
  actor: string;
  decision: 'approve' | 'reject';
  via: 'button' | 'reaction';
}

export type RefusalCode = 'unknown_request' | 'not_approver' | 'self_approval' | 'already_decided' | 'expired';

export type DecideResult =
  | { ok: true; request: OnboardingRequest }
  | { ok: false; code: RefusalCode; message: string; request: OnboardingRequest | null };

function refuse(code: RefusalCode, message: string, request: OnboardingRequest | null): DecideResult {
  return { ok: false, code, message, request };
}

function alreadyDecided(r: OnboardingRequest): string {
  const d = r.decision;
  if (!d) return `This request is already ${r.status}.`;
  if (d.status === 'expired') return 'This request has expired; ask the requester to submit it again.';
  return `This request was already ${d.status} by ${user(d.by)}; nothing changed.`;
}

export async function decideRequest(deps: DecideDeps, input: DecideInput): Promise<DecideResult> {
  const log = deps.logger.child({ requestId: input.requestId, actor: input.actor, decision: input.decision, via: input.via });
  const result = await decide(deps, input);
  if (!result.ok) {
    log.info({ refusal: result.code }, 'decision refused');
    await deps.audit?.({
      type: 'decision.refused', requestId: input.requestId, actor: input.actor,
      ...(result.request ? { partnerId: result.request.partnerId } : {}),
      details: { decision: input.decision, via: input.via, code: result.code },
    });
    return result;
  }
  log.info({ partnerId: result.request.partnerId }, `request ${result.request.status}`);
  await deps.audit?.({
    type: result.request.status === 'approved' ? 'request.approved' : 'request.rejected',
    partnerId: result.request.partnerId, requestId: result.request.id, actor: input.actor,
    details: { via: input.via, withdrawn: input.actor === result.request.requestedBy },
  });
  await announce(deps, result.request);
  if (result.request.status === 'approved') await deps.enqueueProvision(result.request);
  return result;
}

async function decide(deps: DecideDeps, input: DecideInput): Promise<DecideResult> {
  const request = await deps.store.get(input.requestId);
  if (!request) return refuse('unknown_request', 'This request no longer exists.', null);

  const isRequester = input.actor === request.requestedBy;
  const isApprover = await deps.approvers.isApprover(input.actor);
  if (input.decision === 'approve') {
    if (isRequester) return refuse('self_approval', 'You asked for this partner, so someone else must approve it (two-person rule).', request);
    if (!isApprover) return refuse('not_approver', 'Only approvers can approve onboarding requests.', request);
  } else if (!isApprover && !isRequester) {
    return refuse('not_approver', 'Only approvers, or the requester withdrawing it, can reject a request.', request);
  }
  if (request.status !== 'pending') return refuse('already_decided', alreadyDecided(request), request);

  const now = deps.clock.now();
  const status = input.decision === 'approve' ? 'approved' : 'rejected';
  const outcome = await deps.store.decide(request.id, { status, by: input.actor, at: now.toISOString(), via: input.via }, now);
  if (outcome.ok) return { ok: true, request: outcome.request };
  if (outcome.reason === 'not_found') return refuse('unknown_request', 'This request no longer exists.', null);
  if (outcome.reason === 'expired') {
    await expireRequest(deps, request.id);
    return refuse('expired', 'This request has expired; ask the requester to submit it again.', outcome.request);
  }
  return refuse('already_decided', alreadyDecided(outcome.request), outcome.request);
}

/** Marks a pending request expired (releasing its partner id) and says so on the card. */
export async function expireRequest(deps: Pick<DecideDeps, 'store' | 'notify' | 'clock' | 'logger' | 'approvalReaction' | 'audit'>, requestId: string): Promise<boolean> {
  const now = deps.clock.now();
  const outcome = await deps.store.decide(requestId, { status: 'expired', by: 'partnergate', at: now.toISOString(), via: 'expiry' }, now);
  if (!outcome.ok) return false;
  deps.logger.info({ requestId, partnerId: outcome.request.partnerId }, 'request expired');
  await deps.audit?.({ type: 'request.expired', partnerId: outcome.request.partnerId, requestId, actor: 'partnergate', details: { expiresAt: outcome.request.expiresAt } });
  await announce(deps, outcome.request);
  return true;
}

async function announce(deps: Pick<DecideDeps, 'notify' | 'approvalReaction'>, r: OnboardingRequest): Promise<void> {
  const ref = cardRef(r.id);
  await deps.notify({
    op: 'update', target: ref, priority: 'approval',
    text: requestCardText(r), blocks: buildRequestCard(r, { approvalReaction: deps.approvalReaction }),
  });
  const d = r.decision!;
  const line =
    d.status === 'approved'
      ? `Approved by ${user(d.by)}${d.via === 'reaction' ? ' (reaction)' : ''}. Provisioning is queued; each step will be reported here.`
      : d.status === 'rejected'
        ? `${d.by === r.requestedBy ? 'Withdrawn' : 'Rejected'} by ${user(d.by)}. Nothing will be provisioned; the partner id is free again.`
        : 'Expired without a decision. Nothing will be provisioned; the partner id is free again.';
  await deps.notify({ op: 'post', channel: r.channel, thread: { ref }, priority: 'approval', text: line });
}
