/**
 * The deliver job: one server-side copy of one version to one partner, done once per
 * (key, version, partner) — the record in Redis outlives BullMQ's memory of the job; a forced
 * re-send bypasses it. Throttling and 5xx are retried with exponential backoff and jitter; a missing
 * source or AccessDenied fails at once. A final failure goes to the partner's thread with a Resend
 * button; a success becomes a receipt there, combined with the thread's other receipts of the
 * window, and counts towards its fan-out's summary.
 */
import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import { AppError, ErrorCode, errorMessage } from '../../domain/errors.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import { awsErrorCode, isRetryableAwsError } from '../../aws/aws-error.js';
import { deliveryTarget } from '../../domain/routing.js';
import { type FanoutSettled } from '../../store/deliveries.js';
import { deliveryHash, normalizeEtag, type DeliveryRecord } from '../../domain/delivery.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { buildDeliveryFailure, buildFanoutSummary, buildReceipts } from '../../bot/messages/delivery.js';
import { fanoutSummaryRef } from '../../bot/messages/ids.js';
import { KEEP } from '../platform/queues.js';
import { retryDelayMs } from '../notify/index.js';
import type { DeliveryContext } from './delivery-context.js';
import {
  DELIVER_JOB, RECEIPT_FLUSH_JOB, deliverJobId, receiptFlushJobId, resendJobId, type DeliverPayload,
} from '../../actions/delivery/index.js';

/** What queuing a delivery needs: the deliver queue and the attempts setting. */
export interface DeliverQueuing {
  queues: Pick<DeliveryContext['queues'], 'deliver'>;
  options: Pick<DeliveryContext['options'], 'deliverAttempts'>;
}

export function deliverJobOptions(ctx: Pick<DeliverQueuing, 'options'>): JobsOptions {
  return { ...KEEP, attempts: ctx.options.deliverAttempts, backoff: { type: 'custom' } };
}

/** The worker's backoff for deliver jobs: exponential with jitter (half to full), capped. */
export function deliverBackoff(ctx: Pick<DeliveryContext, 'options'>): (attemptsMade: number) => number {
  return (attemptsMade) => retryDelayMs(attemptsMade, ctx.options.retryBaseMs, ctx.options.retryMaxMs);
}

/** Queues deliveries with their deterministic ids (one job per (key, version, partner)). */
export async function addDeliveries(ctx: DeliverQueuing, payloads: DeliverPayload[]): Promise<void> {
  if (payloads.length === 0) return;
  const opts = deliverJobOptions(ctx);
  for (let i = 0; i < payloads.length; i += 500) {
    await ctx.queues.deliver.addBulk(
      payloads.slice(i, i + 500).map((data) => ({ name: DELIVER_JOB, data, opts: { ...opts, jobId: deliverJobId(data) } })),
    );
  }
}

/** Queues a forced re-send: a new job every time, which ignores the delivery record. */
export async function addResend(ctx: DeliverQueuing, payload: DeliverPayload, atMs: number): Promise<string> {
  const jobId = resendJobId(payload, atMs);
  await ctx.queues.deliver.add(DELIVER_JOB, { ...payload, origin: 'resend' }, { ...deliverJobOptions(ctx), jobId });
  return jobId;
}

/** Delivers now to a LIVE partner, or parks the delivery until the partner goes LIVE. */
export async function parkOrDeliver(ctx: DeliveryContext, isLive: boolean, payload: DeliverPayload): Promise<'queued' | 'parked'> {
  if (!isLive && (await ctx.store.park(payload.partnerId, deliveryHash(payload, payload.partnerId), payload))) return 'parked';
  await addDeliveries(ctx, [payload]);
  return 'queued';
}

export type DeliverOutcome = 'delivered' | 'already-delivered' | 'parked' | 'not-deliverable' | 'stalled-out';

/**
 * A delivery whose worker died with it more often than its queue allows (src/jobs/platform/stalls.ts):
 * reported like a copy that failed for good — in the partner's thread with Resend, a failed record,
 * counted in its fan-out — and not tried again, since the copy itself may be what kills the worker.
 * A delivery recorded before the last death is finished as usual instead (its receipt, its count).
 */
