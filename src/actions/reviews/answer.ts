/**
 * Answering an access review (docs/reviews.md "Answering"): the owner or an approver keeps the
 * partner (with a reason) or asks for it to be offboarded (an offboarding change another person
 * approves). The record moves once (compare-and-set); the card shows the decision; the next review is
 * scheduled. Keep after the lapse lifts the hold, withdraws the lapse's offboarding request and
 * queues the drift check that releases the partner.
 */
import { buildAnsweredReviewCard, type ReviewAnswerView } from '../../bot/messages/reviews.js';
import { reviewRef } from '../../bot/messages/ids.js';
import { ErrorCode, type Refusal } from '../../domain/errors.js';
import type { PartnerRecord } from '../../domain/partner.js';
import {
  mayAnswer, nextDueMs, parseReviewId, REASON_MAX, reviewIdOf, stagesOf, type ReviewDecision, type ReviewRecord,
} from '../../domain/reviews.js';
import type { ReviewDeps } from './deps.js';

export interface AnswerInput {
  reviewId: string;
  actor: string;
  outcome: 'keep' | 'offboard';
  /** Required for keep. */
  reason: string;
}

export type AnswerResult = { ok: true; message: string } | ({ ok: false } & Refusal);

type Found = { ok: true; partner: PartnerRecord; record: ReviewRecord; raw: string; owner: string | null } | ({ ok: false } & Refusal);

/** The review the button or modal names, if the actor may answer it now. */
async function find(deps: ReviewDeps, reviewId: string, actor: string): Promise<Found> {
  const id = parseReviewId(reviewId);
  const gone: Refusal = { code: ErrorCode.NotFound, message: 'This access review no longer exists. Nothing was done.' };
  if (!id) return { ok: false, ...gone };
  const [read, partner] = await Promise.all([deps.reviews.read(id.partnerId), deps.partners.get(id.partnerId)]);
  if (!read || !partner || partner.status === 'offboarded') return { ok: false, ...gone };
  if (read.record.cycle !== id.cycle) {
    return { ok: false, code: ErrorCode.AlreadyDecided, message: `This access review of \`${id.partnerId}\` was already answered (${read.record.last ? `${read.record.last.outcome} by <@${read.record.last.by}>` : 'earlier'}). Nothing was done.` };
  }
  const owner = await deps.ownerOf(partner);
  if (!mayAnswer(actor, owner, await deps.approvers.isApprover(actor))) {
    return { ok: false, code: ErrorCode.NotOwner, message: `Only the owner of \`${id.partnerId}\`${owner ? ` (<@${owner}>)` : ''} or an approver may answer its access review. Nothing was done.` };
  }
  return { ok: true, partner, record: read.record, raw: read.raw, owner };
}

async function refused(deps: ReviewDeps, input: { reviewId: string; actor: string }, r: Refusal): Promise<{ ok: false } & Refusal> {
  const partnerId = parseReviewId(input.reviewId)?.partnerId;
  deps.logger.info({ reviewId: input.reviewId.slice(0, 64), actor: input.actor, refusal: r.code }, 'review answer refused');
  await deps.audit({ type: 'review.refused', actor: input.actor, ...(partnerId ? { partnerId } : {}), details: { reviewId: input.reviewId.slice(0, 64), code: r.code } });
  return { ok: false, ...r };
}

/** Before the Keep modal opens: whether this person may answer this review (refused ephemerally otherwise). */
export async function reviewForAnswer(
  deps: ReviewDeps, input: { reviewId: string; actor: string },
): Promise<{ ok: true; reviewId: string; partnerId: string; displayName: string } | ({ ok: false } & Refusal)> {
  const found = await find(deps, input.reviewId, input.actor);
  if (!found.ok) return refused(deps, input, found);
  return { ok: true, reviewId: reviewIdOf(found.record), partnerId: found.partner.partnerId, displayName: found.partner.displayName };
}

export async function answerReview(deps: ReviewDeps, input: AnswerInput): Promise<AnswerResult> {
  const found = await find(deps, input.reviewId, input.actor);
  if (!found.ok) return refused(deps, input, found);
  const { partner: p, record } = found;
  const reason = input.reason.trim().slice(0, REASON_MAX);
  if (input.outcome === 'keep' && reason === '') return refused(deps, input, { code: ErrorCode.BadInput, message: 'Keep needs a reason. Nothing was done.' });
  if (input.outcome === 'offboard' && record.state === 'lapsed') {
    return refused(deps, input, { code: ErrorCode.AlreadyOpen, message: `The review lapsed and an offboarding request for \`${p.partnerId}\` is already open in its thread: an approver decides it. Nothing was done.` });
  }
  const now = deps.clock.now();
  const decision: ReviewDecision = { outcome: input.outcome, by: input.actor, at: now.toISOString(), reason, cycle: record.cycle };
  const dueMs = nextDueMs(now.getTime(), deps.rules);
  const next: ReviewRecord = { partnerId: p.partnerId, cycle: record.cycle + 1, dueAt: new Date(dueMs).toISOString(), state: 'scheduled', owner: found.owner, last: decision };
  if (!(await deps.reviews.write(next, stagesOf(dueMs, deps.rules)[0]!.atMs, found.raw))) {
    return refused(deps, input, { code: ErrorCode.AlreadyDecided, message: `This access review of \`${p.partnerId}\` was answered meanwhile. Nothing was done.` });
  }
  const reviewId = reviewIdOf(record);
  const late = record.state === 'lapsed';
  let offboard: ReviewAnswerView['offboard'];
  if (input.outcome === 'offboard') {
    const asked = await deps.requestOffboarding({
      partnerId: p.partnerId, requestedBy: input.actor, reason: `Access review ${reviewId}: offboard${reason ? ` — ${reason}` : ''}`,
    });
    offboard = asked.ok ? { changeId: asked.changeId } : { refused: asked.message };
  } else if (late) {
    await resume(deps, p, record);
  }
  deps.logger.info({ partnerId: p.partnerId, reviewId, actor: input.actor, outcome: input.outcome, late }, 'review answered');
  await deps.audit({
    type: input.outcome === 'keep' ? 'review.kept' : 'review.offboard', partnerId: p.partnerId, actor: input.actor,
    details: {
      reviewId, due: record.dueAt, owner: found.owner, reason, late, nextDue: next.dueAt,
      ...(offboard ? { offboardChange: 'changeId' in offboard ? offboard.changeId : null } : {}),
    },
  });
  const answer: ReviewAnswerView = { outcome: input.outcome, by: input.actor, at: decision.at, reason, nextDueAt: next.dueAt, ...(offboard ? { offboard } : {}) };
  const card = buildAnsweredReviewCard(p, answer);
  await deps.notify([
    { op: 'update', target: reviewRef(reviewId), priority: 'interactive', ...card },
    { op: 'post', channel: p.channel, thread: { ref: p.threadRef }, priority: 'interactive', text: card.text },
  ]);
  return { ok: true, message: card.text };
}

/** Keep after the lapse: the hold lifted, the lapse's offboarding request withdrawn, a check queued to release the partner. */
async function resume(deps: ReviewDeps, p: PartnerRecord, record: ReviewRecord): Promise<void> {
  await deps.partners.update(p.partnerId, (x) => {
    if (x.reviewHold === undefined) return x;
    const { reviewHold: _held, ...rest } = x;
    return { ...rest, updatedAt: deps.clock.now().toISOString() };
  });
  if (record.offboardChangeId) await deps.withdrawChange(record.offboardChangeId);
  await deps.recheck(p.partnerId);
}
