import { once } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createNotifyQueue, createNotifySlackClient, createNotifyWorker, enqueueNotify, notifyJobId, notifyLane,
  type NotifyDeps, type NotifyJobData, type NotifyMessage, type NotifyWorkerOptions,
} from '../../src/jobs/notify/notify.js';
import { refAt, resolveRef } from '../../src/store/message-refs.js';
import { appendToLanes, deadLetters, streamsWithJobs } from '../../src/store/outbox.js';
import { createLogger } from '../../src/logger.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testPrefix } from '../../tools/local/env.js';
import { until } from '../support/notify-outbox.js';

const FAST: Partial<NotifyWorkerOptions> = { paceMs: 0, retryBaseMs: 10, retryMaxMs: 40, concurrency: 4 };

describe('notify queue', () => {
  let prefix: string;
  let redis: Redis;
  let slack: FakeSlack;
  let queue: Queue<NotifyJobData>;
  let deps: NotifyDeps;
  let worker: Worker<NotifyJobData> | undefined;
  let logLines: string[];
  let slackErrors: string[];

  const startWorker = (options: Partial<NotifyWorkerOptions> = {}) => {
    const client = createNotifySlackClient('xoxb-test', { slackApiUrl: slack.apiUrl, logLevel: webApi.LogLevel.ERROR });
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => { logLines.push(chunk.toString()); done(); } });
    worker = createNotifyWorker({
      redis, prefix, slack: client, logger: createLogger('info', sink),
      onSlackError: (code) => slackErrors.push(code),
      options: { ...FAST, ...options },
    });
    return worker;
  };
  const enqueue = (message: NotifyMessage) => enqueueNotify(deps, message);
  const post = (channel: string, text: string, extra: Partial<Extract<NotifyMessage, { op: 'post' }>> = {}) =>
    enqueue({ op: 'post', channel, text, ...extra });
  const postsTo = (channel: string) => (c: SlackCall) => c.method === 'chat.postMessage' && c.ok && c.body.channel === channel;
  const texts = (calls: SlackCall[]) => calls.map((c) => c.body.text);
  const range = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label}-${i + 1}`);

  beforeEach(async () => {
    prefix = testPrefix('notify');
    redis = createTestRedis();
    slack = await startFakeSlack();
    queue = createNotifyQueue(redis, prefix);
    deps = { redis, prefix, queue };
    logLines = [];
    slackErrors = [];
    worker = undefined;
  });

  afterEach(async () => {
    await worker?.close();
    await queue.close();
    await slack.close();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  it('when many messages share a lane, then they arrive in order, each once', async () => {
    startWorker();
    const expected = range(30, 'm');
    for (const text of expected) await post('C1', text);

    const calls = await slack.waitForCount(postsTo('C1'), 30);
    expect(texts(calls)).toEqual(expected);
    expect(slack.calls('chat.postMessage')).toHaveLength(30);
  });

  it('when one lane keeps failing, then another lane still goes, and the first catches up in order', async () => {
    const outage = slack.fail('chat.postMessage', { kind: 'http', status: 503 }, { times: Infinity, match: (c) => c.body.channel === 'CA' });
    startWorker();
    for (let i = 1; i <= 10; i++) {
      await post('CA', `a-${i}`);
      await post('CB', `b-${i}`);
    }

    expect(texts(await slack.waitForCount(postsTo('CB'), 10))).toEqual(range(10, 'b'));
    expect(slack.accepted('chat.postMessage').filter((c) => c.body.channel === 'CA')).toHaveLength(0);
    outage.cancel();
    expect(texts(await slack.waitForCount(postsTo('CA'), 10))).toEqual(range(10, 'a'));
    expect(slack.accepted('chat.postMessage')).toHaveLength(20);
  });

  it('when Slack answers 429 with Retry-After, then the lane waits that long and every message arrives once, in order', async () => {
    slack.fail('chat.postMessage', { kind: 'rate-limited', retryAfter: 1 });
    startWorker();
    const expected = range(5, 'r');
    for (const text of expected) await post('C1', text);

    const calls = await slack.waitForCount(postsTo('C1'), 5);
    expect(texts(calls)).toEqual(expected);
    expect(slack.accepted('chat.postMessage')).toHaveLength(5);
    const limited = slack.calls('chat.postMessage').find((c) => c.status === 429)!;
    expect(limited.body.text).toBe('r-1');
    expect(calls[0]!.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(slackErrors).toEqual(['ratelimited']);
  });

  it('when Slack answers 500s and drops connections for a while, then all messages arrive afterwards, none twice, in order', async () => {
    slack.fail('chat.postMessage', { kind: 'http', status: 500 }, { times: 6 });
    slack.fail('chat.postMessage', { kind: 'drop' }, { times: 2 });
    startWorker();
    for (let i = 1; i <= 8; i++) {
      await post('C1', `x-${i}`, { thread: { ts: '100.000001' } });
      await post('C2', `y-${i}`);
    }

    expect(texts(await slack.waitForCount(postsTo('C1'), 8))).toEqual(range(8, 'x'));
    expect(texts(await slack.waitForCount(postsTo('C2'), 8))).toEqual(range(8, 'y'));
    expect(slack.accepted('chat.postMessage')).toHaveLength(16);
    expect(slack.calls('chat.postMessage')).toHaveLength(16 + 8);
    expect(slackErrors.filter((c) => c === 'http_500')).toHaveLength(6);
    expect(slackErrors.filter((c) => c === 'request_error')).toHaveLength(2);
  });

  it('when Slack refuses a message for good, then it is dead-lettered with a warning and the lane continues', async () => {
    slack.fail('chat.postMessage', { kind: 'error', error: 'invalid_blocks' }, { match: (c) => c.body.text === 'two' });
    startWorker();
    await post('C1', 'one');
    await post('C1', 'two', { blocks: [{ type: 'bogus' }] as never, priority: 'progress' });
    await post('C1', 'three');

    await slack.waitFor((c) => postsTo('C1')(c) && c.body.text === 'three');
    expect(texts(slack.accepted('chat.postMessage'))).toEqual(['one', 'three']);
    const dead = (await deadLetters(redis, prefix)) as { code: string; lane: string; entry: { message: NotifyMessage } }[];
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'invalid_blocks', lane: 'ch:C1', entry: { message: { op: 'post', text: 'two' } } });
    expect(slackErrors).toEqual(['invalid_blocks']);
    const warning = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn');
    expect(warning).toMatchObject({ code: 'invalid_blocks', lane: 'ch:C1', channel: 'C1' });
  });

  it('when a card with a ref is followed by a reply in its thread and an update, then both find the card', async () => {
    startWorker();
    const ref = 'card:req_test1';
    await post('C1', 'card', { ref, priority: 'approval' });
    await post('C1', 'plan', { thread: { ref } });
    await post('C1', 'step 1 …', { thread: { ref }, ref: 'step:req_test1:1' });
    await enqueue({ op: 'ephemeral', channel: 'C1', user: 'U1', thread: { ref }, text: 'only you' });
    await enqueue({ op: 'update', target: 'step:req_test1:1', text: 'step 1 done' });
    await enqueue({ op: 'update', target: ref, text: 'card (approved)' });

    const updates = await slack.waitForCount((c) => c.method === 'chat.update' && c.ok, 2);
    const [card, plan, step] = slack.accepted('chat.postMessage');
    const cardTs = card!.answer!.ts as string;
    expect(plan!.body).toMatchObject({ text: 'plan', thread_ts: cardTs });
    expect(step!.body).toMatchObject({ thread_ts: cardTs });
    expect(slack.accepted('chat.postEphemeral')[0]!.body).toMatchObject({ user: 'U1', thread_ts: cardTs });
    expect(updates.map((u) => u.body)).toEqual([
      expect.objectContaining({ channel: 'C1', ts: step!.answer!.ts, text: 'step 1 done' }),
      expect.objectContaining({ channel: 'C1', ts: cardTs, text: 'card (approved)' }),
    ]);
    expect(await resolveRef(redis, prefix, ref)).toEqual({ channel: 'C1', ts: cardTs });
    expect(await refAt(redis, prefix, 'C1', cardTs)).toBe(ref);
    // Everything about the card went through one lane, so the order above was guaranteed.
    expect(await notifyLane(deps, { op: 'update', target: 'step:req_test1:1', text: '' })).toBe(`ref:${ref}`);
    expect(await notifyLane(deps, { op: 'post', channel: 'C1', thread: { ts: cardTs }, text: '' })).toBe(`ref:${ref}`);
  });

  it('when an update names a ref that was never posted, then it is dead-lettered as ref_not_found and its lane goes on', async () => {
    startWorker();
    await enqueue({ op: 'update', target: 'nowhere', text: 'lost', lane: 'L1' });
    await post('C1', 'after', { lane: 'L1' });

    await slack.waitFor(postsTo('C1'));
    expect(slack.calls('chat.update')).toHaveLength(0);
    expect(await deadLetters(redis, prefix)).toEqual([expect.objectContaining({ code: 'ref_not_found', lane: 'L1' })]);
  });

  it('when 200 receipts are queued and then an approval, then the approval is among the first sent', async () => {
    for (let i = 1; i <= 200; i++) await post('CDELIV', `receipt-${i}`, { thread: { ts: `200.${String(i).padStart(6, '0')}` }, priority: 'receipt' });
    await post('CAPPROVALS', 'approval card', { ref: 'card:req_prio', priority: 'approval' });
    startWorker({ concurrency: 4 });

    const sent = await slack.waitForCount((c) => c.method === 'chat.postMessage' && c.ok, 201, 20_000);
    const position = sent.findIndex((c) => c.body.text === 'approval card');
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThan(4);
  });

  it('when one thread is flooded with receipts, then its job yields its slot and a later approval overtakes most of them', async () => {
    for (let i = 1; i <= 200; i++) await post('CDELIV', `receipt-${i}`, { thread: { ts: '300.000001' }, priority: 'receipt' });
    startWorker({ concurrency: 1, batch: 20 });
    await slack.waitFor((c) => c.ok && c.body.text === 'receipt-1');
    await post('CAPPROVALS', 'approval card', { priority: 'approval' });

    const sent = await slack.waitForCount((c) => c.method === 'chat.postMessage' && c.ok, 201, 20_000);
    const receipts = sent.filter((c) => c.body.channel === 'CDELIV');
    expect(texts(receipts)).toEqual(range(200, 'receipt'));
    // At most the rest of the running batch, and maybe the next one, goes before it.
    expect(sent.findIndex((c) => c.body.text === 'approval card')).toBeLessThanOrEqual(40);
  });

  it('when an approval joins a channel of receipts, then the channel drain job takes the approval priority', async () => {
    await post('C1', 'receipt', { priority: 'receipt' });
    await post('C1', 'card', { priority: 'approval' });

    const [stream] = await streamsWithJobs(redis, prefix);
    expect(stream).toMatchObject({ stream: 'C1', prio: 2 });
    expect((await queue.getJob(notifyJobId(stream!.stream, stream!.gen)))?.priority).toBe(2);
  });

  it('when a message was stored but its job never added (a crash in between), then the worker recovers the lane', async () => {
    const raw = JSON.stringify({ id: 'x1', at: new Date().toISOString(), message: { op: 'post', channel: 'C1', text: 'orphan' } });
    await appendToLanes(redis, prefix, [{ lane: 'ch:C1', stream: 'C1', raw, prio: 5 }]);
    const drained = once(startWorker({ recoverGraceMs: 0 }), 'completed');

    expect((await slack.waitFor(postsTo('C1'))).body.text).toBe('orphan');
    await drained;
    expect(await streamsWithJobs(redis, prefix)).toEqual([]);
  });

  it('when a job of an old generation runs, then it sends nothing', async () => {
    await post('C1', 'only once');
    const [stream] = await streamsWithJobs(redis, prefix);
    const staleGen = String(Number(stream!.gen) - 1);
    await queue.add('drain-stream', { stream: 'C1', gen: staleGen }, { jobId: notifyJobId('C1', staleGen), priority: 1 });
    startWorker();

    await slack.waitFor(postsTo('C1'));
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
  });

  it('when posts to one channel are paced, then they are spread over the interval', async () => {
    startWorker({ paceMs: 200, paceBurst: 1 });
    for (const text of range(4, 'p')) await post('C1', text);

    const calls = await slack.waitForCount(postsTo('C1'), 4);
    expect(texts(calls)).toEqual(range(4, 'p'));
    expect(calls[3]!.at - calls[0]!.at).toBeGreaterThanOrEqual(500);
  });

  it('when one channel has a paced backlog, then a message to another channel goes at once, ahead of it', async () => {
    // Timing-free: the order in which Slack saw the calls. The backlog drains one post per 500 ms.
    startWorker({ paceMs: 500, paceBurst: 1, concurrency: 2 });
    await enqueueNotify(deps, range(20, 'card').map((text) => ({ op: 'post' as const, channel: 'CAPPROVALS', ref: `card:${text}`, text, priority: 'approval' as const })));
    await slack.waitForCount(postsTo('CAPPROVALS'), 2);
    const before = slack.accepted('chat.postMessage').length;
    await post('CDELIV', 'fan-out summary', { priority: 'receipt' });

    const summary = await slack.waitFor((c) => postsTo('CDELIV')(c) && c.body.text === 'fan-out summary');
    const cardsBetween = slack.accepted('chat.postMessage').filter((c) => c.seq < summary.seq && c.body.channel === 'CAPPROVALS').length - before;
    // One card may have been due at that instant; the other 17 wait for their own channel's pace.
    expect(cardsBetween).toBeLessThanOrEqual(1);
    expect(slack.accepted('chat.postMessage').filter((c) => c.body.channel === 'CAPPROVALS').length).toBeLessThan(20);
  });

  it('when a paced channel has a backlog of receipts, then an approval queued behind them goes at the next slot', async () => {
    startWorker({ paceMs: 300, paceBurst: 1 });
    for (let i = 1; i <= 15; i++) await post('C1', `receipt-${i}`, { thread: { ts: `400.${String(i).padStart(6, '0')}` }, priority: 'receipt' });
    await slack.waitForCount(postsTo('C1'), 2);
    await post('C1', 'approval card', { ref: 'card:behind', priority: 'approval' });

    const sent = await slack.waitForCount(postsTo('C1'), 16, 20_000);
    const position = sent.findIndex((c) => c.body.text === 'approval card');
    // Queued after the 2nd receipt went: at most the one receipt already due goes before it.
    expect(position).toBeGreaterThanOrEqual(2);
    expect(position).toBeLessThanOrEqual(3);
    expect(texts(sent.filter((c) => c.body.text !== 'approval card'))).toEqual(range(15, 'receipt'));
  });

  it('when one thread of a channel keeps failing with 5xx, then it steps aside and the channel\'s other threads go on', async () => {
    const outage = slack.fail('chat.postMessage', { kind: 'http', status: 503 }, { times: Infinity, match: (c) => c.body.thread_ts === '500.000001' });
    startWorker();
    for (let i = 1; i <= 5; i++) await post('C1', `a-${i}`, { thread: { ts: '500.000001' } });
    for (let i = 1; i <= 5; i++) await post('C1', `b-${i}`, { thread: { ts: '500.000002' } });

    expect(texts(await slack.waitForCount((c) => postsTo('C1')(c) && c.body.thread_ts === '500.000002', 5))).toEqual(range(5, 'b'));
    expect(slack.accepted('chat.postMessage').filter((c) => c.body.thread_ts === '500.000001')).toHaveLength(0);
    outage.cancel();
    expect(texts(await slack.waitForCount((c) => postsTo('C1')(c) && c.body.thread_ts === '500.000001', 5))).toEqual(range(5, 'a'));
    expect(slack.accepted('chat.postMessage')).toHaveLength(10);
  });

  it('when lanes were queued by the version before streams (a job per lane), then the worker adopts them and sends each message once', async () => {
    // What the earlier version left in Redis: a lane list, its job hash, and its drain-lane job.
    const raw = (text: string) => JSON.stringify({ id: text, at: new Date().toISOString(), message: { op: 'post', channel: 'C1', text } });
    await redis.rpush(`${prefix}:outbox:ch:C1`, raw('old 1'), raw('old 2'));
    await redis.hset(`${prefix}:outbox-job:ch:C1`, 'gen', '7', 'prio', '5', 'since', String(Date.now() - 60_000));
    await queue.add('drain-lane', { lane: 'ch:C1', gen: '7' } as never, { jobId: 'lane-legacy-7', priority: 5 });
    startWorker({ recoverGraceMs: 0 });

    expect(texts(await slack.waitForCount(postsTo('C1'), 2))).toEqual(['old 1', 'old 2']);
    await until('the outbox is empty', async () => (await redis.keys(`${prefix}:outbox*`)).filter((k) => !k.endsWith('outbox-gen') && !k.endsWith('outbox-turn')).length === 0);
    expect(slack.calls('chat.postMessage')).toHaveLength(2);
    expect(await (await queue.getJob('lane-legacy-7'))?.returnvalue ?? 'obsolete').toBe('obsolete');
  });

  it('when a card and its thread are queued in one call, then they share one lane and one job, and arrive in order threaded under the card', async () => {
    await enqueueNotify(deps, [
      { op: 'post', channel: 'C1', ref: 'req_batch:card', text: 'card', priority: 'approval' },
      { op: 'post', channel: 'C1', thread: { ref: 'req_batch:card' }, text: 'plan 1', priority: 'approval' },
      { op: 'post', channel: 'C1', thread: { ref: 'req_batch:card' }, text: 'plan 2', priority: 'approval' },
    ]);
    const streams = await streamsWithJobs(redis, prefix);
    expect(streams).toEqual([expect.objectContaining({ stream: 'C1', prio: 2 })]);
    expect(await queue.getJobCounts('prioritized', 'waiting')).toEqual({ prioritized: 1, waiting: 0 });
    startWorker();

    const calls = await slack.waitForCount(postsTo('C1'), 3);
    expect(texts(calls)).toEqual(['card', 'plan 1', 'plan 2']);
    expect(calls.slice(1).map((c) => c.body.thread_ts)).toEqual([calls[0]!.answer!['ts'], calls[0]!.answer!['ts']]);
  });

  it('when a batch joins a channel of receipts with an approval, then the channel drain job takes the approval priority', async () => {
    await post('C1', 'receipt', { priority: 'receipt' });
    await enqueueNotify(deps, [{ op: 'post', channel: 'C1', text: 'r2', priority: 'receipt' }, { op: 'post', channel: 'C1', text: 'card', priority: 'approval' }]);

    const [stream] = await streamsWithJobs(redis, prefix);
    expect(stream).toMatchObject({ stream: 'C1', prio: 2 });
    expect((await queue.getJob(notifyJobId(stream!.stream, stream!.gen)))?.priority).toBe(2);
  });

  it('when one message of a batch is malformed, then nothing of the batch is queued', async () => {
    await expect(enqueueNotify(deps, [{ op: 'post', channel: 'C1', text: 'fine' }, { op: 'post', channel: '', text: 'x' }])).rejects.toThrow(/channel/);
    expect(await streamsWithJobs(redis, prefix)).toEqual([]);
  });

  it('when a message is malformed, then enqueueNotify refuses it and nothing is queued', async () => {
    await expect(enqueue({ op: 'post', channel: '', text: 'x' })).rejects.toThrow(/channel/);
    expect(await streamsWithJobs(redis, prefix)).toEqual([]);
  });
});
