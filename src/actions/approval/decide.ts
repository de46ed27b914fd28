/**
 * Decide a pending approval, of any kind: the two-person rule (src/domain/approval.ts) — an
 * approver who is not the requester approves, the requester may only withdraw — then the move out
 * of `pending` as one atomic step in Redis, so racing clicks, reactions and Slack retries give one
 * decision and one job. The store seals the decision (src/store/approval-scripts.ts). An approval
 * of content that no longer matches its seal is refused, with the alert: nobody's approval is
 * attached to content that was changed in Redis (the job would refuse it anyway). Rejecting such an
 * item is allowed: it makes nothing happen. Expiry is the same move, made by the sweep (or by a
 * late click). How the decision came matters too: the approval reaction approves onboarding only, a
 * change needs the Approve button and its confirmation (`viaRefusal`, src/domain/approval.ts) — a
 * reaction on a change card is refused (`button_required`), audited, and changes nothing.
 */
import { decisionRefusal, viaRefusal, type ApprovalItem } from '../../domain/approval.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { ErrorCode } from '../../domain/errors.js';
import { buildApprovalCard, refusalText } from '../../bot/messages/approval-card.js';
import { integrityRefusalText } from '../../bot/messages/integrity.js';
import { buildDecisionDm } from '../../bot/messages/requester.js';
import { directMessages } from '../direct-message.js';
import type { ApproverDirectory, Audit, Notify, UseCaseDeps } from '../ports.js';
import { reportIntegrityFailure } from './integrity.js';
import type { ApprovalKind } from './kinds.js';

export interface ApprovalDeps<T extends ApprovalItem> extends UseCaseDeps {
  kind: ApprovalKind<T>;
  notify: Notify;
  approvalReaction: string;
  /** The audit trail (optional: absent in tests that do not look at it). */
  audit?: Audit;
}

export interface DecideDeps<T extends ApprovalItem> extends ApprovalDeps<T> {
  approvers: ApproverDirectory;
  seals: ApprovalSeals;
  /** Where an integrity alert goes (APPROVALS_CHANNEL), besides the item's thread. */
  approvalsChannel: string;
  /** Queues the job that acts on an approved item; its job id is derived from the item's id, so a second call is a no-op. */
  onApproved: (item: T) => Promise<void>;
}

export interface DecideInput {
  id: string;
  actor: string;
  decision: 'approve' | 'reject';
  via: 'button' | 'reaction';
}

export type DecideResult<T> =
  | { ok: true; item: T }
  | { ok: false; code: ErrorCode; message: string; item: T | null };

export async function decide<T extends ApprovalItem>(deps: DecideDeps<T>, input: DecideInput): Promise<DecideResult<T>> {
  const { kind } = deps;
  const noun = kind.view.noun;
  const log = deps.logger.child({ [`${noun}Id`]: input.id, actor: input.actor, decision: input.decision, via: input.via });
  const result = await attempt(deps, input);
  if (!result.ok) {
    log.info({ refusal: result.code }, `${noun} decision refused`);
    await deps.audit?.({
      type: 'decision.refused', requestId: input.id, actor: input.actor, ...(result.item ? { partnerId: result.item.partnerId } : {}),
      details: { decision: input.decision, via: input.via, code: result.code, ...(result.item ? kind.details(result.item) : {}) },
    });
    return result;
  }
  const item = result.item;
  log.info({ partnerId: item.partnerId, ...kind.details(item) }, `${noun} ${item.status}`);
  await deps.audit?.({
    type: item.status === 'approved' ? `${noun}.approved` : `${noun}.rejected`, partnerId: item.partnerId, requestId: item.id, actor: input.actor,
    details: { ...kind.details(item), via: input.via, withdrawn: input.actor === item.requestedBy },
  });
  await announce(deps, item);
  if (item.status === 'approved') await deps.onApproved(item);
  await tellRequester(deps, item);
  return result;
}

async function attempt<T extends ApprovalItem>(deps: DecideDeps<T>, input: DecideInput): Promise<DecideResult<T>> {
  const { view, store } = deps.kind;
  const item = await store.get(input.id);
  const refuse = (code: ErrorCode, at: T | null = item): DecideResult<T> => ({ ok: false, code, message: refusalText(view, code, input.decision, at), item: at });
  if (!item) return refuse(view.unknown);
  const rule = decisionRefusal(item, input.actor, input.decision, await deps.approvers.isApprover(input.actor));
  if (rule) return refuse(rule);
  if (item.status !== 'pending') return refuse(ErrorCode.AlreadyDecided);
  const way = viaRefusal(view.subject(item), input.decision, input.via);
  if (way) return refuse(way);
  const broken = input.decision === 'approve' ? deps.kind.integrity(deps.seals, item) : null;
  if (broken) {
    await reportIntegrityFailure(deps, { noun: view.noun, id: item.id, partnerId: item.partnerId, thread: view.thread(item), stage: 'decide', problem: broken });
    return { ok: false, code: ErrorCode.IntegrityFailed, message: integrityRefusalText(view.noun), item };
  }
  const now = deps.clock.now();
  const status = input.decision === 'approve' ? 'approved' : 'rejected';
  const outcome = await store.decide(item, { status, by: input.actor, at: now.toISOString(), via: input.via }, now);
  if (outcome.ok) return { ok: true, item: outcome.item };
  if (outcome.reason === 'not_found') return refuse(view.unknown, null);
  if (outcome.reason === 'expired') {
    await expire(deps, item.id);
    return refuse(ErrorCode.Expired, outcome.item);
  }
  return refuse(ErrorCode.AlreadyDecided, outcome.item);
}

/** Marks a pending item expired (its reservation is released) and says so on its card; false when it was not pending. */
export async function expire<T extends ApprovalItem>(deps: ApprovalDeps<T>, id: string): Promise<boolean> {
  const { kind } = deps;
  const item = await kind.store.get(id);
  if (!item) return false;
  const now = deps.clock.now();
  const outcome = await kind.store.decide(item, { status: 'expired', by: 'partnergate', at: now.toISOString(), via: 'expiry' }, now);
  if (!outcome.ok) return false;
  deps.logger.info({ [`${kind.view.noun}Id`]: id, partnerId: item.partnerId, ...kind.details(item) }, `${kind.view.noun} expired`);
  await deps.audit?.({ type: `${kind.view.noun}.expired`, partnerId: item.partnerId, requestId: id, actor: 'partnergate', details: kind.expiredDetails(item) });
  await announce(deps, outcome.item);
  await tellRequester(deps, outcome.item);
  return true;
}

/** The card updated to the decision, and a line in its thread. */
async function announce<T extends ApprovalItem>(deps: ApprovalDeps<T>, item: T): Promise<void> {
  const { view } = deps.kind;
  const card = buildApprovalCard(view, item, { approvalReaction: deps.approvalReaction, access: deps.kind.access?.(item) });
  await deps.notify({ op: 'update', target: view.ref(item.id), priority: 'approval', ...card });
  await deps.notify({ op: 'post', channel: item.channel, thread: view.thread(item), priority: 'approval', text: view.decisionLine(item) });
}

/** The requester hears the decision by DM (once its job is queued) — unless they withdrew it themselves. */
async function tellRequester<T extends ApprovalItem>(deps: ApprovalDeps<T>, item: T): Promise<void> {
  const { view } = deps.kind;
  const decision = item.decision;
  if (!decision || decision.by === item.requestedBy) return;
  const dm = buildDecisionDm({ what: view.nudge(item).subject, onboarding: view.noun === 'request', decision, channel: item.channel });
  await deps.notify(directMessages([item.requestedBy], dm, 'approval'));
}
