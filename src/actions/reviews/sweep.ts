/**
 * The review sweep (docs/reviews.md "The job"): live partners without a review get their first due
 * date; each partner whose next stage has come is opened, reminded, escalated or lapsed — each stage
 * claimed once before its messages are queued — and its next stage time moved on.
 */
import { buildReviewCard, buildReviewDm, buildReviewEscalation, buildReviewLapsed, buildReviewReminder } from '../../bot/messages/reviews.js';
import { reviewRef } from '../../bot/messages/ids.js';
import { BOT_REQUESTER } from '../../domain/approval.js';
import type { PartnerRecord } from '../../domain/partner.js';
import {
  DAY_MS, firstDueMs, reviewIdOf, stagesDue, stagesOf, type ReviewRecord, type ReviewStage,
} from '../../domain/reviews.js';
import type { ReviewDeps } from './deps.js';
import { evidenceSummary, gatherEvidence } from './evidence.js';

/** Partners taken in, and partners advanced, per run at most. */
const INTAKE_PER_RUN = 1_000;
const ADVANCE_PER_RUN = 200;

export interface ReviewSweepResult {
  scheduled: number;
  acted: Partial<Record<ReviewStage, number>>;
  dropped: number;
}

const inThread = (p: PartnerRecord) => ({ op: 'post' as const, channel: p.channel, thread: { ref: p.threadRef }, priority: 'progress' as const });
const iso = (ms: number) => new Date(ms).toISOString();

export async function sweepReviews(deps: ReviewDeps, o: { advancePerRun?: number } = {}): Promise<ReviewSweepResult> {
  const nowMs = deps.clock.now().getTime();
  const result: ReviewSweepResult = { scheduled: await takeIn(deps, nowMs), acted: {}, dropped: 0 };
  for (const partnerId of await deps.reviews.dueForSweep(nowMs, o.advancePerRun ?? ADVANCE_PER_RUN)) {
    const outcome = await advance(deps, partnerId, nowMs);
    if (outcome === 'dropped') result.dropped += 1;
    else for (const s of outcome) result.acted[s] = (result.acted[s] ?? 0) + 1;
  }
  if (result.scheduled + result.dropped + Object.keys(result.acted).length > 0) deps.logger.info({ ...result }, 'reviews: swept');
  return result;
}

/** Live partners without a review: their first due date (at least a full notice away). */
async function takeIn(deps: ReviewDeps, nowMs: number): Promise<number> {
  let scheduled = 0;
  for (const partnerId of await deps.reviews.unscheduled(INTAKE_PER_RUN)) {
    const p = await deps.partners.get(partnerId);
    if (p?.status !== 'live') continue;
    const liveAt = p.verifiedAt ?? p.provisionedAt;
    const dueMs = firstDueMs(liveAt ? Date.parse(liveAt) : null, nowMs, deps.rules);
    const record: ReviewRecord = { partnerId, cycle: 1, dueAt: iso(dueMs), state: 'scheduled', owner: await deps.ownerOf(p) };
    if (await deps.reviews.write(record, stagesOf(dueMs, deps.rules)[0]!.atMs, null)) scheduled += 1;
  }
  return scheduled;
}

async function advance(deps: ReviewDeps, partnerId: string, nowMs: number): Promise<ReviewStage[] | 'dropped'> {
  const [read, p] = await Promise.all([deps.reviews.read(partnerId), deps.partners.get(partnerId)]);
  if (!read || !p || p.status === 'offboarded') {
    await deps.reviews.drop(partnerId);
    return 'dropped';
  }
  const { record } = read;
  const dueMs = Date.parse(record.dueAt);
  const plan = stagesDue(dueMs, deps.rules, await deps.reviews.doneStages(partnerId, record.cycle), nowMs);
  for (const stage of plan.skip) await deps.reviews.claimStage(partnerId, record.cycle, stage);
  let current: ReviewRecord = { ...record, owner: await deps.ownerOf(p) };
  const acted: ReviewStage[] = [];
  for (const stage of plan.act) {
    if (!(await deps.reviews.claimStage(partnerId, record.cycle, stage))) continue;
    current = await act(deps, stage, current, p, nowMs);
    acted.push(stage);
  }
  // A lapsed review waits for its answer or the partner's offboarding: looked at daily, dropped once offboarded.
  const next = current.state === 'lapsed' ? nowMs + DAY_MS : plan.next;
  // Answered meanwhile: the answer wrote the next cycle, which stands.
  const written = await deps.reviews.write(current, next, read.raw);
  if (!written) deps.logger.info({ partnerId, cycle: record.cycle }, 'reviews: answered while the sweep acted; the answer stands');
  return acted;
}

