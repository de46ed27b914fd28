/**
 * Fault: Redis restarts (a redis-server the test runs itself, AOF on, its own port) while requests
 * wait for approval, an approval's provisioning job is queued and notifications wait for Slack.
 * Everything survives the restart and completes afterwards, with the same process still running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startBot, ed25519PublicKey, type Harness } from '../../support/bot-harness.js';
import { buttonClick, onboardSubmission, postToBot } from '../../support/slack-requests.js';
import type { SlackCall } from '../../support/fake-slack.js';
import { startOwnRedis, type OwnRedis } from '../../support/redis-server.js';
import { callIdentity, deliveredInOrder, queuedMessages, until } from '../../support/notify-outbox.js';

let h: Harness | undefined;
let server: OwnRedis | undefined;
let redis: Redis | undefined;
let provision: Queue | undefined;
afterEach(async () => {
  await provision?.close();
  redis?.disconnect();
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

const isChat = (c: Pick<SlackCall, 'method'>) => c.method.startsWith('chat.');

describe('fault: Redis restart', () => {
  it('when Redis restarts with pending approvals, a queued provisioning and queued notifications, then all survive and complete afterwards', async () => {
    server = await startOwnRedis();
    h = await startBot({ REDIS_URL: server.url }, { web: true, worker: true }, { notifyWorker: { retryBaseMs: 50, retryMaxMs: 400 } });
    const bot = h;
    const prefix = bot.config.prefix;
    const secret = bot.config.slack.signingSecret;
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    provision = new Queue('provision', { connection: redis, prefix });
    const outage = bot.slack.fail('*', { kind: 'http', status: 500 }, { times: Infinity, match: isChat });

    // Before: two pending requests, one of them then approved (its provisioning queued).
    for (const partnerId of ['restart-one', 'restart-two']) {
      const res = await postToBot(bot.url, onboardSubmission('UREQ1', {
        displayName: partnerId, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
      }), secret);
      expect(res.json).toBeNull();
    }
    const one = (await redis.get(`${prefix}:pid:restart-one`))!;
    const two = (await redis.get(`${prefix}:pid:restart-two`))!;
    await postToBot(bot.url, buttonClick('UAPPROVER2', 'request_approve', one, { channel: 'C0APPROVALS', ts: '1.000001' }, bot.slack.responseUrl('a')), secret);
    await until('the approval is queued', async () => (await queuedMessages(redis!, prefix)).some((q) => q.identity.includes('Approved by')));
    await until('the provisioning is queued', async () => (await provision!.getJob(one)) !== undefined);
    await bot.slack.waitForCount((c) => c.status === 500, 2, 10_000); // the worker is trying
    const queued = await queuedMessages(redis, prefix);
    expect(queued.length).toBeGreaterThanOrEqual(5);

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

    // Complete: Slack back, the pending request approved after the restart.
    outage.cancel();
    const click = await postToBot(bot.url, buttonClick('UAPPROVER1', 'request_approve', two, { channel: 'C0APPROVALS', ts: '1.000002' }, bot.slack.responseUrl('b')), secret);
    expect(click.status).toBe(200);
    await until('the second provisioning is queued', async () => (await provision!.getJob(two)) !== undefined);
    const wanted = new Set(queued.map((q) => q.identity));
    await bot.slack.waitForCount((c) => c.ok && isChat(c) && wanted.has(callIdentity(c)), queued.length, 40_000);
    const cards = bot.slack.accepted('chat.postMessage').filter((c) => c.body['thread_ts'] === undefined);
    const cardTwo = cards.find((c) => JSON.stringify(c.body['blocks']).includes('restart-two'))!;
    await bot.slack.waitFor((c) => c.ok && c.method === 'chat.update' && c.body['ts'] === cardTwo.answer!['ts'], 20_000);

    const { counts, outOfOrder } = deliveredInOrder(queued, bot.slack.accepted().filter(isChat));
    expect(counts).toEqual(queued.map(() => 1));
    expect(outOfOrder).toEqual([]);
    expect(await redis.hget(`${prefix}:req:${two}`, 'status')).toBe('approved');
  }, 90_000);
});