export async function stalledOutDelivery(ctx: DeliveryContext, job: Job<DeliverPayload>, deaths: number): Promise<DeliverOutcome> {
  const p = job.data;
  const dh = deliveryHash(p, p.partnerId);
  if (p.forcedBy === undefined && (await ctx.store.delivered(dh))) return processDeliver(ctx, job);
  const partner = await ctx.partners.get(p.partnerId);
  if (!partner || partner.status === 'offboarded') {
    await settleFanout(ctx, p, 'failed', partner ? 'offboarded' : 'unknown partner');
    return 'not-deliverable';
  }
  await reportFailure(ctx, partner, p, dh, {
    code: ErrorCode.WorkerStalled, message: `the worker died ${deaths} times while delivering this file; not tried again`,
  });
  return 'stalled-out';
}

export async function processDeliver(ctx: DeliveryContext, job: Job<DeliverPayload>): Promise<DeliverOutcome> {
  const p = job.data;
  const dh = deliveryHash(p, p.partnerId);
  const log = ctx.logger.child({ jobId: job.id, key: p.key, versionId: p.versionId, partnerId: p.partnerId, origin: p.origin });

  // Both reads in one round trip (sent back to back on the shared connection).
  const [done, partner] = await Promise.all([p.forcedBy === undefined && ctx.store.delivered(dh), ctx.partners.get(p.partnerId)]);
  if (done) {
    // A run that crashed after recording may not have scheduled its thread's flush: schedule it
    // again (the job id follows the flagged generation, so a flush already queued is not doubled).
    const gen = await ctx.store.pendingReceiptFlush(p.partnerId);
    if (gen !== null) await scheduleFlush(ctx, p.partnerId, gen);
    if (done.outcome === 'delivered') await indexForPickups(ctx, p, dh, done);
    await settleFanout(ctx, p, 'delivered');
    return 'already-delivered';
  }
  if (!partner || partner.status === 'offboarded') {
    log.warn('deliver: the partner is gone; not delivered');
    await settleFanout(ctx, p, 'failed', partner ? 'offboarded' : 'unknown partner');
    return 'not-deliverable';
  }
  // The job's target is re-derived, never trusted: a payload naming another partner's home, or a
  // feed the partner no longer subscribes to, is refused (a parked or queued job can outlive both).
  const target = deliveryTarget(partner, p.key, ctx.routing);
  if (target === null || target.targetKey !== p.targetKey) {
    const reason = target === null ? 'not one of this partner\'s files (any more)' : 'the job names a target the key does not route to';
    log.error({ targetKey: p.targetKey, expected: target?.targetKey ?? null }, `deliver: refused: ${reason}`);
    await ctx.audit?.({
      type: 'delivery.refused', partnerId: p.partnerId, actor: p.forcedBy ?? 'partnergate',
      details: { key: p.key, versionId: p.versionId ?? null, targetKey: p.targetKey, reason, origin: p.origin },
    });
    await settleFanout(ctx, p, 'failed', reason);
    return 'not-deliverable';
  }
  if (partner.status !== 'live' && (await ctx.store.park(p.partnerId, dh, p))) {
    await settleFanout(ctx, p, 'failed', `not LIVE (${partner.status}); parked until it is`);
    return 'parked';
  }

  let copied;
  try {
    copied = await ctx.storage.copy({ sourceKey: p.key, sourceVersionId: p.versionId, targetKey: p.targetKey, source: p.source });
  } catch (err) {
    const code = err instanceof AppError ? err.code : awsErrorCode(err);
    const retryable = err instanceof AppError ? err.retryable : isRetryableAwsError(err);
    ctx.metrics.awsErrors.inc({ service: 's3', code });
    const final = !retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!final) {
      log.warn({ err, code, attempt: job.attemptsMade + 1 }, 'deliver: copy failed; will retry');
      throw err;
    }
    log.error({ err, code, attempts: job.attemptsMade + 1 }, 'deliver: copy failed for good');
    await reportFailure(ctx, partner, p, dh, { code, message: errorMessage(err) });
    throw new UnrecoverableError(`${code}: ${errorMessage(err)}`);
  }

  const now = ctx.clock.now();
  const record: DeliveryRecord = {
    outcome: 'delivered',
    at: now.toISOString(),
    partnerId: p.partnerId,
    key: p.key,
    versionId: p.versionId ?? null,
    targetKey: copied.targetKey,
    size: copied.size,
    checksum: copied.checksum,
    multipart: copied.multipart,
    ...(copied.etag ? { etag: normalizeEtag(copied.etag) } : {}),
    ...(p.forcedBy !== undefined ? { forcedBy: p.forcedBy } : {}),
  };
  if (p.lastModified !== undefined && (p.origin === 'dispatch' || p.origin === 'release')) {
    const seconds = Math.max(0, (now.getTime() - Date.parse(p.lastModified)) / 1000);
    if (Number.isFinite(seconds)) {
      record.latencySeconds = seconds;
      ctx.metrics.deliveryLatency.observe({ route: p.route }, seconds);
    }
  }
  // The audit record first: a crash before the delivery record repeats the copy and its audit
  // record (the trail says twice what happened twice) rather than losing the record.
  await ctx.audit?.({
    type: 'delivery.delivered', partnerId: p.partnerId, actor: p.forcedBy ?? 'partnergate',
    details: {
      key: p.key, versionId: record.versionId, targetKey: record.targetKey, size: record.size, checksum: record.checksum,
      multipart: record.multipart, origin: p.origin, ...(p.forcedBy !== undefined ? { forcedBy: p.forcedBy } : {}),
    },
  });
  const wantsReceipt = !p.quiet || p.forcedBy !== undefined;
  // The done mark, history, receipt and the fan-out's count in one transaction.
  const recorded = await ctx.store.recordDelivery(dh, record, wantsReceipt ? { flagTtlSeconds: receiptFlagTtl(ctx) } : null, fanoutOf(p));
  if (recorded.flushGen !== null) await scheduleFlush(ctx, record.partnerId, recorded.flushGen);
  await indexForPickups(ctx, p, dh, record);
  log.info({ targetKey: record.targetKey, size: record.size, checksum: record.checksum, multipart: record.multipart }, 'deliver: delivered');
  if (recorded.fanout) await summarizeIfLast(ctx, p, recorded.fanout);
  return 'delivered';
}

