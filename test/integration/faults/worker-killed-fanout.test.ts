/**
 * Fault: the worker is killed (SIGKILL) in the middle of a feed fan-out. `partnergate worker` runs
 * as a child process (the CLI, through tsx) against s3rver, a fake Slack and the real Redis; the
 * test waits until part of the fan-out is delivered, kills it, starts a new worker process, and
 * checks that every partner got the file and that each delivery is recorded once: one receipt
 * record, one settled outcome per partner, one summary, nothing failed. BullMQ hands the killed
 * worker's active jobs to the new one once their locks lapse (10 s: src/jobs/platform/stalls.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { testEnv } from '../../../tools/local/env.js';
import { startFakeSlack, type FakeSlack } from '../../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET, type LocalS3 } from '../../../tools/local/s3.js';
import { seedLivePartners, startWorkerProcess, type WorkerProcess } from '../../../tools/local/worker-process.js';
import { until } from '../../support/notify-outbox.js';
import { DeliveryStore } from '../../../src/store/deliveries.js';

const PARTNERS = 300;
let s3: LocalS3 | undefined;
let slack: FakeSlack | undefined;
let redis: Redis | undefined;
let prefix = '';
const workers: WorkerProcess[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop('SIGKILL');
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  }
  await slack?.close();
  await s3?.close();
});

async function listAll(client: LocalS3['client'], bucket: string, under: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

describe('fault: a worker killed in the middle of a fan-out', () => {
  it('when the worker is SIGKILLed mid fan-out, then a new worker finishes it and every delivery exists exactly once', async () => {
    s3 = await startLocalS3();
    slack = await startFakeSlack();
    const env = testEnv({
      PORT: '0', SLACK_API_URL: slack.apiUrl, POLL_INTERVAL_SECONDS: '1', DISTRIBUTION_BUCKET: TEST_BUCKET, DELIVERIES_CHANNEL: 'C0DELIVERIES',
    });
    prefix = env.PARTNERGATE_PREFIX!;
    redis = createTestRedis();
    const db = redis;
    const store = new DeliveryStore(db, prefix);
    const ids = await seedLivePartners(db, prefix, PARTNERS, ['price-lists'], 'killed');

    workers.push(await startWorkerProcess({ env, s3Endpoint: s3.endpoint }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'outbound/feeds/price-lists/prices.csv', Body: 'sku,price\nA-1,1.00\n' }));

    const fanoutKey = async () => (await db.keys(`${prefix}:dl:fanout:*`)).find((k) => !k.includes('fanout-failures'));
    const progress = async () => {
      const key = await fanoutKey();
      return key ? await store.fanout(key.slice(`${prefix}:dl:fanout:`.length)) : null;
    };
    await until('part of the fan-out is delivered', async () => ((await progress())?.delivered ?? 0) >= 20, 60_000);
    expect(await workers[0]!.stop('SIGKILL')).toBe('SIGKILL');
    const atKill = (await progress())!;
    expect(atKill.total).toBe(PARTNERS);
    expect(atKill.delivered).toBeLessThan(PARTNERS); // killed in the middle, not after

    workers.push(await startWorkerProcess({ env, s3Endpoint: s3.endpoint }));
    await until('the fan-out is settled', async () => {
      const p = await progress();
      return p !== null && p.delivered + p.failed >= PARTNERS;
    }, 120_000);
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0DELIVERIES', 30_000);
    await until('the deliver queue is empty', async () => {
      const counts = await db.eval(
        `return {redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3])}`,
        3, `${prefix}:deliver:wait`, `${prefix}:deliver:prioritized`, `${prefix}:deliver:active`,
      ) as number[];
      return counts.every((n) => n === 0);
    }, 60_000);

    // Every partner has the file.
    const delivered = await listAll(s3.client, s3.bucket, 'partners/');
    expect(delivered.sort()).toEqual(ids.map((id) => `partners/${id}/feeds/price-lists/prices.csv`).sort());
    // Each delivery recorded once: one done record and one settled outcome per partner, one summary.
    const final = (await progress())!;
    expect(final).toMatchObject({ total: PARTNERS, delivered: PARTNERS, failed: 0 });
    expect(await db.keys(`${prefix}:dl:done:*`)).toHaveLength(PARTNERS);
    for (const id of ids) {
      const history = (await store.history(id, 10)).filter((r) => r.key === 'outbound/feeds/price-lists/prices.csv');
      expect(history.length, id).toBeLessThanOrEqual(1); // never twice
      expect(history.every((r) => r.outcome === 'delivered')).toBe(true);
    }
    expect(slack.calls('chat.postMessage').filter((c) => c.body['channel'] === 'C0DELIVERIES')).toHaveLength(1);
  }, 240_000);
});
