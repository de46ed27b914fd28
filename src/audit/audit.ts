/**
 * `audit(deps, input)`: log the record and queue it for the bucket. The write to S3 happens in the
 * `audit` queue's worker, so a slow S3 never slows a Slack answer; it is retried with backoff, and
 * the object's key is fixed when the record is made, so a retry never writes a second record. A
 * record whose write keeps failing stays in the queue's failed set (never removed) and in the log.
 *
 * Callers get an `Audit` (bound by the composition root) that never throws: the trail must not
 * turn a decision that happened into an error for the person who made it.
 */
import { Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../actions/ports.js';
import type { Logger } from '../logger.js';
import { putAuditObject } from '../aws/audit-s3.js';
import { retryDelayMs } from '../jobs/notify.js';
import { auditKey, auditRecordSchema, makeAuditRecord, type AuditInput, type AuditRecord } from './record.js';

export type { AuditInput, AuditRecord, AuditType } from './record.js';

/** The port use cases and jobs take: records one event, never throws. */
export type Audit = (input: AuditInput) => Promise<void>;

export const AUDIT_QUEUE = 'audit';
export const AUDIT_JOB = 'write';
/** About four hours of tries at the 5-minute ceiling: long enough to fix a permission. */
export const AUDIT_TRIES = 50;

export function auditJobId(record: Pick<AuditRecord, 'id'>): string {
  return `audit-${record.id}`;
}

export const AUDIT_JOB_OPTIONS: JobsOptions = {
  attempts: AUDIT_TRIES,
  backoff: { type: 'custom' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: false,
};

export function createAuditQueue(connection: ConnectionOptions, prefix: string): Queue<AuditRecord> {
  return new Queue<AuditRecord>(AUDIT_QUEUE, { connection, prefix });
}

export interface AuditDeps {
  queue: Pick<Queue<AuditRecord>, 'add'>;
  clock: Clock;
  logger: Logger;
}

/** Makes the record, logs it, queues its write. Throws only when Redis cannot take the job. */
export async function audit(deps: AuditDeps, input: AuditInput): Promise<AuditRecord> {
  const record = makeAuditRecord(input, deps.clock.now());
  deps.logger.info({ audit: record }, `audit: ${record.type}`);
  await deps.queue.add(AUDIT_JOB, record, { ...AUDIT_JOB_OPTIONS, jobId: auditJobId(record) });
  return record;
}

/** The bound port: `audit` whose failure to queue is logged (with the record) instead of thrown. */
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
}

/** Writes one record; an object already at its key (412) means an earlier try wrote it. */
export async function writeAuditRecord(deps: Pick<AuditWorkerDeps, 's3' | 'bucket' | 'kmsKeyArn'>, value: unknown): Promise<{ key: string; created: boolean }> {
  const record = auditRecordSchema.parse(value) as AuditRecord;
  const key = auditKey(record);
  const { created } = await putAuditObject(deps.s3, { bucket: deps.bucket, key, kmsKeyArn: deps.kmsKeyArn, body: `${JSON.stringify(record)}\n` });
  return { key, created };
}

export function createAuditWorker(connection: ConnectionOptions, prefix: string, deps: AuditWorkerDeps): Worker<AuditRecord> {
  const base = deps.backoffBaseMs ?? 1000;
  const max = deps.backoffMaxMs ?? 5 * 60_000;
  return new Worker<AuditRecord>(
    AUDIT_QUEUE,
    async (job) => {
      const out = await writeAuditRecord(deps, job.data);
      if (!out.created) deps.logger.info({ key: out.key }, 'audit: record already written');
      return out;
    },
    {
      connection, prefix, concurrency: 8,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, base, max) },
    },
  );
}
