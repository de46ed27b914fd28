/**
 * Fault: a delivery caught by two crashes. The delivery workers run in a child process
 * (test/support/deliver-child.ts) against the real Redis, s3rver and the same prefix; its S3 client
 * makes each CopyObject and then hangs, and says so on a Redis list. The test waits for that (no
 * timing) and sends SIGKILL; a second child picks the stalled jobs up once their lock lapsed, copies
 * again, hangs, and is killed too. So both deliveries of a feed file to two partners stalled twice,
 * each time with the file copied and nothing recorded. BullMQ's default (maxStalledCount 1) failed
 * such a job as "job stalled more than allowable limit" without running it: copied, no record, no
 * receipt. A third worker must now either deliver each file once — one record, one audit record,
 * one receipt, one summary — or, when the queue allows fewer deaths than that, report each one in
 * the partner's thread (with Resend); never drop it. Locks and stall checks are short (PG_STALL,
 * the stall table's override) so that BullMQ hands the jobs on within a second or so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../../../src/logger.js';
import { createNotifyQueue, createNotifySlackClient, createNotifyWorker, enqueueNotify } from '../../../src/jobs/notify/notify.js';
import { createQueue, QUEUE_NAMES } from '../../../src/jobs/platform/queues.js';
import type { StallOverrides } from '../../../src/jobs/platform/stalls.js';
import { enqueueDispatch } from '../../../src/jobs/delivery/dispatch.js';
import { deliverJobId } from '../../../src/actions/delivery/contract.js';
import { deliveryHash } from '../../../src/domain/delivery.js';
import { DeliveryStore } from '../../../src/store/deliveries.js';
import { testEnv } from '../../../tools/local/env.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET, type LocalS3 } from '../../../tools/local/s3.js';
import { seedLivePartners } from '../../../tools/local/worker-process.js';
import { until } from '../../support/notify-outbox.js';

const CHILD = fileURLToPath(new URL('../../support/deliver-child.ts', import.meta.url));
const KEY = 'outbound/feeds/price-lists/prices.csv';
const FAST = { lockDurationMs: 1000, stalledIntervalMs: 200 };
const DELIVERIES = 'C0DELIVERIES';

let s3: LocalS3 | undefined;
let slack: FakeSlack | undefined;
let redis: Redis | undefined;
let blocker: Redis | undefined;
let notifyRedis: Redis | undefined;
let notifier: Worker | undefined;
let queues: Queue[] = [];
let prefix = '';
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  await notifier?.close();
  for (const q of queues.splice(0)) await q.close();
  if (redis) {
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  }
  blocker?.disconnect();
  await notifyRedis?.quit();
  await slack?.close();
  await s3?.close();
});

async function setUp(): Promise<{ env: Record<string, string | undefined>; ids: string[]; db: Redis; store: DeliveryStore }> {
  s3 = await startLocalS3();
  slack = await startFakeSlack();
  const env = testEnv({ SLACK_API_URL: slack.apiUrl, DISTRIBUTION_BUCKET: TEST_BUCKET, DELIVERIES_CHANNEL: DELIVERIES, POLL_INTERVAL_SECONDS: '3600' });
  prefix = env.PARTNERGATE_PREFIX!;
  const db = (redis = createTestRedis());
  blocker = createTestRedis();
  notifyRedis = createTestRedis();
  const ids = await seedLivePartners(db, prefix, 2, ['price-lists'], 'stall');

  // The partners' threads, posted through the queue as the bot posts them (receipts go there).
  const notifyQueue = createNotifyQueue(db, prefix);
  queues.push(notifyQueue);
  notifier = createNotifyWorker({
    redis: notifyRedis, prefix, logger: createLogger('silent'), options: { paceMs: 0 },
    slack: createNotifySlackClient('xoxb-test', { slackApiUrl: slack.apiUrl }),
  });
  for (const id of ids) {
    await enqueueNotify({ redis: db, prefix, queue: notifyQueue }, { op: 'post', channel: 'C0APPROVALS', ref: `card:thread-${id}`, text: `card of ${id}`, priority: 'approval' });
  }
  await slack.waitForCount((c) => c.ok && String(c.body['text']).startsWith('card of'), 2);

  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: KEY, Body: 'sku,price\nA-1,1.00\n' }));
  const dispatch = createQueue(QUEUE_NAMES.dispatch, db, prefix);
  queues.push(dispatch);
  await enqueueDispatch(dispatch, { key: KEY, source: 'manual' });
  return { env, ids, db, store: new DeliveryStore(db, prefix) };
}

function startChild(env: Record<string, string | undefined>, hang: boolean, stall: StallOverrides): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...env, PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PG_S3_ENDPOINT: s3!.endpoint, PG_HANG: hang ? '1' : '0', PG_STALL: JSON.stringify(stall),
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/** Starts a hanging child, waits until it has copied both files, and kills it. */
async function crashAfterCopies(env: Record<string, string | undefined>, stall: StallOverrides): Promise<void> {
  const child = startChild(env, true, stall);
  const exited = once(child, 'exit');
  for (let i = 0; i < 2; i++) expect(await blocker!.blpop(`${prefix}:test:hung`, 120)).not.toBeNull();
  child.kill('SIGKILL');
  const [, signal] = await exited;
  expect(signal).toBe('SIGKILL');
}

