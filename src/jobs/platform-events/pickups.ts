/**
 * Proof of pickup (docs/pickups.md): a partner's download of a delivered file, from Transfer's
 * download events or CloudTrail's GetObject data events on the platform events queue, matched to
 * its delivery, recorded once, audited, counted, and shown in the partner's thread — at most one
 * Slack call per thread per minute.
 *
 * `handlePickupMessage` answers `not-pickup` for every other event (the platform-change consumer
 * reads those). Bad input is logged with its reason and changes nothing; only a failure to store
 * (Redis) throws, and the message comes back.
 */
import type { Redis } from 'ioredis';
import type { Audit, Clock, Notify } from '../../actions/ports.js';
import {
  classifyPickupEvent, pickupRecord, type PickupDelivery, type PickupEvent, type PickupEventScope, type PickupRecord,
} from '../../domain/pickup-events.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { buildPickups } from '../../bot/messages/pickups.js';
import { buildFanoutSummary } from '../../bot/messages/delivery.js';
import { fanoutSummaryRef } from '../../bot/messages/ids.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { DeliveryStore } from '../../store/deliveries.js';
import { laneOfRef } from '../../store/outbox.js';
import { alreadyRecorded, PickupStore, type DeliveredFile, type PickupLine } from '../../store/pickups.js';

/** One Slack call per thread per this window. */
export const PICKUP_WINDOW_MS = 60_000;
/** How long a flush holds a thread's lines before another worker may take them again. */
export const PICKUP_LEASE_MS = 30_000;
/** Lines in one reply at most (the rest go a window later). */
export const PICKUP_LINES_MAX = 50;
/** A fan-out summary not yet in Slack: look again after this long. */
const SUMMARY_WAIT_MS = 5_000;

export interface PickupDeps {
  redis: Redis;
  prefix: string;
  scope: PickupEventScope;
  partners: { get(partnerId: string): Promise<PartnerRecord | null> };
  notify: Notify;
  audit: Audit;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'pickups' | 'pickupEventsSkipped'> | undefined;
  windowMs?: number | undefined;
}

export type PickupHandled = 'not-pickup' | 'invalid' | 'ignored' | 'duplicate' | 'recorded' | 'unmatched';

const stores = new WeakMap<Redis, Map<string, { pickups: PickupStore; deliveries: DeliveryStore }>>();

/** The stores over the deps' Redis and prefix (one pair per connection and prefix). */
function storesOf(deps: Pick<PickupDeps, 'redis' | 'prefix'>): { pickups: PickupStore; deliveries: DeliveryStore } {
  let byPrefix = stores.get(deps.redis);
  if (!byPrefix) stores.set(deps.redis, (byPrefix = new Map()));
  let pair = byPrefix.get(deps.prefix);
  if (!pair) byPrefix.set(deps.prefix, (pair = { pickups: new PickupStore(deps.redis, deps.prefix), deliveries: new DeliveryStore(deps.redis, deps.prefix) }));
  return pair;
}

const skipped = (deps: PickupDeps, reason: string) => deps.metrics?.pickupEventsSkipped.inc({ reason });

/** Reads one message body; a pickup event is matched, recorded and shown; anything else is left to the caller. */
export async function handlePickupMessage(deps: PickupDeps, body: string, messageId?: string): Promise<PickupHandled> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'not-pickup'; // the platform-change consumer logs it as unreadable
  }
  const e = classifyPickupEvent(value, deps.scope);
  switch (e.kind) {
    case 'not-pickup':
      return 'not-pickup';
    case 'invalid':
      deps.logger.warn({ messageId, eventId: e.eventId, reason: e.reason }, 'pickup event: unreadable, skipped');
      skipped(deps, 'invalid');
      return 'invalid';
    case 'ignored':
      deps.logger.info({ messageId, eventId: e.eventId, reason: e.reason }, 'pickup event: not counted, skipped');
      skipped(deps, 'ignored');
      return 'ignored';
    case 'pickup':
      return recordEvent(deps, e, messageId);
  }
}

