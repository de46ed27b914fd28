/**
 * The audit trail's hash chain, on the real Redis and a local S3: each batch object links to the one
 * written before it, flushes retried or run twice at once keep one chain, a lost chain head is found
 * again in the bucket, and `partnergate audit --verify` names a batch deleted, edited or swapped,
 * while objects written before the chain are reported as unchained, not as errors. s3rver ignores
 * If-None-Match, so a small layer in front of it refuses a write to an existing key with 412, as S3 does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { createLogger } from '../../../src/logger.js';
import { audit, createAuditQueue, flushAuditRecords, type AuditDeps, type AuditQueue, type AuditWorkerDeps } from '../../../src/jobs/audit/audit.js';
import { putAuditObject, getAuditObject } from '../../../src/aws/audit-s3.js';
import { hashAuditObject, parseChainLink } from '../../../src/domain/audit-chain.js';
import { auditBatchKey, auditKey, makeAuditRecord, parseAuditObject } from '../../../src/domain/audit-record.js';
import { runAudit, VERIFY_BROKEN } from '../../../src/cli/audit.js';
import { auditBufferKeys } from '../../../src/store/audit-buffer.js';
import { recordRequests, s3Error, type RecordedRequest } from '../../support/s3-client.js';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../../tools/local/s3.js';
import { createTestRedis, deleteKeysUnder } from '../../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../../tools/local/env.js';
import { manualClock, type ManualClock } from '../../support/ports.js';
import { capture } from '../../support/cli.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let prefix: string;
let redis: Redis;
let s3: LocalS3;
let writer: S3Client;
let sent: RecordedRequest[];
let queue: AuditQueue;
let clock: ManualClock;
let deps: AuditDeps;

/** S3 answers 412 to a PutObject with If-None-Match: * when the key exists; s3rver does not, so this does. */
function honourIfNoneMatch(client: S3Client, probe: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as PutObjectCommandInput;
      if (context.commandName === 'PutObjectCommand' && input.IfNoneMatch === '*') {
        const exists = await probe.send(new HeadObjectCommand({ Bucket: input.Bucket, Key: input.Key })).then(() => true, () => false);
        if (exists) throw s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
      }
      return next(args);
    },
    { step: 'initialize', name: 'testHonourIfNoneMatch' },
  );
}

beforeEach(async () => {
  prefix = testPrefix('auditchain');
  redis = createTestRedis();
  s3 = await startLocalS3();
  writer = s3.newClient();
  honourIfNoneMatch(writer, s3.client);
  sent = recordRequests(writer);
  queue = createAuditQueue(redis, prefix);
  clock = manualClock(new Date('2026-11-27T10:00:00.000Z'));
  // Flush jobs are not run: each test flushes by hand.
  deps = { queue: { buffer: queue.buffer, add: async () => undefined as never }, clock, logger };
});
afterEach(async () => {
  await queue.close();
  writer.destroy();
  await s3.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

const flush = (extra: Partial<AuditWorkerDeps> = {}) =>
  flushAuditRecords({ s3: writer, bucket: s3.bucket, kmsKeyArn: TEST_KMS_KEY_ARN, logger, ...extra }, queue.buffer);

const record = (n: number) => ({ type: 'delivery.delivered' as const, partnerId: 'acme', actor: 'partnergate', details: { n } });

/** `n` batches of two records each, a second apart: their keys sort in the order they were written. */
async function writeBatches(n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let b = 0; b < n; b += 1) {
    await audit(deps, record(2 * b));
    await audit(deps, record(2 * b + 1));
    keys.push(...(await flush()).objects);
    clock.advance(1000);
  }
  return keys;
}

async function stored(): Promise<Map<string, string>> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'audit/' }));
  const texts = new Map<string, string>();
  for (const o of listed.Contents ?? []) texts.set(o.Key!, (await getAuditObject(s3.client, s3.bucket, o.Key!))!);
  return texts;
}

/** Writes `body` over `key` the way only an admin past the bot's guards could (no If-None-Match). */
const overwrite = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
const remove = (key: string) => s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));

const verify = (args = ['--verify']) =>
  capture((out) => runAudit(args, testEnv({ DISTRIBUTION_BUCKET: s3.bucket, PARTNERGATE_PREFIX: prefix }), out, { s3: s3.client, redis }));