async function act(deps: ReviewDeps, stage: ReviewStage, r: ReviewRecord, p: PartnerRecord, nowMs: number): Promise<ReviewRecord> {
  const reviewId = reviewIdOf(r);
  const base = { reviewId, due: r.dueAt, owner: r.owner };
  const dueMs = Date.parse(r.dueAt);
  switch (stage) {
    case 'open': {
      const evidence = await gatherEvidence(deps, p, new Date(nowMs));
      const card = buildReviewCard({ reviewId, partnerId: p.partnerId, displayName: p.displayName, dueAt: r.dueAt, owner: r.owner, evidence });
      await deps.notify({ ...inThread(p), ref: reviewRef(reviewId), ...card });
      if (r.owner) await deps.notify({ op: 'post', channel: r.owner, priority: 'progress', ...buildReviewDm({ ...p, dueAt: r.dueAt, idleDays: evidence.idleDays }) });
      await deps.audit({ type: 'review.opened', partnerId: p.partnerId, actor: 'partnergate', details: { ...base, idleDays: evidence.idleDays, evidence: evidenceSummary(evidence) } });
      return { ...r, state: 'open', openedAt: iso(nowMs) };
    }
    case 'remind-7':
    case 'remind-1': {
      const reminder = buildReviewReminder({ partnerId: p.partnerId, dueAt: r.dueAt, owner: r.owner, daysLeft: Math.max(1, Math.ceil((dueMs - nowMs) / DAY_MS)) });
      await deps.notify({ ...inThread(p), ...reminder });
      if (r.owner) await deps.notify({ op: 'post', channel: r.owner, priority: 'progress', ...reminder });
      await deps.audit({ type: 'review.reminded', partnerId: p.partnerId, actor: 'partnergate', details: { ...base, stage } });
      return r;
    }
    case 'escalate': {
      const { users, usergroup } = deps.approverNames;
      const lapseAt = iso(dueMs + Math.round(deps.rules.graceDays * DAY_MS));
      const message = buildReviewEscalation({ ...p, dueAt: r.dueAt, owner: r.owner, approvers: users, usergroup, graceDays: deps.rules.graceDays, lapseAt });
      await deps.notify([{ op: 'post', channel: deps.approvalsChannel, priority: 'progress', ...message }, { ...inThread(p), ...message }]);
      await deps.audit({ type: 'review.escalated', partnerId: p.partnerId, actor: 'partnergate', details: { ...base, approvers: users, usergroup: usergroup ?? null } });
      return r;
    }
    case 'lapse':
      return lapse(deps, r, p, nowMs);
  }
}

/**
 * Unanswered past the grace: the partner's deliveries pause (a quarantine no drift check releases
 * while `reviewHold` is set) and an offboarding request is opened by the bot, for an approver.
 */
async function lapse(deps: ReviewDeps, r: ReviewRecord, p: PartnerRecord, nowMs: number): Promise<ReviewRecord> {
  const reviewId = reviewIdOf(r);
  const at = iso(nowMs);
  const paused = (await deps.partners.apply(p.partnerId, 'quarantined', { updatedAt: at, reviewHold: at })) !== null;
  // Quarantined already (drift): held too, so the repair of its drift does not release it.
  if (!paused) await deps.partners.update(p.partnerId, (x) => (x.status === 'quarantined' ? { ...x, reviewHold: at, updatedAt: at } : x));
  const asked = await deps.requestOffboarding({
    partnerId: p.partnerId, requestedBy: BOT_REQUESTER,
    reason: `Access review ${reviewId} lapsed: not answered ${deps.rules.graceDays} days past its due date (${r.dueAt}).`,
  });
  const offboard = asked.ok ? { changeId: asked.changeId } : { refused: asked.message };
  const message = buildReviewLapsed({ partnerId: p.partnerId, dueAt: r.dueAt, graceDays: deps.rules.graceDays, paused, offboard });
  await deps.notify([{ ...inThread(p), ...message }, { op: 'post', channel: deps.approvalsChannel, priority: 'progress', ...message }]);
  if (r.owner) await deps.notify({ op: 'post', channel: r.owner, priority: 'progress', ...message });
  await deps.audit({
    type: 'review.lapsed', partnerId: p.partnerId, actor: 'partnergate',
    details: { reviewId, due: r.dueAt, owner: r.owner, paused, offboardChange: asked.ok ? asked.changeId : null, ...(asked.ok ? {} : { refused: asked.code }) },
  });
  deps.logger.warn({ partnerId: p.partnerId, reviewId, paused, offboardChange: asked.ok ? asked.changeId : null }, 'reviews: lapsed; deliveries paused, offboarding requested');
  return { ...r, state: 'lapsed', lapsedAt: at, ...(asked.ok ? { offboardChangeId: asked.changeId } : {}) };
}
