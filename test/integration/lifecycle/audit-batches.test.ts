/**
 * Audit records are written in batches: they wait in Redis (src/store/audit-buffer.ts) and a flush
 * writes up to AUDIT_BATCH_MAX of one day as one object. Real Redis, a local S3; the flush is
 * called directly (no worker), so what it claims is exactly what was made before it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { createLogger } from '../../../src/logger.js';
import { AUDIT_FLUSH_JOB, audit, auditFlushJobId, createAuditQueue, flushAuditRecords, type AuditDeps, type AuditQueue } from '../../../src/jobs/audit/audit.js';
import { auditBatchKey, parseAuditObject, type AuditRecord } from '../../../src/domain/audit-record.js';
import { getAuditObject } from '../../../src/aws/audit-s3.js';
import { readPartnerHistory } from '../../../src/jobs/audit/history.js';
import { recordRequests, type RecordedRequest } from '../../support/s3-client.js';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../../tools/local/s3.js';
import { createTestRedis, deleteKeysUnder } from '../../../tools/local/redis.js';
import { testPrefix } from '../../../tools/local/env.js';
import { manualClock, type ManualClock } from '../../support/ports.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let prefix: string;
let redis: Redis;
let s3: LocalS3;
let sent: RecordedRequest[];
let queue: AuditQueue;
let clock: ManualClock;
let deps: AuditDeps;
let added: string[];

beforeEach(async () => {
  prefix = testPrefix('auditbatch');
  redis = createTestRedis();
  s3 = await startLocalS3();
  sent = recordRequests(s3.client);
  queue = createAuditQueue(redis, prefix);
  clock = manualClock(new Date('2026-11-27T23:59:59.000Z'));
  added = [];
  // Flush jobs are noted, not run: each test flushes by hand.
  deps = { queue: { buffer: queue.buffer, add: async (name, _data, opts) => void added.push(`${name} ${opts?.jobId}`) as never }, clock, logger };
});
afterEach(async () => {
  await queue.close();
  await s3.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

const flush = () => flushAuditRecords({ s3: s3.client, bucket: s3.bucket, kmsKeyArn: TEST_KMS_KEY_ARN, logger }, queue.buffer);

async function stored(): Promise<{ key: string; records: AuditRecord[] }[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'audit/' }));
  return Promise.all((listed.Contents ?? []).map(async (o) => ({ key: o.Key!, records: parseAuditObject((await getAuditObject(s3.client, s3.bucket, o.Key!))!)! })));
}

const delivered = (n: number) => ({ type: 'delivery.delivered' as const, partnerId: `p-${String(n).padStart(4, '0')}`, actor: 'partnergate', details: { n } });

describe('audit batches', () => {
  it('when 250 records are made in one turn of the event loop, then they reach Redis in one step, in order, each once, before any caller resumes', async () => {
    clock.advance(-3_600_000);
    let steps = 0;
    const push = queue.buffer.push.bind(queue.buffer);
    const counted = Object.assign(Object.create(queue.buffer) as typeof queue.buffer, { push: (...lines: string[]) => ((steps += 1), push(...lines)) });
    const inTurn: AuditDeps = { ...deps, queue: { ...deps.queue, buffer: counted } };
    const waitingWhenResumed: number[] = [];
    await Promise.all(Array.from({ length: 250 }, async (_, n) => {
      await audit(inTurn, delivered(n));
      waitingWhenResumed.push(await queue.buffer.waiting());
    }));

    expect(steps).toBe(1);
    expect(Math.min(...waitingWhenResumed)).toBe(250);
    expect(added).toEqual([`${AUDIT_FLUSH_JOB} ${auditFlushJobId(1)}`]);
    await audit(inTurn, delivered(250)); // a later turn: a step of its own, after the first
    expect(steps).toBe(2);
    const out = await flush();
    expect(out).toMatchObject({ written: 251 });
    expect((await stored()).flatMap((o) => o.records.map((r) => r.details['n']))).toEqual(Array.from({ length: 251 }, (_, n) => n));
  });

  it('when 300 records are made before a flush, then one flush job is queued and one object holds all 300, each once', async () => {
    clock.advance(-3_600_000);
    for (let n = 0; n < 300; n += 1) await audit(deps, delivered(n));

    expect(added).toEqual([`${AUDIT_FLUSH_JOB} ${auditFlushJobId(1)}`]);
    const out = await flush();

    expect(out).toMatchObject({ written: 300, next: null });
    const objects = await stored();
    expect(objects).toHaveLength(1);
    expect(objects[0]!.records.map((r) => r.details['n'])).toEqual(Array.from({ length: 300 }, (_, n) => n));
    expect(objects[0]!.key).toBe(auditBatchKey(objects[0]!.records[0]!));
    const puts = sent.filter((r) => r.command === 'PutObjectCommand');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers).toMatchObject({ 'if-none-match': '*', 'x-amz-server-side-encryption': 'aws:kms', 'content-type': 'application/x-ndjson' });
    expect(await queue.buffer.waiting()).toBe(0);
  });

  it('when a batch spans midnight, then it is stored as one object per day, and `--since` the second day finds its records', async () => {
    await audit(deps, delivered(1));
    clock.advance(2000); // 2026-11-28T00:00:01Z
    await audit(deps, delivered(2));

    await flush();

    const objects = await stored();
    expect(objects.map((o) => o.key.slice(0, 'audit/2026/11/27/'.length))).toEqual(['audit/2026/11/27/', 'audit/2026/11/28/']);
    const since = await readPartnerHistory(s3.client, s3.bucket, { partnerId: 'p-0002', since: new Date('2026-11-28T00:00:00Z') });
    expect(since.records.map((r) => r.details['n'])).toEqual([2]);
  });

  it('when a flush dies after writing, then the next flush writes the same batch to the same object, and later records after it: each record once', async () => {
    for (let n = 0; n < 5; n += 1) await audit(deps, delivered(n));
    const ack = queue.buffer.ack.bind(queue.buffer);
    queue.buffer.ack = async () => {
      throw new Error('the worker died');
    };
    await expect(flush()).rejects.toThrow('the worker died');
    queue.buffer.ack = ack;
    for (let n = 5; n < 8; n += 1) await audit(deps, delivered(n));

    const again = await flush();
    expect(again).toMatchObject({ written: 5 });
    expect(again.next).not.toBeNull(); // the three made since are waiting
    expect(await flush()).toMatchObject({ written: 3, next: null });

    const objects = await stored();
    expect(objects).toHaveLength(2);
    expect(objects.flatMap((o) => o.records).map((r) => r.details['n']).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const puts = sent.filter((r) => r.command === 'PutObjectCommand').map((r) => r.path);
    expect(puts[0]).toBe(puts[1]); // the rewrite of the same batch, refused by S3 (If-None-Match) where S3 honours it
  });

  it('when records are made while a flush is queued, then no second flush job is queued; after the flush the next record queues one', async () => {
    await audit(deps, delivered(1));
    await audit(deps, delivered(2));
    expect(added).toHaveLength(1);

    await flush();
    await audit(deps, delivered(3));

    expect(added).toEqual([`${AUDIT_FLUSH_JOB} ${auditFlushJobId(1)}`, `${AUDIT_FLUSH_JOB} ${auditFlushJobId(2)}`]);
  });
});
