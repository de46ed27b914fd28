/**
 * Pickup deadlines (docs/pickups.md "Deadlines"), queue `pickup-deadlines`:
 *
 * - `sweep` (every minute): takes in the open deliveries recorded since the last run with their
 *   deadline (PICKUP_SLA_HOURS, per feed PICKUP_SLA_BY_FEED); for each deadline passed — at most
 *   `lookupsPerRun` a run, paced — closes it if a newer version of the key replaced it, else looks
 *   the download up in the source of record (Transfer's log; a download found there is recorded as
 *   the pickup its lost event would have been), else reminds the partner's thread once, mentioning
 *   the partner's owner, audited. Sets the overdue gauge.
 * - `digest` (daily): one message in DELIVERIES_CHANNEL with the overdue counts and the oldest files.
 *
 * Idempotent: the reminder's Redis mark is set before it is queued; a sweep run twice, or two at
 * once, remind once. Tests drive both with an injected clock.
 */
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type Worker } from 'bullmq';
import type { Audit, Clock, Notify } from '../../actions/ports.js';
import type { LoggedDownload, DownloadQuery } from '../../aws/transfer-log.js';
import { buildOverdueDigest, buildPickupReminder } from '../../bot/messages/pickup-deadlines.js';
import {
  deadlineMs, digestDay, slaHoursFor, type OverdueFile, type PickupSla, type SourceOfRecord,
} from '../../domain/pickup-deadlines.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { DeadlineStore, type TrackedDelivery } from '../../store/pickup-deadlines.js';
import { PickupStore, type DeliveredFile } from '../../store/pickups.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';
import { recordFoundPickup, type PickupDeps } from './pickups.js';

export const PICKUP_DEADLINES_QUEUE = QUEUE_NAMES.pickupDeadlines;
export const SWEEP_JOB = 'sweep';
export const DIGEST_JOB = 'digest';
/** Late delivery records (a retried deliver job) are looked for this far behind the cursor. */
const LOOK_BACK_MS = 10 * 60_000;
/** Open deliveries /partner-status reads at most. */
const STATUS_READ_MAX = 500;
/** Overdue entries checked for a pickup since, per run. */
const PRUNE_PER_RUN = 5_000;

export interface DeadlineDeps {
  pickups: PickupDeps;
  partners: { get(partnerId: string): Promise<PartnerRecord | null> };
  /** The partner's owner (a Slack user id): who requested it, or who an approved edit made owner. */
  ownerOf(partner: PartnerRecord): Promise<string | null>;
  notify: Notify;
  audit: Audit;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'pickupsOverdue'> | undefined;
  sla: PickupSla;
  bucket: string;
  deliveriesChannel: string;
  /** Transfer's log of the partner's downloads (src/aws/transfer-log.ts); absent: not configured. */
  findDownloads?: ((q: Omit<DownloadQuery, 'logGroupName'>) => Promise<LoggedDownload[]>) | undefined;
  /** Why there is no `findDownloads` (DRY_RUN), said in the reminder. */
  noLogReason?: string | undefined;
  /** Deliveries taken in, and deadlines handled, per run at most. */
  intakePerRun?: number;
  lookupsPerRun?: number;
  /** Waited between two lookups (AWS's FilterLogEvents rate); tests: none. */
  pace?: () => Promise<void>;
}

interface Stores { pickups: PickupStore; deadlines: DeadlineStore }
const storesOf = (d: DeadlineDeps): Stores => ({ pickups: new PickupStore(d.pickups.redis, d.pickups.prefix), deadlines: new DeadlineStore(d.pickups.redis, d.pickups.prefix) });

