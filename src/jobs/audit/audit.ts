/**
 * `audit(deps, input)`: log the record and queue it for the bucket. Records wait in Redis
 * (src/store/audit-buffer.ts, on the `audit` queue's connection) and a `flush` job of the `audit` queue's
 * worker writes them in batches — one S3 object per batch of up to AUDIT_BATCH_MAX records of one
 * day, not one per record (a fan-out to 1,000 partners makes 1,000 records) — so a slow S3 never
 * slows a Slack answer or a delivery. A record is in Redis before `audit` resolves; a batch leaves
 * Redis only once written, under a key fixed by its first record, so a flush retried after a crash
 * rewrites the same object (refused by If-None-Match): nothing lost, nothing doubled. A flush that
 * keeps failing stays in the queue's failed set (never removed); its records stay in Redis and the
 * next flush writes them. Every record is also in the log. (`write` jobs of one record, queued
 * before batching, are still written.)
 *
 * Each batch object carries the hash of the one written before it (src/domain/audit-chain.ts). Only
 * one batch is written at a time: one flush job is scheduled at a time (the buffer's flag), and a
 * second flush that runs anyway claims the same batch with the same chain head and so writes the
 * same bytes; the head moves in Redis only with the batch's ack. With AUDIT_RETENTION_DAYS each
 * object is also locked (S3 Object Lock) as it is written.
 *
 * Callers get an `Audit` (bound by the composition root) that never throws: the trail must not
 * turn a decision that happened into an error for the person who made it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Queue, type JobsOptions, type Worker } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { Audit, Clock } from '../../actions/ports.js';
import type { Logger } from '../../logger.js';
import type { AuditLock } from '../../config.js';
import { getAuditObject, putAuditObject, type AuditObjectLock } from '../../aws/audit-s3.js';
import { chainedBody, headOf, parseChainLink, type ChainHead } from '../../domain/audit-chain.js';
import { findChainHead } from './chain-head.js';
import { retryDelayMs } from '../notify/index.js';
import { AuditBuffer } from '../../store/audit-buffer.js';
import { auditBatchKey, auditDayPrefix, auditKey, auditRecordSchema, makeAuditRecord, type AuditInput, type AuditRecord } from '../../domain/audit-record.js';
import { createQueue, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';


export const AUDIT_QUEUE = QUEUE_NAMES.audit;
/** One record (queued before batching). */
export const AUDIT_JOB = 'write';
/** Writes the waiting records in batches. */
export const AUDIT_FLUSH_JOB = 'flush';
/** Records in one object at most. */
export const AUDIT_BATCH_MAX = 1000;
/** How long a flush waits for more records to join its batch. */
export const AUDIT_FLUSH_DELAY_MS = 1000;
/** About four hours of tries at the 5-minute ceiling: long enough to fix a permission. */
export const AUDIT_TRIES = 50;

export function auditJobId(record: Pick<AuditRecord, 'id'>): string {
  return `audit-${record.id}`;
}

export const auditFlushJobId = (gen: number): string => `audit-flush-${gen}`;