async function reportFailure(
  ctx: DeliveryContext, partner: PartnerRecord, p: DeliverPayload, dh: string, error: { code: string; message: string },
): Promise<void> {
  const record: DeliveryRecord = {
    outcome: 'failed', at: ctx.clock.now().toISOString(), partnerId: p.partnerId, key: p.key,
    versionId: p.versionId ?? null, targetKey: p.targetKey, error,
    ...(p.forcedBy !== undefined ? { forcedBy: p.forcedBy } : {}),
  };
  await ctx.audit?.({
    type: 'delivery.failed', partnerId: p.partnerId, actor: p.forcedBy ?? 'partnergate',
    details: {
      key: p.key, versionId: record.versionId, targetKey: p.targetKey, code: error.code, message: error.message,
      origin: p.origin, ...(p.forcedBy !== undefined ? { forcedBy: p.forcedBy } : {}),
    },
  });
  await ctx.store.pushHistory(record);
  await ctx.store.rememberFailure(dh, { partnerId: p.partnerId, key: p.key });
  await ctx.notify({
    op: 'post', channel: partner.channel, thread: { ref: partner.threadRef }, priority: 'progress',
    ...buildDeliveryFailure(record, dh),
  });
  // The summary says what happened in words; the code is in the audit record above and the log.
  await settleFanout(ctx, p, 'failed', failureAdvice(error.code).what);
}

