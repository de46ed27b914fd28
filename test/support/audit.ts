/**
 * The audit pipeline for tests: the real `audit` queue, buffer and worker on the real Redis, writing
 * to a local S3 (s3rver), flushing without waiting for more records. `drained()` waits until every
 * record is written (or its flush failed for good). `startAuditTrail` gives it a prefix, Redis
 * connections and a local S3 of its own, and runs the operator tools against what it wrote.
 */
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ToolClients, ToolRun } from '../../src/cli/tool.js';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../tools/local/s3.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import type { Clock } from '../../src/actions/ports.js';
import { createAudit, createAuditQueue, createAuditWorker, type AuditQueue } from '../../src/jobs/audit/audit.js';
import { type Audit } from '../../src/actions/ports.js';
import type { AuditRecord } from '../../src/domain/audit-record.js';
import { readPartnerHistory, scanAuditRecords } from '../../src/jobs/audit/history.js';
import { capture, type CliResult } from './cli.js';

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

export interface AuditTrail {
  prefix: string;
  redis: Redis;
  s3: LocalS3;
  pipeline: AuditPipeline;
  /** Waits for the pipeline to drain, then runs `run` on this trail's bucket, prefix, S3 client and Redis (`options` added). */
  cli<O extends ToolClients>(run: ToolRun<O>, args: string[], options?: Omit<O, keyof ToolClients>): Promise<CliResult>;
  close(): Promise<void>;
}

/** The audit pipeline on a prefix of its own (`testPrefix(name)`) and a local S3 of its own; `writer` is the client it writes with (default the S3's). */
export async function startAuditTrail(name: string, clock: Clock, writer: (s3: LocalS3) => S3Client = (s3) => s3.client): Promise<AuditTrail> {
  const prefix = testPrefix(name);
  const redis = createTestRedis();
  const worker = createTestRedis();
  const s3 = await startLocalS3();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const pipeline = startAuditPipeline({ redis, worker, prefix, s3: writer(s3), bucket: s3.bucket, kmsKeyArn: TEST_KMS_KEY_ARN, clock, logger });
  return {
    prefix, redis, s3, pipeline,
    async cli<O extends ToolClients>(run: ToolRun<O>, args: string[], options?: Omit<O, keyof ToolClients>) {
      await pipeline.drained();
      const env = testEnv({ DISTRIBUTION_BUCKET: s3.bucket, PARTNERGATE_PREFIX: prefix });
      return capture((out) => run(args, env, out, { s3: s3.client, redis, ...options } as O));
    },
    async close() {
      await pipeline.close();
      await s3.close();
      await deleteKeysUnder(redis, prefix);
      await worker.quit();
      await redis.quit();
    },
  };
}