export async function schedulePickupDeadlines(connection: ConnectionOptions, prefix: string, o: { sweepEveryMs?: number; digestPattern?: string } = {}): Promise<Queue> {
  const queue = new Queue(PICKUP_DEADLINES_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler('pickup-deadlines-every-minute', { every: o.sweepEveryMs ?? 60_000 }, { name: SWEEP_JOB });
  // 08:00 UTC every day; the day's Redis mark keeps it to one message however often it runs.
  await queue.upsertJobScheduler('pickup-digest-daily', { pattern: o.digestPattern ?? '0 8 * * *', tz: 'UTC' }, { name: DIGEST_JOB });
  return queue;
}

export function createPickupDeadlinesWorker(connection: ConnectionOptions, prefix: string, deps: DeadlineDeps, stall?: StallOverrides): Worker {
  return createWorker(PICKUP_DEADLINES_QUEUE, async (job) => (job.name === DIGEST_JOB ? postOverdueDigest(deps) : sweepDeadlines(deps)), {
    connection, prefix, concurrency: 1,
  }, { logger: deps.logger, overrides: stall });
}

export interface SweepResult { takenIn: number; reminded: number; foundInLog: number; closed: number; overdue: number }

/** One run of the deadline sweep (bounded; see the module's comment). */
export async function sweepDeadlines(deps: DeadlineDeps): Promise<SweepResult> {
  const s = storesOf(deps);
  const nowMs = deps.clock.now().getTime();
  const takenIn = await takeIn(deps, s);
  const result: SweepResult = { takenIn, reminded: 0, foundInLog: 0, closed: 0, overdue: 0 };
  const due = await s.deadlines.due(nowMs, deps.lookupsPerRun ?? 50);
  for (const [n, d] of due.entries()) {
    if (n > 0) await deps.pace?.();
    const outcome = await handleDue(deps, s, d, nowMs);
    if (outcome === 'reminded') result.reminded += 1;
    else if (outcome === 'found') result.foundInLog += 1;
    else if (outcome === 'closed') result.closed += 1;
  }
  await s.deadlines.pruneOverdue(PRUNE_PER_RUN);
  result.overdue = await s.deadlines.overdueCount();
  deps.metrics?.pickupsOverdue.set(result.overdue);
  if (result.reminded + result.foundInLog + result.closed > 0) deps.logger.info({ ...result }, 'pickup deadlines: swept');
  return result;
}

/**
 * The open deliveries recorded since the cursor (and, for a delivery recorded late, those a little
 * before it not yet known), each with its deadline.
 */
async function takeIn(deps: DeadlineDeps, s: Stores): Promise<number> {
  const limit = deps.intakePerRun ?? 1_000;
  const cursor = await s.deadlines.cursor();
  const [fresh, back] = await Promise.all([s.deadlines.openAfter(cursor, limit), s.deadlines.openBetween(Math.max(0, cursor - LOOK_BACK_MS), cursor, limit)]);
  const candidates = [...back, ...fresh];
  const known = await s.deadlines.known(candidates);
  const unknown = candidates.filter((_, n) => !known[n]);
  const files = await Promise.all(unknown.map((c) => s.pickups.file(c.dh)));
  const tracked: TrackedDelivery[] = [];
  for (const [n, c] of unknown.entries()) {
    const file = files[n];
    if (file) tracked.push({ partnerId: c.partnerId, dh: c.dh, ms: deadlineMs(deps.sla, file) });
  }
  await s.deadlines.track(tracked);
  const last = fresh.at(-1);
  if (last) await s.deadlines.advanceCursor(last.ms);
  return tracked.length;
}

type DueOutcome = 'gone' | 'closed' | 'found' | 'reminded' | 'already';

async function handleDue(deps: DeadlineDeps, s: Stores, d: TrackedDelivery, nowMs: number): Promise<DueOutcome> {
  const [[open], file] = await Promise.all([s.deadlines.stillOpen([d]), s.pickups.file(d.dh)]);
  if (!open || !file) {
    await s.deadlines.untrack(d.partnerId, d.dh); // picked up (or closed) before its deadline
    return 'gone';
  }
  const latest = await s.pickups.deliveryOf(file.partnerId, file.targetKey, null);
  if (latest && latest.dh !== file.dh && Date.parse(latest.at) >= Date.parse(file.at)) {
    // A newer version of the key replaced it: that one's deadline counts, not this one's.
    await s.pickups.closeDelivery(file.partnerId, file.dh);
    await s.deadlines.untrack(d.partnerId, d.dh);
    deps.logger.info({ partnerId: file.partnerId, dh: file.dh, newer: latest.dh }, 'pickup deadline: closed, a newer version of the file replaced it');
    return 'closed';
  }
  const partner = await deps.partners.get(file.partnerId);
  if (!partner || partner.status === 'offboarded') {
    await s.pickups.closeDelivery(file.partnerId, file.dh);
    await s.deadlines.untrack(d.partnerId, d.dh);
    return 'closed';
  }
  const source = await sourceOfRecord(deps, partner, file, nowMs);
  if (source.kind === 'found') {
    await recordFoundPickup(deps.pickups, file, foundRecord(deps, file, source));
    await s.deadlines.untrack(d.partnerId, d.dh);
    deps.logger.info({ partnerId: file.partnerId, dh: file.dh, session: source.session }, 'pickup deadline: the download was in Transfer\'s log; recorded');
    return 'found';
  }
  return remind(deps, s, { ...d, ms: d.ms }, partner, file, source, nowMs);
}

/** What Transfer's log says of the file (SFTP), and what can be said of S3 pulls. */
async function sourceOfRecord(deps: DeadlineDeps, partner: PartnerRecord, file: DeliveredFile, nowMs: number): Promise<SourceOfRecord> {
  const s3Note = partner.accountId
    ? '; S3 pulls are known only from their CloudTrail data events (minutes late; CloudTrail LookupEvents does not return data events, so the bot cannot search them)'
    : '';
  if (partner.sshKeys.length === 0) return { kind: 'not-found', where: `the partner has no SFTP user${s3Note}` };
  if (!deps.findDownloads) return { kind: 'unavailable', why: deps.noLogReason ?? 'Transfer\'s log is not configured for the bot' };
  let found: LoggedDownload[];
  try {
    found = await deps.findDownloads({ userName: partner.partnerId, path: `/${deps.bucket}/${file.targetKey}`, fromMs: Date.parse(file.at), toMs: nowMs });
  } catch (err) {
    const name = (err as { name?: string }).name ?? 'error';
    deps.logger.warn({ err, partnerId: partner.partnerId, dh: file.dh }, 'pickup deadline: Transfer\'s log could not be searched');
    return { kind: 'unavailable', why: `searching Transfer's log failed: ${name}` };
  }
  const complete = found.find((f) => f.activity === 'CLOSE' && (file.size === null || (f.bytesOut ?? 0) >= file.size));
  if (complete) return { kind: 'found', at: new Date(complete.atMs).toISOString(), bytes: complete.bytesOut, session: complete.sessionId, clientIp: null };
  const last = found.at(-1);
  if (last) return { kind: 'partial', at: new Date(last.atMs).toISOString(), bytes: last.bytesOut, session: last.sessionId };
  return { kind: 'not-found', where: `Transfer's log shows no download of it by ${partner.partnerId}${s3Note}` };
}

/** The pickup a download in Transfer's log stands for: one id per (session, path, time), so a second look records nothing twice. */
function foundRecord(deps: DeadlineDeps, file: DeliveredFile, f: Extract<SourceOfRecord, { kind: 'found' }>): PickupRecord {
  const id = createHash('sha256').update(['log', f.session, `/${deps.bucket}/${file.targetKey}`, f.at].join('\n')).digest('hex');
  return {
    id, eventId: `log:${f.session}`, channel: 'sftp', partnerId: file.partnerId, targetKey: file.targetKey, etag: file.etag, at: f.at,
    startedAt: null, bytes: f.bytes, size: file.size, outcome: 'complete', reason: null, clientIp: null, session: f.session, delivery: null, source: 'log',
  };
}

async function remind(
  deps: DeadlineDeps, s: Stores, d: TrackedDelivery, partner: PartnerRecord, file: DeliveredFile, source: SourceOfRecord, nowMs: number,
): Promise<DueOutcome> {
  const owner = await deps.ownerOf(partner);
  const first = await s.deadlines.markReminded(file.dh, { at: new Date(nowMs).toISOString(), deadline: new Date(d.ms).toISOString(), source: source.kind, owner });
  await s.deadlines.markOverdue(d);
  if (!first) return 'already';
  const slaHours = slaHoursFor(deps.sla, file.feed);
  await deps.notify({
    op: 'post', channel: partner.channel, thread: { ref: partner.threadRef }, priority: 'progress',
    ...buildPickupReminder({ partnerId: partner.partnerId, targetKey: file.targetKey, deliveredAt: file.at, deadlineMs: d.ms, slaHours, feed: file.feed, owner, source }),
  });
  await deps.audit({
    type: 'pickup.overdue', partnerId: partner.partnerId, actor: 'partnergate',
    details: {
      targetKey: file.targetKey, dh: file.dh, deliveredAt: file.at, deadline: new Date(d.ms).toISOString(), slaHours, feed: file.feed,
      owner, sourceOfRecord: source,
    },
  });
  deps.logger.info({ partnerId: partner.partnerId, dh: file.dh, source: source.kind }, 'pickup deadline: passed; reminded');
  return 'reminded';
}

/** Every overdue file (bounded), as the digest shows it. */
export async function overdueFiles(deps: Pick<DeadlineDeps, 'pickups'>, max = 10_000): Promise<{ files: OverdueFile[]; total: number }> {
  const s = new DeadlineStore(deps.pickups.redis, deps.pickups.prefix);
  const pickups = new PickupStore(deps.pickups.redis, deps.pickups.prefix);
  await s.pruneOverdue(PRUNE_PER_RUN);
  const [items, total] = await Promise.all([s.overdue(max), s.overdueCount()]);
  const files = await Promise.all(items.map((i) => pickups.file(i.dh)));
  const out: OverdueFile[] = [];
  for (const [n, i] of items.entries()) {
    const f = files[n];
    if (f) out.push({ partnerId: i.partnerId, dh: i.dh, targetKey: f.targetKey, deliveredAt: f.at, deadlineMs: i.ms });
  }
  return { files: out, total };
}

/** The daily digest in DELIVERIES_CHANNEL, once a day, when any file is overdue. */
export async function postOverdueDigest(deps: DeadlineDeps): Promise<{ posted: boolean; total: number }> {
  const nowMs = deps.clock.now().getTime();
  const { files, total } = await overdueFiles(deps);
  deps.metrics?.pickupsOverdue.set(total);
  if (total === 0) return { posted: false, total };
  const s = new DeadlineStore(deps.pickups.redis, deps.pickups.prefix);
  if (!(await s.markDigest(digestDay(nowMs)))) return { posted: false, total };
  await deps.notify({ op: 'post', channel: deps.deliveriesChannel, priority: 'progress', ...buildOverdueDigest({ files, total, nowMs }) });
  deps.logger.info({ total }, 'pickup deadlines: digest posted');
  return { posted: true, total };
}

export interface PartnerPickupStatus {
  open: { targetKey: string; deliveredAt: string; deadlineMs: number; overdue: boolean }[];
  openTotal: number;
  last: PickupRecord | null;
}

/**
 * /partner-status's pickup part: the partner's files not picked up yet, oldest first, with their
 * deadlines (a version a newer one replaced is not listed: its deadline is closed), and the last pickup.
 */
export async function partnerPickupStatus(
  deps: Pick<DeadlineDeps, 'pickups' | 'sla'>, partnerId: string, nowMs: number, max: number,
): Promise<PartnerPickupStatus> {
  const pickups = new PickupStore(deps.pickups.redis, deps.pickups.prefix);
  const [openAll, last] = await Promise.all([pickups.openDeliveries(partnerId), pickups.lastPickup(partnerId)]);
  // The oldest 500 are read; any beyond are counted as they stand.
  const read = openAll.slice(0, STATUS_READ_MAX);
  const files = (await Promise.all(read.map((o) => pickups.file(o.dh)))).filter((f): f is DeliveredFile => f !== null);
  const latest = await Promise.all(files.map((f) => pickups.deliveryOf(partnerId, f.targetKey, null)));
  const current = files.filter((f, n) => !latest[n] || latest[n]!.dh === f.dh || Date.parse(latest[n]!.at) < Date.parse(f.at));
  const open = current.map((f) => {
    const deadline = deadlineMs(deps.sla, f);
    return { targetKey: f.targetKey, deliveredAt: f.at, deadlineMs: deadline, overdue: deadline <= nowMs };
  });
  return { open: open.slice(0, max), openTotal: open.length + Math.max(0, openAll.length - STATUS_READ_MAX), last };
}
