/**
 * Benchmark 7: what the lock and stall settings (src/jobs/platform/stalls.ts) rest on, and what
 * they give. The real `partnergate worker` (a child process, as in benchmark 2) against s3rver, the
 * fake Slack and the real Redis, `--partners` LIVE partners on one feed.
 *
 * (a) The jobs' real durations and the worker's event loop: one feed file fanned out; per deliver
 *     job, its run time (BullMQ's finishedOn − processedOn), and the dispatch job's; and the
 *     longest the worker's event loop stalled meanwhile (nodejs_eventloop_lag_max_seconds, read from
 *     its /metrics before and after: prom-client resets it at each read). A job's lock is renewed
 *     every half lockDuration while it runs, so what the lock must outlast is that stall, not the job.
 * (b) Recovery after a kill: a second file; once `--kill-after` deliveries are done, SIGKILL, the
 *     deliver jobs the dead worker held are read from the queue's active list, and a new worker is
 *     started at once (as a supervisor restarts it). Per held job: from the kill to its run on the
 *     new worker (processedOn). Bound: lockDuration + stalledInterval of the deliver queue.
 *
 *   npm run bench:recovery  [-- --partners 1000 --kill-after 100]
 */
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET } from '../tools/local/s3.js';
import { seedLivePartners, startWorkerProcess, type WorkerProcess } from '../tools/local/worker-process.js';
import { DeliveryStore } from '../src/store/deliveries.js';
import { versionHash } from '../src/domain/delivery.js';
import { recoveryBoundMs, stallSettings } from '../src/jobs/platform/stalls.js';
import { benchCompiled, percentile, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { partners: { type: 'string', default: '1000' }, 'kill-after': { type: 'string', default: '100' } } });
const PARTNERS = Number(args.partners);
const KILL_AFTER = Number(args['kill-after']);
const BODY = `sku,price\n${'A-1000,12.50\n'.repeat(400)}`;

const s3 = await startLocalS3();
const slack = await startFakeSlack();
const env = testEnv({ PORT: '0', SLACK_API_URL: slack.apiUrl, POLL_INTERVAL_SECONDS: '1', DISTRIBUTION_BUCKET: TEST_BUCKET, DELIVERIES_CHANNEL: 'C0DELIVERIES' });
const prefix = env.PARTNERGATE_PREFIX!;
const redis = createTestRedis();
const deliveries = new DeliveryStore(redis, prefix);
const deliverQueue = new Queue('deliver', { connection: redis, prefix });
const dispatchQueue = new Queue('dispatch', { connection: redis, prefix });
await seedLivePartners(redis, prefix, PARTNERS, ['price-lists'], 'bench');
const start = () => startWorkerProcess({ env, s3Endpoint: s3.endpoint, compiled: benchCompiled() });

async function lagMaxMs(w: WorkerProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text();
  return round(Number(text.match(/^partnergate_nodejs_eventloop_lag_max_seconds (\S+)$/m)?.[1] ?? Number.NaN) * 1000);
}

async function drop(n: number): Promise<string> {
  const key = `outbound/feeds/price-lists/recovery-${n}.csv`;
  const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `${BODY}file ${n}\n` }));
  return versionHash({ key, etag: put.ETag });
}

async function settled(vh: string): Promise<number> {
  const f = await deliveries.fanout(vh);
  return (f?.delivered ?? 0) + (f?.failed ?? 0);
}

/** Samples the fan-out's count every 25 ms until it reaches `n` (sampling, not waiting for an effect). */
async function untilSettled(vh: string, n: number): Promise<void> {
  while ((await settled(vh)) < n) await new Promise((resolve) => setTimeout(resolve, 25));
}

const durations = (jobs: { processedOn?: number | undefined; finishedOn?: number | undefined }[]) => {
  const ms = jobs.map((j) => (j.finishedOn ?? Number.NaN) - (j.processedOn ?? Number.NaN)).filter(Number.isFinite);
  return { jobs: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms) };
};

let worker = await start();
try {
  // (a) A fan-out: the jobs' run times and the event loop's longest stall.
  await lagMaxMs(worker);
  const first = await drop(1);
  await untilSettled(first, PARTNERS);
  const eventLoopMaxMs = await lagMaxMs(worker);
  const deliverJobs = durations(await deliverQueue.getJobs(['completed'], 0, PARTNERS));
  const dispatchJobs = durations(await dispatchQueue.getJobs(['completed'], 0, 10));

  // (b) Killed mid fan-out, restarted at once.
  const second = await drop(2);
  await untilSettled(second, KILL_AFTER);
  await worker.stop('SIGKILL');
  const killedAt = Date.now();
  const held = await deliverQueue.getJobs(['active'], 0, -1);
  worker = await start();
  const restartMs = Date.now() - killedAt;
  const rerunMs: number[] = [];
  for (const job of held) {
    for (;;) {
      const now = await deliverQueue.getJob(job.id!);
      if (now?.finishedOn !== undefined && now.processedOn !== undefined) {
        rerunMs.push(now.processedOn - killedAt);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  await untilSettled(second, PARTNERS);
  const deliver = stallSettings('deliver');
  report('stallRecovery', {
    partners: PARTNERS, runtime: worker.runtime,
    deliverJobMs: deliverJobs, dispatchJobMs: dispatchJobs, eventLoopMaxMsDuringFanout: eventLoopMaxMs,
    settings: { ...deliver, boundMs: recoveryBoundMs(deliver) },
    killedAfter: KILL_AFTER, jobsHeldByTheDeadWorker: held.length, restartMs,
    rerunAfterKillMs: { min: Math.min(...rerunMs), max: Math.max(...rerunMs) },
  });
} finally {
  await worker.stop('SIGKILL');
  await deliverQueue.close();
  await dispatchQueue.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await slack.close();
  await s3.close();
}