async function recordEvent(deps: PickupDeps, e: PickupEvent, messageId: string | undefined): Promise<PickupHandled> {
  const log = { messageId, eventId: e.eventId, pickupId: e.id, partnerId: e.partnerId, channel: e.channel };
  const { pickups } = storesOf(deps);
  // One round trip: the three reads go out together on the connection.
  const [partner, file, seen] = await Promise.all([
    deps.partners.get(e.partnerId), pickups.deliveryOf(e.partnerId, e.targetKey, e.etag), pickups.seenState(e.id),
  ]);
  if (!partner || partner.status === 'offboarded') {
    // A user name or role we do not know (forged, or a partner gone): nothing of it is kept.
    deps.logger.warn({ ...log, reason: partner ? 'the partner is offboarded' : 'no such partner' }, 'pickup event: unknown partner, skipped');
    skipped(deps, 'unknown-partner');
    return 'ignored';
  }
  if (alreadyRecorded(seen, file !== null)) return duplicate(deps, log, 'already recorded');
  const sessionBytes = e.ranged && file ? (await pickups.rangeBytes(file.dh, e.session)) + (e.bytes ?? 0) : undefined;
  const record = pickupRecord(e, file ? deliveryOf(file) : null, file?.size ?? null, sessionBytes);
  return store(deps, record, file, { ranged: e.ranged, log });
}

function duplicate(deps: PickupDeps, log: Record<string, unknown>, reason: string): 'duplicate' {
  deps.logger.info({ ...log, reason }, 'pickup event: duplicate, skipped');
  skipped(deps, 'duplicate');
  return 'duplicate';
}

/**
 * Records a pickup, audited and counted, and flushes its thread when the line is due now. The audit
 * record is stored before the pickup's script runs (at least once: a pickup is never recorded
 * without its audit record; one recorded meanwhile by another worker may be audited twice, and the
 * export keeps one row per pickup id). The audit records of a receive's ten pickups go to Redis in
 * one step (src/jobs/audit), and their scripts then together.
 */
async function store(
  deps: PickupDeps, record: PickupRecord, file: DeliveredFile | null, o: { ranged: boolean; log: Record<string, unknown> },
): Promise<PickupHandled> {
  const { pickups } = storesOf(deps);
  const nowMs = deps.clock.now().getTime();
  await deps.audit({ type: file ? 'pickup.recorded' : 'pickup.unmatched', partnerId: record.partnerId, actor: 'partnergate', details: { ...record } });
  const out = await pickups.recordPickup(record, { line: lineFor(record, file, o.ranged), nowMs, windowMs: windowOf(deps), ranged: o.ranged });
  if (out.kind === 'duplicate') return duplicate(deps, o.log, 'recorded meanwhile');
  const outcome = file ? out.record.outcome : 'unmatched';
  deps.metrics?.pickups.inc({ channel: record.channel, outcome });
  // The audit record is logged at info already; an unmatched pickup is worth a line of its own.
  // The line is built only when it is written (at info, a matched pickup's is not: per event, it adds up).
  const line = () => ({ ...o.log, targetKey: record.targetKey, outcome, dh: file?.dh, firstComplete: out.firstComplete });
  if (!file) deps.logger.info(line(), 'pickup: no delivery of this file; recorded unmatched');
  else if (deps.logger.isLevelEnabled('debug')) deps.logger.debug(line(), 'pickup: recorded');
  if (out.line && out.dueMs !== null && out.dueMs <= nowMs) {
    await flushPickupThread(deps, lineThread(record, file)!);
  }
  return file ? 'recorded' : 'unmatched';
}

const windowOf = (deps: Pick<PickupDeps, 'windowMs'>) => deps.windowMs ?? PICKUP_WINDOW_MS;

function deliveryOf(file: DeliveredFile): PickupDelivery {
  return { dh: file.dh, key: file.key, versionId: file.versionId, deliveredAt: file.at, fanout: file.fanout };
}

/** The thread a pickup's line goes to: the partner's, or a quiet fan-out's summary. */
function lineThread(record: PickupRecord, file: DeliveredFile | null): string | null {
  if (!file) return null;
  if (file.quiet && record.outcome === 'complete') return file.fanout ? `f:${file.fanout}` : null;
  return `p:${record.partnerId}`;
}

/**
 * Which line a pickup may queue (the store decides in the same step whether it does): the first
 * complete pickup of a delivery; a failed or partial SFTP download of one not yet picked up; a quiet
 * fan-out's first pickups update its summary. The ranges of an S3 pull before the last are no news.
 */
function lineFor(record: PickupRecord, file: DeliveredFile | null, ranged: boolean): PickupLine | null {
  const thread = lineThread(record, file);
  if (thread === null) return null;
  if (thread.startsWith('f:')) return { thread, when: 'fanout', text: '1' };
  if (ranged) return { thread, when: 'first', text: '=' };
  return { thread, when: record.outcome === 'complete' ? 'first' : 'failure', text: '=' };
}

/**
 * Matches the early pickups `indexDelivery` answered for a delivery just recorded (events that
 * arrived before it) and records them as its pickups. Called by the deliver job.
 */
