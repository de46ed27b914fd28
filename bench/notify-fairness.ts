/**
 * Benchmark 6: notify fairness between channels. The notify worker (src/jobs/notify, production
 * defaults: one post a second per channel after a burst of three, 8 drains at once) against a fake
 * Slack and the real Redis, in this process. A burst of `--burst` approval-channel posts (each an
 * approval card with its own thread, as a wave of requests makes them) is queued at once; while it
 * drains at the channel's pace, a deliveries-channel message (a fan-out summary, progress priority)
 * is queued every `--every` seconds, `--probes` times. Per probe: from queuing to Slack's answer.
 * The deliveries channel posts nothing else, so its own pacing adds nothing: the goal is each probe
 * within 1 s. Then an interactive post to the approval channel itself, behind the rest of the burst:
 * priorities within a channel, so it should go at that channel's next slot (within its 1 s pace).
 * Also: the approval channel's rate while the burst drains (it must stay paced), and the first
 * probe, before the burst (the baseline; the worker has just started).
 *
 *   npm run bench:notify  [-- --burst 336 --probes 5 --every 7 --timeout 420]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../src/logger.js';
import * as webApi from '@slack/web-api';
import { createNotifyQueue, createNotifySlackClient, createNotifyWorker, enqueueNotify } from '../src/jobs/notify/index.js';
import { startFakeSlack, type SlackCall } from '../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { testPrefix } from '../tools/local/env.js';
import { percentile, report, round } from './lib.js';

const { values: args } = parseArgs({
  options: {
    burst: { type: 'string', default: '336' }, probes: { type: 'string', default: '5' },
    every: { type: 'string', default: '7' }, timeout: { type: 'string', default: '420' },
  },
});
const BURST = Number(args.burst);
const PROBES = Number(args.probes);
const EVERY_MS = Number(args.every) * 1000;
const TIMEOUT_MS = Number(args.timeout) * 1000;
const APPROVALS = 'C0APPROVALS';
const DELIVERIES = 'C0DELIVERIES';

const slack = await startFakeSlack();
const redis = createTestRedis();
const prefix = testPrefix('bench-notify');
const queue = createNotifyQueue(redis, prefix);
const deps = { redis, prefix, queue };
const workerRedis = createTestRedis();
const worker = createNotifyWorker({
  redis: workerRedis, prefix, logger: createLogger('warn'),
  slack: createNotifySlackClient('xoxb-bench', { slackApiUrl: slack.apiUrl, logLevel: webApi.LogLevel.ERROR }),
});

const accepted = (channel: string) => (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && c.body['channel'] === channel;

/** Queues one message and resolves with ms from queuing to Slack's answer (NaN past the timeout). */
async function probe(label: string, channel = DELIVERIES, priority: 'progress' | 'interactive' = 'progress'): Promise<number> {
  const text = `probe ${label}`;
  const started = Date.now();
  await enqueueNotify(deps, { op: 'post', channel, text, priority });
  const remaining = Math.max(1000, TIMEOUT_MS - (started - t0));
  const call = await slack.waitFor((c) => accepted(channel)(c) && c.body['text'] === text, remaining).catch(() => undefined);
  return call ? call.at - started : Number.NaN;
}

const t0 = Date.now();
try {
  const baseline = await probe('baseline');
  await sleep(1500); // the deliveries channel's burst allowance back

  const burstQueued = Date.now();
  await enqueueNotify(deps, Array.from({ length: BURST }, (_, i) => ({
    op: 'post' as const, channel: APPROVALS, ref: `card:bench-${i}`, text: `approval card ${i}`, priority: 'approval' as const,
  })));
  // The burst is draining at its pace once the channel's allowance is spent.
  await slack.waitForCount(accepted(APPROVALS), 4, 30_000);

  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < PROBES; i++) {
    pending.push(probe(`#${i + 1}`).then((ms) => void latencies.push(ms)));
    if (i < PROBES - 1) await sleep(EVERY_MS);
  }
  await Promise.all(pending);
  // Priorities within the channel: an interactive post queued behind the rest of the burst goes at
  // the channel's next slot (at most its pace, 1 s) instead of after the burst.
  const sameChannel = await probe('same channel', APPROVALS, 'interactive');
  const approvalsSoFar = slack.calls().filter(accepted(APPROVALS));
  const spanS = ((approvalsSoFar.at(-1)?.at ?? burstQueued) - burstQueued) / 1000;

  const arrived = latencies.filter((ms) => Number.isFinite(ms));
  report('notifyFairness', {
    burst: BURST, probes: PROBES, probeEverySeconds: EVERY_MS / 1000,
    baselineMs: baseline,
    probeMs: latencies.map((ms) => (Number.isFinite(ms) ? ms : `> ${TIMEOUT_MS} (not arrived)`)),
    probeP50Ms: percentile(arrived, 50), probeMaxMs: arrived.length === latencies.length ? Math.max(...arrived) : `> ${TIMEOUT_MS}`,
    sameChannelInteractiveMs: Number.isFinite(sameChannel) ? sameChannel : `> ${TIMEOUT_MS}`,
    approvalPostsWhileProbing: approvalsSoFar.length,
    approvalPostsPerSecond: spanS > 0 ? round(approvalsSoFar.length / spanS, 2) : null,
  });
} finally {
  await worker.close();
  await workerRedis.quit();
  await queue.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await slack.close();
}