/**
 * Records the delivery for proof of pickup (idempotent: a retry after a crash records it again) and
 * hands the pickups that arrived before it to the pickup handler.
 */
async function indexForPickups(ctx: DeliveryContext, p: DeliverPayload, dh: string, record: DeliveryRecord): Promise<void> {
  const file = {
    dh, partnerId: p.partnerId, key: p.key, versionId: record.versionId, targetKey: record.targetKey, etag: record.etag ?? null,
    size: record.size ?? null, at: record.at, feed: p.feed ?? null, fanout: fanoutOf(p), quiet: p.quiet === true && p.forcedBy === undefined,
  };
  const early = await ctx.pickups.indexDelivery(file);
  if (early.length === 0) return;
  if (ctx.onEarlyPickups) await ctx.onEarlyPickups(file, early);
  else ctx.logger.warn({ dh, partnerId: p.partnerId, early: early.length }, 'deliver: pickups arrived before this delivery, and no pickup handler is wired to record them');
}

/** The fan-out a delivery counts towards: a dispatched one's, not a re-send's. */
function fanoutOf(p: DeliverPayload): string | null {
  return p.fanout === undefined || p.origin !== 'dispatch' || p.forcedBy !== undefined ? null : p.fanout;
}

/** Counts a delivery towards its fan-out; the one that completes it posts the summary. */
async function settleFanout(ctx: DeliveryContext, p: DeliverPayload, outcome: 'delivered' | 'failed', error?: string): Promise<void> {
  const fanout = fanoutOf(p);
  if (fanout !== null) await summarizeIfLast(ctx, p, await ctx.store.settleFanout(fanout, p.partnerId, outcome, error));
}

async function summarizeIfLast(ctx: DeliveryContext, p: DeliverPayload, settled: FanoutSettled): Promise<void> {
  if (!settled.summarize || p.fanout === undefined) return;
  const state = await ctx.store.fanout(p.fanout);
  const failures = await ctx.store.fanoutFailures(p.fanout);
  // A quiet fan-out's partners get no receipt: its summary (posted under a ref) says who picked it
  // up, updated as they do (docs/pickups.md).
  const quiet = state?.quiet === true;
  await ctx.notify({
    op: 'post', channel: ctx.deliveriesChannel, priority: 'progress', ref: fanoutSummaryRef(p.fanout),
    ...buildFanoutSummary({
      feed: state?.feed ?? p.feed ?? '', key: p.key, delivered: settled.delivered, failed: settled.failed,
      total: settled.total, parked: state?.parked ?? 0, failures,
      ...(quiet ? { pickedUp: await ctx.pickups.fanoutPickedUp(p.fanout) } : {}),
    }),
  });
}

/** Adds a receipt to the partner's waiting list and schedules the thread's flush when none is. */
function receiptFlagTtl(ctx: DeliveryContext): number {
  return Math.ceil(ctx.options.receiptWindowMs / 1000) + 300;
}

async function scheduleFlush(ctx: DeliveryContext, partnerId: string, gen: number): Promise<void> {
  await ctx.queues.deliver.add(
    RECEIPT_FLUSH_JOB,
    { partnerId },
    { ...KEEP, jobId: receiptFlushJobId(partnerId, gen), delay: ctx.options.receiptWindowMs, attempts: 10, backoff: { type: 'custom' } },
  );
}

/** Posts the partner's waiting receipts as one message in its thread. */
export async function processReceiptFlush(ctx: DeliveryContext, partnerId: string): Promise<number> {
  const records = await ctx.store.peekReceipts(partnerId, ctx.options.receiptBatch);
  if (records.length > 0) {
    const partner = await ctx.partners.get(partnerId);
    if (partner) {
      await ctx.notify({
        op: 'post', channel: partner.channel, thread: { ref: partner.threadRef }, priority: 'receipt', ...buildReceipts(records),
      });
    }
  }
  const next = await ctx.store.ackReceipts(partnerId, records.length);
  if (next !== null) await scheduleFlush(ctx, partnerId, next);
  return records.length;
}