describe('the audit hash chain', () => {
  it('when batches are flushed, then each starts with its link — seq, its own key, the previous key and the SHA-256 of the previous object as stored — and the chain head in Redis names the newest', async () => {
    const keys = await writeBatches(3);

    const texts = await stored();
    expect([...texts.keys()]).toEqual(keys);
    const links = keys.map((k) => parseChainLink(texts.get(k)!)!);
    expect(links).toEqual([
      { v: 1, seq: 1, key: keys[0], prev: null, prevKey: null },
      { v: 1, seq: 2, key: keys[1], prev: hashAuditObject(texts.get(keys[0]!)!), prevKey: keys[0] },
      { v: 1, seq: 3, key: keys[2], prev: hashAuditObject(texts.get(keys[1]!)!), prevKey: keys[1] },
    ]);
    expect(texts.get(keys[0]!)!.split('\n')[0]).toBe(`{"chain":{"v":1,"seq":1,"key":"${keys[0]}","prev":null,"prevKey":null}}`);
    // The records read as before: the link line is not a record.
    expect(keys.flatMap((k) => parseAuditObject(texts.get(k)!)!.map((r) => r.details['n']))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(JSON.parse((await redis.get(auditBufferKeys(prefix).head))!)).toEqual({ seq: 3, hash: hashAuditObject(texts.get(keys[2]!)!), key: keys[2] });
    for (const put of sent.filter((r) => r.command === 'PutObjectCommand')) expect(put.headers['if-none-match']).toBe('*');
  });

  it('when nothing was tampered with, then --verify says OK and exits 0, and objects written before the chain are "unchained (before …)", not errors', async () => {
    // A single record from before batching, and a batch from before the chain.
    const old = makeAuditRecord(record(-2), new Date('2026-11-20T08:00:00Z'), () => '00000000000a');
    const older = makeAuditRecord(record(-1), new Date('2026-11-21T08:00:00Z'), () => '00000000000b');
    await putAuditObject(s3.client, { bucket: s3.bucket, key: auditKey(old), body: `${JSON.stringify(old)}\n`, kmsKeyArn: TEST_KMS_KEY_ARN });
    await putAuditObject(s3.client, { bucket: s3.bucket, key: auditBatchKey(older), body: `${JSON.stringify(older)}\n`, kmsKeyArn: TEST_KMS_KEY_ARN });
    const keys = await writeBatches(3);

    const r = await verify();

    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe([
      `audit trail: 5 object(s) under audit/, 3 batch(es) chained (seq 1–3: ${keys[0]} … ${keys[2]})`,
      `unchained (before ${keys[0]}): 2 object(s) written before the chain began, not checked`,
      `chain head in Redis: seq 3, ${keys[2]}`,
      'OK: no batch missing, edited, moved or added outside the chain',
      '',
    ].join('\n'));
  });

  it('when a batch is deleted, then --verify names it missing, with the key of the first break, and exits non-zero', async () => {
    const keys = await writeBatches(4);
    await remove(keys[1]!);

    const r = await verify();

    expect(r.code).toBe(VERIFY_BROKEN);
    expect(r.out).toContain(`BROKEN: 1 problem(s); first break at ${keys[1]}\n`);
    expect(r.out).toContain(`  missing    ${keys[1]}: batch seq 2 is not in the bucket (named as previous by ${keys[2]} (seq 3))\n`);
  });

  it('when a batch is edited, then --verify names it edited: it no longer hashes to what the next batch recorded', async () => {
    const keys = await writeBatches(4);
    const text = (await stored()).get(keys[1]!)!;
    await overwrite(keys[1]!, text.replace('"n":2', '"n":20'));

    const r = await verify();

    expect(r.code).toBe(VERIFY_BROKEN);
    expect(r.out).toContain(`BROKEN: 1 problem(s); first break at ${keys[1]}\n`);
    expect(r.out).toContain(`  edited     ${keys[1]}: seq 2 does not hash to what ${keys[2]} (seq 3) recorded: changed after it was written\n`);
  });

  it('when two batches are swapped, then --verify names both moved, the first break at the earlier key', async () => {
    const keys = await writeBatches(4);
    const texts = await stored();
    await overwrite(keys[1]!, texts.get(keys[2]!)!);
    await overwrite(keys[2]!, texts.get(keys[1]!)!);

    const r = await verify();

    expect(r.code).toBe(VERIFY_BROKEN);
    expect(r.out).toContain(`BROKEN: 2 problem(s); first break at ${keys[1]}\n`);
    expect(r.out).toContain(`  moved      ${keys[1]}: holds the batch written as ${keys[2]} (seq 3): batches were moved or swapped\n`);
    expect(r.out).toContain(`  moved      ${keys[2]}: holds the batch written as ${keys[1]} (seq 2): batches were moved or swapped\n`);
  });

  it('when the newest batch is deleted or edited, then the chain head in Redis catches what no later batch can', async () => {
    const keys = await writeBatches(3);
    const newest = (await stored()).get(keys[2]!)!;
    await overwrite(keys[2]!, newest.replace('"n":4', '"n":40'));
    expect((await verify()).out).toContain(`  edited     ${keys[2]}: seq 3, the newest, does not hash to the chain head kept in Redis: changed after it was written\n`);

    await remove(keys[2]!);
    const r = await verify();
    expect(r.code).toBe(VERIFY_BROKEN);
    expect(r.out).toContain(`  missing    ${keys[2]}: the newest batch seq 3 is not in the bucket (the chain head in Redis names ${keys[2]}, seq 3)\n`);
  });

  it('when --verify is given with another option, then it names the problem, exits 2 and reads nothing', async () => {
    const { code, err } = await verify(['--verify', '--partner', 'acme']);
    expect(code).toBe(2);
    expect(err).toContain('--verify takes no other option');
  });

  it('when a record is written outside the chain after it began, then --verify reports it', async () => {
    const keys = await writeBatches(2);
    const forged = makeAuditRecord(record(99), clock.now(), () => '0000000000ff');
    await putAuditObject(s3.client, { bucket: s3.bucket, key: auditBatchKey(forged), body: `${JSON.stringify(forged)}\n`, kmsKeyArn: TEST_KMS_KEY_ARN });

    const r = await verify();

    expect(r.code).toBe(VERIFY_BROKEN);
    expect(r.out).toContain(`  unchained  ${auditBatchKey(forged)}: no chain link, but written after the chain began (${keys[0]}): not written by the audit flush\n`);
  });

  it('when Redis loses the chain head, then the next flush finds the newest batch in the bucket and the chain goes on', async () => {
    const keys = await writeBatches(2);
    await redis.del(auditBufferKeys(prefix).head);
    clock.advance(86_400_000); // the next batch a day later: the head is found in the day before

    keys.push(...(await writeBatches(1)));

    const texts = await stored();
    expect(parseChainLink(texts.get(keys[2]!)!)).toEqual({ v: 1, seq: 3, key: keys[2], prev: hashAuditObject(texts.get(keys[1]!)!), prevKey: keys[1] });
    expect((await verify())).toMatchObject({ code: 0, out: expect.stringContaining('OK: ') });
  });

  it('when a flush dies after writing, then its retry finds its own bytes there (412) and the chain goes on; two flushes at once write one chain', async () => {
    await audit(deps, record(0));
    const ack = queue.buffer.ack.bind(queue.buffer);
    queue.buffer.ack = async () => {
      throw new Error('the worker died');
    };
    await expect(flush()).rejects.toThrow('the worker died');
    queue.buffer.ack = ack;
    clock.advance(1000);
    await audit(deps, record(1));

    expect(await flush()).toMatchObject({ written: 1 }); // the same batch, refused with 412, read back: the same bytes
    await Promise.all([flush(), flush()]); // the waiting record, claimed by both
    clock.advance(1000);
    await writeBatches(1);

    const texts = await stored();
    expect([...texts.values()].map((t) => parseChainLink(t)!.seq)).toEqual([1, 2, 3]);
    expect(sent.filter((r) => r.command === 'PutObjectCommand').length).toBeGreaterThanOrEqual(4);
    expect((await verify())).toMatchObject({ code: 0, out: expect.stringContaining('OK: ') });
  });

  it('when Redis lost the chain head while a written batch was in flight, then its retry continues from the batch as stored', async () => {
    await writeBatches(1);
    clock.advance(1000);
    await audit(deps, record(10));
    const ack = queue.buffer.ack.bind(queue.buffer);
    queue.buffer.ack = async () => {
      throw new Error('the worker died');
    };
    await expect(flush()).rejects.toThrow('the worker died');
    queue.buffer.ack = ack;
    await redis.del(auditBufferKeys(prefix).head); // found again in the bucket: seq 2, the batch in flight

    await flush(); // the in-flight batch again, linked after seq 2 this time: 412, and what is stored wins
    clock.advance(1000);
    await writeBatches(1);

    const texts = await stored();
    expect([...texts.values()].map((t) => parseChainLink(t)!.seq)).toEqual([1, 2, 3]);
    expect((await verify())).toMatchObject({ code: 0, out: expect.stringContaining('OK: ') });
  });

  it('when an Object Lock retention is configured, then every batch is written with its mode, a retain-until date and a checksum', async () => {
    await audit(deps, record(0));
    await flush({ lock: { mode: 'COMPLIANCE', days: 30 }, now: () => new Date('2026-11-27T10:00:05.000Z') });

    const [put] = sent.filter((r) => r.command === 'PutObjectCommand');
    expect(put!.headers).toMatchObject({
      'if-none-match': '*',
      'x-amz-object-lock-mode': 'COMPLIANCE',
      'x-amz-object-lock-retain-until-date': '2026-12-27T10:00:05Z',
      'x-amz-sdk-checksum-algorithm': 'CRC32',
    });
    expect(put!.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});
