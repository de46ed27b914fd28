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
 *
 * An item the bot asked for needs two different approvers (`approvalsNeeded`): the first approval
 * is recorded, sealed, once, atomically (the store's FIRST script) and leaves the item pending, its
 * card saying a second approver is needed; the first approver is refused a second time
 * (`second_approver_needed`); another approver's approval decides it, atomically on that same first
 * approval (DECIDE compares its seal), naming both. Two approvers clicking at once: one is first,
 * the other, told by the store, completes it; it is applied once. A rejection needs one person.
 */
import { approvalsNeeded, decisionRefusal, secondApprovalRefusal, viaRefusal, type ApprovalItem, type DecideOutcome } from '../../domain/approval.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { ErrorCode } from '../../domain/errors.js';
import type { FirstApproval } from '../../domain/requests.js';
import { buildApprovalCard, firstApprovalLine, refusalText } from '../../bot/messages/approval-card.js';
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
  if (item.status === 'pending') {
    log.info({ partnerId: item.partnerId, ...kind.details(item) }, `${noun} approved first; a second approver is needed`);
    await deps.audit?.({ type: 'approval.first-approved', partnerId: item.partnerId, requestId: item.id, actor: input.actor, details: { ...kind.details(item), via: input.via } });
    await announce(deps, item);
    // The second approver may have decided it since (two clicks at once): the card ends as the item stands.
    const since = await kind.store.get(item.id);
    if (since && since.status !== 'pending') await updateCard(deps, since);
    return result;
  }
  log.info({ partnerId: item.partnerId, ...kind.details(item) }, `${noun} ${item.status}`);
  const first = item.decision?.first;
  await deps.audit?.({
    type: item.status === 'approved' ? `${noun}.approved` : `${noun}.rejected`, partnerId: item.partnerId, requestId: item.id, actor: input.actor,
    details: { ...kind.details(item), via: input.via, withdrawn: input.actor === item.requestedBy, ...(first ? { firstApprovedBy: first.by } : {}) },
  });
  await announce(deps, item);
  if (item.status === 'approved') await deps.onApproved(item);
  await tellRequester(deps, item);
  return result;
}

/** `again`: this is the one retry after another approver's first approval was recorded since the item was read. */
async function attempt<T extends ApprovalItem>(deps: DecideDeps<T>, input: DecideInput, again = false): Promise<DecideResult<T>> {
  const { view, store } = deps.kind;
  const item = await store.get(input.id);
  const refuse = (code: ErrorCode, at: T | null = item): DecideResult<T> => ({ ok: false, code, message: refusalText(view, code, input.decision, at), item: at });
  if (!item) return refuse(view.unknown);
  const rule = decisionRefusal(item, input.actor, input.decision, await deps.approvers.isApprover(input.actor));
  if (rule) return refuse(rule);
  if (item.status !== 'pending') return refuse(ErrorCode.AlreadyDecided);
  const way = viaRefusal(view.subject(item), input.decision, input.via) ?? secondApprovalRefusal(item, input.actor, input.decision);
  if (way) return refuse(way);
  const broken = input.decision === 'approve' ? deps.kind.integrity(deps.seals, item) : null;
  if (broken) {
    await reportIntegrityFailure(deps, { noun: view.noun, id: item.id, partnerId: item.partnerId, thread: view.thread(item), stage: 'decide', problem: broken });
    return { ok: false, code: ErrorCode.IntegrityFailed, message: integrityRefusalText(view.noun), item };
  }
  const now = deps.clock.now();
  const outcome = await move(store, item, { by: input.actor, at: now.toISOString(), via: input.via }, input.decision, now);
  if (outcome.ok) return { ok: true, item: outcome.item };
  if (outcome.reason === 'not_found') return refuse(view.unknown, null);
  if (outcome.reason === 'expired') {
    await expire(deps, item.id);
    return refuse(ErrorCode.Expired, outcome.item);
  }
  // Another approver's first approval was recorded since the item was read (a first approval is
  // recorded once, never replaced): decide again on the item as it is now.
  if (outcome.reason === 'first_changed' && !again) return attempt(deps, input, true);
  return refuse(ErrorCode.AlreadyDecided, outcome.item);
}

/**
 * The store's step for a decision (`mark`: who, when, how): a rejection or an approval decides; the
 * first of two approvals is recorded and the item stays pending.
 */
function move<T extends ApprovalItem>(
  store: ApprovalKind<T>['store'], item: T, mark: FirstApproval, decision: 'approve' | 'reject', now: Date,
): Promise<DecideOutcome<T>> {
  if (decision === 'reject') return store.decide(item, { status: 'rejected', ...mark }, now);
  if (approvalsNeeded(item) === 1) return store.decide(item, { status: 'approved', ...mark }, now);
  if (!item.firstApproval) return store.approveFirst(item, mark, now);
  return store.decide(item, { status: 'approved', ...mark, first: item.firstApproval }, now);
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

/** The card updated to the decision (or to the first of two approvals), and a line in its thread. */
async function announce<T extends ApprovalItem>(deps: ApprovalDeps<T>, item: T): Promise<void> {
  const { view } = deps.kind;
  await updateCard(deps, item);
  const line = item.status === 'pending' ? firstApprovalLine(view, item) : view.decisionLine(item);
  await deps.notify({ op: 'post', channel: item.channel, thread: view.thread(item), priority: 'approval', text: line });
}

async function updateCard<T extends ApprovalItem>(deps: ApprovalDeps<T>, item: T): Promise<void> {
  const { view } = deps.kind;
  const card = buildApprovalCard(view, item, { approvalReaction: deps.approvalReaction, access: deps.kind.access?.(item) });
  await deps.notify({ op: 'update', target: view.ref(item.id), priority: 'approval', ...card });
}

/** The requester hears the decision by DM (once its job is queued) — unless they withdrew it themselves. */
async function tellRequester<T extends ApprovalItem>(deps: ApprovalDeps<T>, item: T): Promise<void> {
  const { view } = deps.kind;
  const decision = item.decision;
  if (!decision || decision.by === item.requestedBy) return;
  const dm = buildDecisionDm({ what: view.nudge(item).subject, onboarding: view.noun === 'request', decision, channel: item.channel });
  await deps.notify(directMessages([item.requestedBy], dm, 'approval'));
}
