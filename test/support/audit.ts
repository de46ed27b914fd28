/**
 * The audit pipeline for tests: the real `audit` queue, buffer and worker on the real Redis, writing
 * to a local S3 (s3rver), flushing without waiting for more records. `drained()` waits until every
 * record is written (or its flush failed for good).
 */
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../src/logger.js';
import type { Clock } from '../../src/actions/ports.js';
import { createAudit, createAuditQueue, createAuditWorker, type AuditQueue } from '../../src/jobs/audit/audit.js';
import { type Audit } from '../../src/actions/ports.js';
import type { AuditRecord } from '../../src/domain/audit-record.js';
import { readPartnerHistory, scanAuditRecords } from '../../src/jobs/audit/history.js';

export interface AuditPipeline {
  audit: Audit;
  queue: AuditQueue;
  worker: Worker<AuditRecord>;
  drained(): Promise<void>;
  /** Drains, then reads the partner's history back from the bucket; without a partner, the records that name none (the platform's). */
  history(partnerId?: string): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

export function startAuditPipeline(o: {
  redis: Redis; worker: Redis; prefix: string; s3: S3Client; bucket: string; kmsKeyArn: string; clock: Clock; logger: Logger;
}): AuditPipeline {
  const queue = createAuditQueue(o.redis, o.prefix);
  const worker = createAuditWorker(o.worker, o.prefix, {
    s3: o.s3, bucket: o.bucket, kmsKeyArn: o.kmsKeyArn, logger: o.logger, backoffBaseMs: 5, backoffMaxMs: 20, flushDelayMs: 0,
  });
  worker.on('error', () => undefined);
  const audit = createAudit({ queue, clock: o.clock, logger: o.logger, flushDelayMs: 0 });
  const drained = async () => {
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(c).every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    audit, queue, worker, drained,
    async history(partnerId) {
      await drained();
      if (partnerId !== undefined) return (await readPartnerHistory(o.s3, o.bucket, { partnerId })).records;
      const records: AuditRecord[] = [];
      await scanAuditRecords(o.s3, o.bucket, {}, (r) => void (r.partnerId === undefined && records.push(r)));
      return records;
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