export const AUDIT_JOB_OPTIONS: JobsOptions = {
  attempts: AUDIT_TRIES,
  backoff: { type: 'custom' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: false,
};

/** The `audit` queue (flush jobs) with the buffer of waiting records on the same Redis, under the same prefix. */
export type AuditQueue = Queue<AuditRecord> & { readonly buffer: AuditBuffer };

/** `queue`: the registry's audit queue (the composition root's); default a new one. */
export function createAuditQueue(connection: Redis, prefix: string, queue: Queue = createQueue(AUDIT_QUEUE, connection, prefix)): AuditQueue {
  return Object.assign(queue as Queue<AuditRecord>, { buffer: new AuditBuffer(connection, prefix) });
}

export interface AuditDeps {
  /** The `audit` queue (flush jobs) and its buffer (the waiting records). */
  queue: Pick<AuditQueue, 'add' | 'buffer'>;
  clock: Clock;
  logger: Logger;
  /** How long a flush waits for more records (tests shorten it). */
  flushDelayMs?: number;
}

/** Makes the record, logs it, stores it for the next flush. Throws only when Redis cannot take it. */
export async function audit(deps: AuditDeps, input: AuditInput): Promise<AuditRecord> {
  const record = makeAuditRecord(input, deps.clock.now());
  deps.logger.info({ audit: record }, `audit: ${record.type}`);
  await storeSoon(deps, JSON.stringify(record));
  return record;
}

/** Records made in the current turn of the event loop, per queue, and the step that stores them. */
const gathering = new WeakMap<AuditDeps['queue'], { lines: string[]; stored: Promise<void> }>();

/**
 * Stores a record with the others made in the same turn of the event loop (the ten pickups of one
 * SQS receive, a fan-out's records) in one Redis step, in the order they were made, instead of one
 * step each. Resolves, as before, once the record is in Redis; rejects, for every record of the
 * turn, when Redis cannot take them.
 */
function storeSoon(deps: AuditDeps, line: string): Promise<void> {
  const turn = gathering.get(deps.queue);
  if (turn) {
    turn.lines.push(line);
    return turn.stored;
  }
  const lines = [line];
  const stored = nextTurn().then(async () => {
    gathering.delete(deps.queue);
    const gen = await deps.queue.buffer.push(...lines);
    if (gen !== null) await addFlush(deps.queue, gen, deps.flushDelayMs ?? AUDIT_FLUSH_DELAY_MS);
  });
  gathering.set(deps.queue, { lines, stored });
  return stored;
}

async function addFlush(queue: Pick<Queue, 'add'>, gen: number, delayMs: number): Promise<void> {
  await queue.add(AUDIT_FLUSH_JOB, {} as AuditRecord, { ...AUDIT_JOB_OPTIONS, jobId: auditFlushJobId(gen), ...(delayMs > 0 ? { delay: delayMs } : {}) });
}

/** The bound port: `audit` whose failure to store is logged (with the record) instead of thrown. */
export function createAudit(deps: AuditDeps): Audit {
  return async (input) => {
    try {
      await audit(deps, input);
    } catch (err) {
      deps.logger.error({ err, auditType: input.type, partnerId: input.partnerId, requestId: input.requestId }, 'audit: could not queue the record');
    }
  };
}

export interface AuditWorkerDeps {
  s3: S3Client;
  bucket: string;
  kmsKeyArn: string;
  logger: Logger;
  /** Backoff between tries (tests shorten it). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long the next flush waits for more records (tests shorten it). */
  flushDelayMs?: number;
  /** Object Lock on each object written (AUDIT_RETENTION_DAYS, AUDIT_LOCK_MODE); none when null. */
  lock?: AuditLock | null;
  /** The time a lock is counted from (tests fix it). */
  now?: () => Date;
  /** Lock and stall settings other than the table's (tests). */
  stall?: StallOverrides;
}

/** Writes one record; an object already at its key (412) means an earlier try wrote it. */
export async function writeAuditRecord(deps: Pick<AuditWorkerDeps, 's3' | 'bucket' | 'kmsKeyArn'>, value: unknown): Promise<{ key: string; created: boolean }> {
  const record = auditRecordSchema.parse(value) as AuditRecord;
  const key = auditKey(record);
  const { created } = await putAuditObject(deps.s3, { bucket: deps.bucket, key, kmsKeyArn: deps.kmsKeyArn, body: `${JSON.stringify(record)}\n` });
  return { key, created };
}

type FlushDeps = Pick<AuditWorkerDeps, 's3' | 'bucket' | 'kmsKeyArn' | 'logger' | 'lock' | 'now'>;

/**
 * Writes one batch of waiting records: one chained object per day in it, then drops the batch and
 * moves the chain head. Returns how many records were written and whether more are waiting (then
 * the next flush job's generation).
 */
export async function flushAuditRecords(deps: FlushDeps, buffer: AuditBuffer): Promise<{ written: number; objects: string[]; next: number | null }> {
  if ((await buffer.head()) === null) await restoreChainHead(deps, buffer);
  const { batch, head, headText } = await buffer.claim(AUDIT_BATCH_MAX);
  if (batch.length === 0) return { written: 0, objects: [], next: await buffer.ack(undefined) };
  if (head === null) throw new Error('audit: the chain head left Redis during the flush'); // Redis lost its data again: retried
  const objects: string[] = [];
  let current = head;
  for (const lines of byDay(batch, deps.logger)) {
    const first = JSON.parse(lines[0]!) as AuditRecord;
    const key = auditBatchKey(first);
    const { body, head: next } = chainedBody(current, key, lines);
    const { created } = await putAuditObject(deps.s3, {
      bucket: deps.bucket, key, kmsKeyArn: deps.kmsKeyArn, body, contentType: 'application/x-ndjson', ...lockFor(deps),
    });
    current = created ? next : await alreadyWritten(deps, key, body, { next, before: current });
    objects.push(key);
  }
  const next = await buffer.ack(batch[0], { claimed: headText, next: current });
  return { written: batch.length, objects, next };
}

function lockFor(deps: Pick<FlushDeps, 'lock' | 'now'>): { lock?: AuditObjectLock } {
  if (!deps.lock) return {};
  const now = (deps.now ?? (() => new Date()))();
  return { lock: { mode: deps.lock.mode, retainUntil: new Date(now.getTime() + deps.lock.days * 86_400_000) } };
}

/** Redis holds no chain head (a new Redis, or one that lost its data): continue from the bucket's newest batch. */
async function restoreChainHead(deps: FlushDeps, buffer: AuditBuffer): Promise<void> {
  const found = await findChainHead(deps.s3, deps.bucket, (deps.now ?? (() => new Date()))());
  if (found.seq === 0) deps.logger.info('audit: no chained batch in the bucket; the hash chain begins with the next batch');
  else deps.logger.warn({ head: found }, 'audit: no chain head in Redis; the chain continues from the newest batch in the bucket');
  await buffer.startChain(found);
}

/**
 * The key already holds an object (412): a retry of a write whose answer was lost, or a second flush
 * of the same batch. Its bytes are what ours would be, unless it was written otherwise (before the
 * chain began, or after Redis lost the head): then the chain continues from what is stored.
 */
async function alreadyWritten(deps: FlushDeps, key: string, body: string, heads: { next: ChainHead; before: ChainHead }): Promise<ChainHead> {
  const stored = await getAuditObject(deps.s3, deps.bucket, key);
  if (stored === body) {
    deps.logger.info({ key }, 'audit: batch already written');
    return heads.next;
  }
  if (stored === null) throw new Error(`audit: ${key} exists (412) but cannot be read`);
  const link = parseChainLink(stored);
  if (link === null) {
    deps.logger.warn({ key }, 'audit: batch already written before the hash chain began; it stays outside the chain');
    return heads.before;
  }
  deps.logger.warn({ key, seq: link.seq }, 'audit: batch already written with another chain link; the chain continues from what is stored');
  return headOf(link, stored);
}

/** The batch's lines grouped by the day of their record, in order (a stored object holds one day). */
function byDay(lines: string[], logger: Logger): string[][] {
  const groups: string[][] = [];
  let day: string | undefined;
  for (const line of lines) {
    const parsed = auditRecordSchema.safeParse(JSON.parse(line));
    if (!parsed.success) {
      logger.error({ line }, 'audit: a waiting record is not a record; dropped'); // only a bug could put one there
      continue;
    }
    const d = auditDayPrefix(new Date(parsed.data.at));
    if (d !== day) groups.push([]);
    day = d;
    groups.at(-1)!.push(line);
  }
  return groups;
}

/** The audit worker: flush jobs (and the single-record jobs of before). Closing it closes its queue handle. */
export function createAuditWorker(connection: Redis, prefix: string, deps: AuditWorkerDeps): Worker<AuditRecord> {
  const base = deps.backoffBaseMs ?? 1000;
  const max = deps.backoffMaxMs ?? 5 * 60_000;
  const worker: Worker<AuditRecord> = createWorker<AuditRecord>(
    AUDIT_QUEUE,
    async (job) => {
      if (job.name === AUDIT_FLUSH_JOB) {
        const out = await flushAuditRecords(deps, queue.buffer);
        if (out.next !== null) {
          const full = (await queue.buffer.waiting()) >= AUDIT_BATCH_MAX;
          await addFlush(queue, out.next, full ? 0 : deps.flushDelayMs ?? AUDIT_FLUSH_DELAY_MS);
        }
        return { written: out.written, objects: out.objects };
      }
      const out = await writeAuditRecord(deps, job.data);
      if (!out.created) deps.logger.info({ key: out.key }, 'audit: record already written');
      return out;
    },
    {
      connection, prefix, concurrency: 8,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, base, max) },
    },
    { logger: deps.logger, overrides: deps.stall },
  );
  const queue = createAuditQueue(connection, prefix);
  worker.on('closed', () => void queue.close());
  return worker;
}