const inThread = (id: string) => (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && c.body['thread_ts'] !== undefined && JSON.stringify(c.body).includes('prices.csv') && c.body['channel'] === 'C0APPROVALS' && threadOf(id, c);
let cardTs = new Map<string, string>();
const threadOf = (id: string, c: SlackCall) => c.body['thread_ts'] === cardTs.get(id);

describe('fault: a delivery whose worker is killed twice while it runs', () => {
  it.each([
    { outcome: 'delivered once', maxStalls: undefined },
    { outcome: 'reported', maxStalls: 1 },
  ])('when both deliveries of a fan-out are copied and the worker killed, twice, then a third worker leaves each $outcome, none dropped', async ({ maxStalls }) => {
    const { env, ids, db, store } = await setUp();
    cardTs = new Map(ids.map((id) => [id, String(slack!.calls().find((c) => c.ok && c.body['text'] === `card of ${id}`)!.answer!['ts'])]));
    const dying = { deliver: FAST, dispatch: FAST };
    await crashAfterCopies(env, dying);
    await crashAfterCopies(env, dying);

    const deliver = createQueue(QUEUE_NAMES.deliver, db, prefix);
    queues.push(deliver);
    const jobIds = ids.map((id) => deliverJobId({ key: KEY, partnerId: id }));
    for (const jobId of jobIds) expect(await (await deliver.getJob(jobId))!.getState()).toBe('active');
    expect(await db.keys(`${prefix}:dl:done:*`)).toEqual([]); // copied twice, recorded never

    startChild(env, false, { deliver: { ...FAST, ...(maxStalls !== undefined ? { maxStalls } : {}) }, dispatch: FAST });
    await until('both deliveries finished', async () => {
      const states = await Promise.all(jobIds.map(async (id) => (await deliver.getJob(id))?.getState()));
      return states.every((s) => s === 'completed' || s === 'failed');
    }, 120_000);
    const summary = await slack!.waitFor((c) => c.ok && c.body['channel'] === DELIVERIES, 30_000);

    const jobs = await Promise.all(jobIds.map(async (id) => (await deliver.getJob(id))!));
    for (const job of jobs) {
      expect(await job.getState()).toBe('completed'); // never failed as "stalled more than allowable limit"
      expect(job.stalledCounter).toBe(2);
    }
    const auditTypes = (await db.lrange(`${prefix}:audit-log:pending`, 0, -1)).map((r) => (JSON.parse(r) as { type: string; partnerId: string }));
    for (const id of ids) {
      const history = (await store.history(id, 10)).filter((r) => r.key === KEY);
      const failed = await db.exists(`${prefix}:dl:failed:${deliveryHash({ key: KEY }, id)}`);
      const audited = auditTypes.filter((r) => r.partnerId === id).map((r) => r.type);
      if (maxStalls === undefined) {
        // Delivered once: the copy there, one record, one audit record, one receipt in the thread.
        await expect(s3!.client.send(new HeadObjectCommand({ Bucket: s3!.bucket, Key: `partners/${id}/feeds/price-lists/prices.csv` }))).resolves.toBeDefined();
        expect(history.map((r) => r.outcome)).toEqual(['delivered']);
        expect(audited).toEqual(['delivery.delivered']);
        expect(failed).toBe(0);
        const receipts = await slack!.waitForCount(inThread(id), 1);
        expect(receipts).toHaveLength(1);
      } else {
        // Reported: a failure in the thread, saying why in words, with Resend; a failed record naming the deaths; audited.
        expect(history.map((r) => r.outcome)).toEqual(['failed']);
        expect(history[0]!.error).toMatchObject({ code: 'WORKER_STALLED', message: expect.stringContaining('died 2 times') });
        expect(audited).toEqual(['delivery.failed']);
        expect(failed).toBe(1);
        const [report] = await slack!.waitForCount(inThread(id), 1);
        expect(JSON.stringify(report!.body)).toContain('the worker stopped again and again while doing it');
        expect(JSON.stringify(report!.body)).toContain('delivery_resend');
        expect(JSON.stringify(report!.body)).not.toContain('WORKER_STALLED');
      }
    }
    expect(await db.keys(`${prefix}:dl:done:*`)).toHaveLength(maxStalls === undefined ? 2 : 0);
    expect(jobs.map((j) => j.returnvalue)).toEqual(maxStalls === undefined ? ['delivered', 'delivered'] : ['stalled-out', 'stalled-out']);
    // One summary of the fan-out, whichever way it ended.
    expect(String(summary.body['text'])).toContain('prices.csv');
    expect(slack!.calls('chat.postMessage').filter((c) => c.ok && c.body['channel'] === DELIVERIES)).toHaveLength(1);
  }, 240_000);
});