export async function recordEarlyPickups(deps: PickupDeps, file: DeliveredFile, early: PickupRecord[]): Promise<void> {
  const { pickups } = storesOf(deps);
  for (const p of early) {
    const log = { pickupId: p.id, partnerId: p.partnerId, early: true };
    // Matched already (a retry of the deliver job finds the same early pickups): nothing to do.
    if (alreadyRecorded(await pickups.seenState(p.id), true)) continue;
    const short = p.outcome === 'complete' && file.size !== null && p.bytes !== null && p.bytes < file.size;
    const record: PickupRecord = {
      ...p, size: file.size, delivery: deliveryOf(file),
      ...(short ? { outcome: 'partial', reason: `${p.bytes} of ${file.size} bytes` } : {}),
    };
    await store(deps, record, file, { ranged: false, log });
  }
}

/**
 * Records a download the source of record showed (Transfer's log, looked up before a file is
 * called overdue: its event was lost) as the delivery's pickup, through the same step as an event's.
 */
export async function recordFoundPickup(deps: PickupDeps, file: DeliveredFile, record: PickupRecord): Promise<PickupHandled> {
  return store(deps, { ...record, size: file.size, delivery: deliveryOf(file) }, file, { ranged: false, log: { pickupId: record.id, partnerId: record.partnerId, source: record.source } });
}

/** Flushes every thread whose lines are due (the ticker calls it every second). */
export async function flushDuePickups(deps: PickupDeps, limit = 100): Promise<number> {
  const { pickups } = storesOf(deps);
  const due = await pickups.dueThreads(deps.clock.now().getTime(), limit);
  let flushed = 0;
  for (const thread of due) if (await flushPickupThread(deps, thread)) flushed += 1;
  return flushed;
}

/**
 * One Slack call for a thread's waiting lines, if they are due: a reply in the partner's thread, or
 * an update of a fan-out's summary. At least once: a crash between the notify queue and the ack
 * sends those lines again.
 */
export async function flushPickupThread(deps: PickupDeps, thread: string): Promise<boolean> {
  const { pickups, deliveries } = storesOf(deps);
  const nowMs = deps.clock.now().getTime();
  const vh = thread.startsWith('f:') ? thread.slice(2) : null;
  // An update before its summary is queued would find no message: wait for the summary.
  if (vh !== null && (await laneOfRef(deps.redis, deps.prefix, fanoutSummaryRef(vh))) === undefined) {
    await pickups.deferThread(thread, nowMs + SUMMARY_WAIT_MS);
    return false;
  }
  const lines = await pickups.takeLines(thread, nowMs, PICKUP_LEASE_MS, PICKUP_LINES_MAX);
  if (lines === null) return false;
  if (lines.length > 0) {
    if (vh !== null) await updateFanoutSummary(deps, deliveries, pickups, vh);
    else await replyInThread(deps, thread.slice(2), lines);
  }
  // The thread's minute runs from when its message was queued, not from when the flush began.
  const queuedMs = lines.length > 0 ? deps.clock.now().getTime() : nowMs;
  await pickups.ackLines(thread, lines.length, queuedMs, windowOf(deps));
  if (lines.length > 0) deps.logger.info({ thread, lines: lines.length, queuedMs }, 'pickup: lines queued for Slack');
  return lines.length > 0;
}

async function replyInThread(deps: PickupDeps, partnerId: string, lines: string[]): Promise<void> {
  const partner = await deps.partners.get(partnerId);
  if (!partner) {
    deps.logger.warn({ partnerId, lines: lines.length }, 'pickup: the partner is gone; its pickup lines are dropped');
    return;
  }
  const records = lines.map((l) => JSON.parse(l) as PickupRecord);
  await deps.notify({ op: 'post', channel: partner.channel, thread: { ref: partner.threadRef }, priority: 'receipt', ...buildPickups(records) });
}

async function updateFanoutSummary(deps: PickupDeps, deliveries: DeliveryStore, pickups: PickupStore, vh: string): Promise<void> {
  const [state, failures, pickedUp] = await Promise.all([deliveries.fanout(vh), deliveries.fanoutFailures(vh), pickups.fanoutPickedUp(vh)]);
  if (!state) return;
  await deps.notify({
    op: 'update', target: fanoutSummaryRef(vh), priority: 'receipt',
    ...buildFanoutSummary({ ...state, failures, pickedUp }),
  });
}

/** Runs `flushDuePickups` every `everyMs` until stopped. */
export function startPickupFlusher(deps: PickupDeps, everyMs = 1000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = flushDuePickups(deps).catch((err: unknown) => deps.logger.error({ err }, 'pickup: flushing due threads failed; next tick tries again'));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
