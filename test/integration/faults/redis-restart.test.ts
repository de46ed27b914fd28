/**
 * Fault: Redis restarts (a redis-server the test runs itself, AOF on, its own port) while requests
 * wait for approval, an approval's provisioning job is queued, notifications wait for Slack, a
 * delivery waits as a delayed job (a re-send) and the outbound poll waits as a scheduled job. Everything survives the restart and
 * completes afterwards, with the same process still running: a file dropped afterwards is delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { startBot, type Harness } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { startOwnRedis, type OwnRedis } from '../../support/redis-server.js';
import { callIdentity, deliveredInOrder, queuedMessages, until } from '../../support/notify-outbox.js';
import { seedLivePartners } from '../../../tools/local/worker-process.js';
import { createNotifyQueue, enqueueNotify } from '../../../src/jobs/notify/notify.js';
import { DeliveryStore } from '../../../src/store/deliveries.js';

let h: Harness | undefined;
let server: OwnRedis | undefined;
let redis: Redis | undefined;
let provision: Queue | undefined;
let deliver: Queue | undefined;
afterEach(async () => {
  await provision?.close();
  await deliver?.close();
  redis?.disconnect();
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

const isChat = (c: Pick<SlackCall, 'method'>) => c.method.startsWith('chat.');

describe('fault: Redis restart', () => {
  it('when Redis restarts with pending approvals, a queued provisioning, queued notifications, a delayed delivery and the poll schedule, then all survive and complete afterwards', async () => {
    server = await startOwnRedis();
    h = await startBot({ REDIS_URL: server.url, POLL_INTERVAL_SECONDS: '1' }, { web: true, worker: true }, { notifyWorker: { retryBaseMs: 50, retryMaxMs: 400 } });
    const bot = h;
    const prefix = bot.config.prefix;
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    provision = new Queue('provision', { connection: redis, prefix });
    const outage = bot.slack.fail('*', { kind: 'http', status: 500 }, { times: Infinity, match: isChat });

    // A LIVE partner subscribed to a feed, its thread's card queued like the others.
    const [live] = await seedLivePartners(redis, prefix, 1, ['price-lists'], 'restart-live');
    const notifyQueue = createNotifyQueue(redis, prefix);
    await enqueueNotify({ redis, prefix, queue: notifyQueue }, { op: 'post', channel: 'C0APPROVALS', ref: `card:thread-${live}`, text: `card of ${live}`, priority: 'approval' });
    await notifyQueue.close();

    // Before: two pending requests, one of them then approved (its provisioning queued).
    for (const partnerId of ['restart-one', 'restart-two']) {
      const res = await bot.post(onboardSubmission('UREQ1', {
        displayName: partnerId, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
      }));
      expect(res.json).toBeNull();
    }
    const one = (await redis.get(`${prefix}:pid:restart-one`))!;
    const two = (await redis.get(`${prefix}:pid:restart-two`))!;
    await bot.post(buttonClick('UAPPROVER2', 'request_approve', one, { channel: 'C0APPROVALS', ts: '1.000001' }, bot.slack.responseUrl('a')));
    await until('the approval is queued', async () => (await queuedMessages(redis!, prefix)).some((q) => q.identity.includes('Approved by')));
    await until('the provisioning is queued', async () => (await provision!.getJob(one)) !== undefined);
    await bot.slack.waitForCount((c) => c.status === 500, 2, 10_000); // the worker is trying
    const queued = await queuedMessages(redis, prefix);
    expect(queued.length).toBeGreaterThanOrEqual(5);

    // A delivery waiting as a delayed job: a forced re-send due after the restart.
    deliver = new Queue('deliver', { connection: redis, prefix });
    const delayedKey = 'outbound/feeds/price-lists/delayed.csv';
    await bot.s3.client.send(new PutObjectCommand({ Bucket: bot.s3.bucket, Key: delayedKey, Body: 'sku,price\nD-1,2.00\n' }));
    await deliver.add('deliver', {
      key: delayedKey, partnerId: live, targetKey: `partners/${live}/feeds/price-lists/delayed.csv`, route: 'feed', feed: 'price-lists',
      origin: 'resend', forcedBy: 'UAPPROVER1',
    }, { jobId: 'delayed-resend', delay: 6000, attempts: 3 });
    expect(await (await deliver.getJob('delayed-resend'))!.getState()).toBe('delayed');

    // Restart.
    await server.shutdown();
    expect((await fetch(bot.url.replace('/slack/events', '/readyz'))).status).toBe(503);
    await server.start();
    await until('the app sees Redis again', async () => (await fetch(bot.url.replace('/slack/events', '/readyz'))).status === 200);

    // Survived: the requests, their decisions, the reservations, the queued messages and the job.
    expect(await redis.hget(`${prefix}:req:${one}`, 'status')).toBe('approved');
    expect(await redis.hget(`${prefix}:req:${two}`, 'status')).toBe('pending');
    expect(await redis.get(`${prefix}:pid:restart-two`)).toBe(two);
    const afterRestart = await queuedMessages(redis, prefix);
    expect(queued.every((q) => afterRestart.some((a) => a.identity === q.identity && a.lane === q.lane))).toBe(true);
    expect(await provision.getJob(one)).toBeDefined();
    expect(await deliver.getJob('delayed-resend')).toBeDefined();

    // Complete: Slack back, the pending request approved after the restart.
    outage.cancel();
    const click = await bot.post(buttonClick('UAPPROVER1', 'request_approve', two, { channel: 'C0APPROVALS', ts: '1.000002' }, bot.slack.responseUrl('b')));
    expect(click.status).toBe(200);
    await until('the second provisioning is queued', async () => (await provision!.getJob(two)) !== undefined);
    const wanted = new Set(queued.map((q) => q.identity));
    await bot.slack.waitForCount((c) => c.ok && isChat(c) && wanted.has(callIdentity(c)), queued.length, 40_000);
    // The approval channel's top-level posts: the requester's DMs (channel = their user id) mention the partner too.
    const cards = bot.slack.accepted('chat.postMessage').filter((c) => c.body['channel'] === 'C0APPROVALS' && c.body['thread_ts'] === undefined);
    const cardTwo = cards.find((c) => (JSON.stringify(c.body['blocks']) ?? '').includes('restart-two'))!;
    await bot.slack.waitFor((c) => c.ok && c.method === 'chat.update' && c.body['ts'] === cardTwo.answer!['ts'], 20_000);

    const { counts, outOfOrder } = deliveredInOrder(queued, bot.slack.accepted().filter(isChat));
    expect(counts).toEqual(queued.map(() => 1));
    expect(outOfOrder).toEqual([]);
    expect(await redis.hget(`${prefix}:req:${two}`, 'status')).toBe('approved');

    // The poll schedule survived too: a file dropped now reaches the LIVE partner, with its receipt.
    await bot.s3.client.send(new PutObjectCommand({ Bucket: bot.s3.bucket, Key: 'outbound/feeds/price-lists/after-restart.csv', Body: 'sku,price\nA-1,1.00\n' }));
    const target = `partners/${live}/feeds/price-lists/after-restart.csv`;
    await until('the file is delivered', () => bot.s3.client.send(new HeadObjectCommand({ Bucket: bot.s3.bucket, Key: target })).then(() => true, () => false), 30_000);
    const liveCard = cards.find((c) => c.body['text'] === `card of ${live}`)!;
    await bot.slack.waitFor((c) => c.ok && c.body['thread_ts'] === liveCard.answer!['ts'] && JSON.stringify(c.body).includes('after-restart.csv'), 20_000);

    // The delayed re-send ran once, after the restart.
    await until('the delayed re-send is delivered', async () => (await deliver!.getJob('delayed-resend'))?.returnvalue === 'delivered', 30_000);
    const history = await new DeliveryStore(redis, prefix).history(live!, 20);
    expect(history.filter((r) => r.key === delayedKey && r.forcedBy === 'UAPPROVER1')).toHaveLength(1);
  }, 90_000);
});
