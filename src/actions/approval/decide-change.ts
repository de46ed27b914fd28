/**
 * Approve or reject a lifecycle change, under the onboarding rules: an approver who is not the
 * requester approves (the requester may withdraw), exactly once (one Lua compare-and-set), before
 * the change expires. An approved change is handed to its job.
 */
import { changeRef } from '../../bot/messages/ids.js';
import { buildChangeCard, changeDecisionLine } from '../../bot/messages/change-card.js';
import { user } from '../../bot/messages/mrkdwn.js';
import type { ChangeRequest } from '../../domain/requests.js';
import type { ApproverDirectory } from '../ports.js';
import type { ChangeDeps } from '../lifecycle/index.js';

export interface DecideChangeDeps extends ChangeDeps {
  approvers: ApproverDirectory;
  /** Queues the job that applies an approved change (its job id is derived from the change id). */
  apply: (change: ChangeRequest) => Promise<void>;
}

export interface DecideChangeInput {
  changeId: string;
  actor: string;
  decision: 'approve' | 'reject';
  via: 'button' | 'reaction';
}

export type ChangeDecisionRefusal = 'unknown_change' | 'not_approver' | 'self_approval' | 'already_decided' | 'expired';

export type DecideChangeResult =
  | { ok: true; change: ChangeRequest }
  | { ok: false; code: ChangeDecisionRefusal; message: string; change: ChangeRequest | null };

const EXPIRED = 'This change has expired; ask for it again.';

function alreadyDecided(c: ChangeRequest): string {
  const d = c.decision;
  if (!d || d.status === 'expired') return d ? EXPIRED : `This change is already ${c.status}.`;
  return `This change was already ${d.status} by ${user(d.by)}; nothing changed.`;
}

async function decide(deps: DecideChangeDeps, input: DecideChangeInput): Promise<DecideChangeResult> {
  const change = await deps.changes.get(input.changeId);
  const refuse = (code: ChangeDecisionRefusal, message: string, c: ChangeRequest | null = change): DecideChangeResult => ({ ok: false, code, message, change: c });
  if (!change) return refuse('unknown_change', 'This change no longer exists.');
  const isRequester = input.actor === change.requestedBy;
  const isApprover = await deps.approvers.isApprover(input.actor);
  if (input.decision === 'approve') {
    if (isRequester) return refuse('self_approval', 'You asked for this change, so someone else must approve it (two-person rule).');
    if (!isApprover) return refuse('not_approver', 'Only approvers can approve partner changes.');
  } else if (!isApprover && !isRequester) {
    return refuse('not_approver', 'Only approvers, or the requester withdrawing it, can reject a change.');
  }
  if (change.status !== 'pending') return refuse('already_decided', alreadyDecided(change));
  const now = deps.clock.now();
  const status = input.decision === 'approve' ? 'approved' : 'rejected';
  const outcome = await deps.changes.decide(change, { status, by: input.actor, at: now.toISOString(), via: input.via }, now);
  if (outcome.ok) return { ok: true, change: outcome.change };
  if (outcome.reason === 'not_found') return refuse('unknown_change', 'This change no longer exists.', null);
  if (outcome.reason === 'expired') {
    await expireChange(deps, change.id);
    return refuse('expired', EXPIRED, outcome.change);
  }
  return refuse('already_decided', alreadyDecided(outcome.change), outcome.change);
}

export async function decideChange(deps: DecideChangeDeps, input: DecideChangeInput): Promise<DecideChangeResult> {
  const log = deps.logger.child({ changeId: input.changeId, actor: input.actor, decision: input.decision, via: input.via });
  const result = await decide(deps, input);
  if (!result.ok) {
    log.info({ refusal: result.code }, 'change decision refused');
    await deps.audit?.({
      type: 'decision.refused', requestId: input.changeId, actor: input.actor, ...(result.change ? { partnerId: result.change.partnerId } : {}),
      details: { decision: input.decision, via: input.via, code: result.code, kind: result.change?.spec.kind },
    });
    return result;
  }
  const c = result.change;
  log.info({ partnerId: c.partnerId, kind: c.spec.kind }, `change ${c.status}`);
  await deps.audit?.({
    type: c.status === 'approved' ? 'change.approved' : 'change.rejected', partnerId: c.partnerId, requestId: c.id, actor: input.actor,
    details: { kind: c.spec.kind, via: input.via, withdrawn: input.actor === c.requestedBy },
  });
  await announce(deps, c);
  if (c.status === 'approved') await deps.apply(c);
  return result;
}

/** Marks a pending change expired (its kind is open again) and says so on its card. */
export async function expireChange(deps: ChangeDeps, changeId: string): Promise<boolean> {
  const change = await deps.changes.get(changeId);
  if (!change) return false;
  const now = deps.clock.now();
  const outcome = await deps.changes.decide(change, { status: 'expired', by: 'partnergate', at: now.toISOString(), via: 'expiry' }, now);
  if (!outcome.ok) return false;
  deps.logger.info({ changeId, partnerId: change.partnerId, kind: change.spec.kind }, 'change expired');
  await deps.audit?.({ type: 'change.expired', partnerId: change.partnerId, requestId: changeId, actor: 'partnergate', details: { kind: change.spec.kind } });
  await announce(deps, outcome.change);
  return true;
}

async function announce(deps: Pick<ChangeDeps, 'notify' | 'approvalReaction'>, c: ChangeRequest): Promise<void> {
  await deps.notify({ op: 'update', target: changeRef(c.id), priority: 'approval', ...buildChangeCard(c, { approvalReaction: deps.approvalReaction }) });
  await deps.notify({ op: 'post', channel: c.channel, thread: { ref: c.threadRef }, priority: 'approval', text: changeDecisionLine(c) });
}
