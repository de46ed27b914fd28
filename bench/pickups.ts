/**
 * Benchmark 8: proof of pickup (docs/pickups.md) — 10,000 pickup events in one burst through the
 * SQS adapter of the real `partnergate worker` (the CLI in a child process, LOG_LEVEL=info, the
 * product's Node flags), the AWS side simulated: a loopback SQS queue speaking the SDK's protocol
 * (tools/local/fake-sqs-server.ts), the real Redis, the fake Slack, s3rver for the worker's poll.
 *
 * 1,000 LIVE partners with 10 delivered files each (recorded as the deliver job records them); one
 * download event per file, all queued at once: 9 of each partner's files over SFTP (Transfer's
 * "SFTP Server File Download Completed"), one pulled over S3 (CloudTrail's GetObject data event).
 * Figures:
 *   - events per second: from the first receive to the last delete the queue saw;
 *   - latency from an event taken off the queue (its first receive) to its deletion, which the worker
 *     asks for once the batch of up to 10 it came in is handled (each line recorded for its thread,
 *     before coalescing; a quiet thread's reply queued): an upper bound, p50/p99/max; and for each
 *     thread's first pickup, to its reply queued for Slack (the `pickup: lines queued for Slack` line);
 *   - Slack calls queued per thread, over the burst and the minute after it (the coalesced lines
 *     go at the minute's end): at most one per thread per minute;
 *   - the worker's RSS after the burst and after the minute.
 *
 *   npm run bench:pickups  [-- --partners 1000 --files 10 --no-minute]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { startFakeSqs } from '../tools/local/fake-sqs-server.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET } from '../tools/local/s3.js';
import { seedLivePartners, startWorkerProcess } from '../tools/local/worker-process.js';
import { s3GetObject, sftpDownload } from '../tools/local/pickup-events.js';
import { PickupStore } from '../src/store/pickups.js';
import { msgrefKey } from '../src/store/message-refs.js';
import { benchCompiled, ownCpuMs, percentile, pool, processCpuMs, redisCpuMs, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { partners: { type: 'string', default: '1000' }, files: { type: 'string', default: '10' }, workers: { type: 'string', default: '1' }, 'no-minute': { type: 'boolean', default: false } } });
const PARTNERS = Number(args.partners);
const FILES = Number(args.files);
const WORKERS = Number(args.workers);
const SIZE = 5_213;

const s3 = await startLocalS3();
const slack = await startFakeSlack();
const sqs = await startFakeSqs();
const env = testEnv({
  PORT: '0', SLACK_API_URL: slack.apiUrl, POLL_INTERVAL_SECONDS: '3600', DISTRIBUTION_BUCKET: TEST_BUCKET,
  PLATFORM_EVENTS_QUEUE_URL: sqs.queueUrl, AWS_ENDPOINT_URL_SQS: sqs.endpoint,
});
const prefix = env.PARTNERGATE_PREFIX!;
const redis = createTestRedis();
const pickups = new PickupStore(redis, prefix);

// The partners, their threads (as if their cards had been posted), their delivered files.
const ids = await seedLivePartners(redis, prefix, PARTNERS, [], 'pk');
const threadTs = new Map<string, string>();
await pool(ids.length, 50, async (i) => {
  const ts = `1765000000.${String(i).padStart(6, '0')}`;
  threadTs.set(ts, ids[i]!);
  await redis.set(msgrefKey(prefix, `card:thread-${ids[i]}`), JSON.stringify({ channel: 'C0APPROVALS', ts }));
});
const fileName = (f: number) => `prices-${String(f).padStart(2, '0')}.csv`;
const deliveredAt = new Date(Date.now() - 3600_000).toISOString();
await pool(PARTNERS * FILES, 50, async (n) => {
  const id = ids[Math.floor(n / FILES)]!;
  const name = fileName(n % FILES);
  await pickups.indexDelivery({
    dh: `${String(n).padStart(8, '0')}${'0'.repeat(32)}`, partnerId: id, key: `outbound/${id}/${name}`, versionId: `v${n}`,
    targetKey: `partners/${id}/${name}`, etag: `etag${n}`, size: SIZE, at: deliveredAt, feed: null, fanout: null, quiet: false,
  });
});
// File by file across the partners, as a morning's downloads interleave: each thread's first pickup
// is posted at once, the rest of its pickups wait for the minute's end.
const bodies: string[] = [];
const order: number[] = [];
for (let f = 0; f < FILES; f += 1) {
  for (let p = 0; p < PARTNERS; p += 1) {
    const n = p * FILES + f;
    const id = ids[p]!;
    const key = `partners/${id}/${fileName(f)}`;
    order.push(p);
    bodies.push(JSON.stringify(f === FILES - 1
      ? s3GetObject({ partner: id, bucket: TEST_BUCKET, key, bytes: SIZE, session: `pull-${id}` })
      : sftpDownload({ user: id, path: `/${TEST_BUCKET}/${key}`, etag: `"etag${n}"`, bytes: SIZE, session: `sess-${id}-${f}` })));
  }
}

// BENCH_CPU_PROFILE=<dir>: the worker writes a V8 CPU profile there.
const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
// --workers N: N worker processes on the same queue and Redis, as a deployment scales out.
const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess({ env, s3Endpoint: s3.endpoint, compiled: benchCompiled(), nodeFlags: profile })));
const worker = workers[0]!;
const flushes: { thread: string; at: number; lines: number }[] = [];
let skipped = 0;
for (const w of workers) createInterface({ input: w.child.stdout! }).on('line', (text) => {
  if (!text.includes('"msg":"pickup')) return;
  const parsed = JSON.parse(text) as { msg: string; time: string; queuedMs?: number; thread?: string; lines?: number };
  const line = { ...parsed, time: parsed.queuedMs ?? Date.parse(parsed.time) };
  if (line.msg === 'pickup: lines queued for Slack' && line.thread) flushes.push({ thread: line.thread, at: line.time, lines: line.lines ?? 0 });
  else if (line.msg.startsWith('pickup event:')) skipped += 1;
});
/** The largest RSS among the workers (each is its own process). */
const rssMiB = () => {
  const each = workers.map((w) => {
    const status = readFileSync(`/proc/${w.child.pid}/status`, 'utf8');
    const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? Number.NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  });
  return { rss: round(Math.max(...each.map((e) => e.rss))), peak: round(Math.max(...each.map((e) => e.peak))) };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const idle = rssMiB();
const cpuOf = async () => {
  const w = workers.map((x) => processCpuMs(x.child.pid!)).reduce((n, c) => n + c.user + c.system, 0);
  return { worker: w, redis: await redisCpuMs(redis), bench: ownCpuMs() };
};
const cpuBefore = await cpuOf();
// The machine's 1-minute load average around the burst: other work on the same cores slows it.
const loadBefore = round(loadavg()[0]!, 2);
const messageIds = sqs.send(bodies);
const partnerOf = new Map(messageIds.map((m, n) => [m, ids[order[n]!]!]));
while (sqs.pending > 0) await sleep(50); // sampling the queue, not waiting for an effect
const afterBurst = rssMiB();
const cpuAfter = await cpuOf();
const loadAfter = round(loadavg()[0]!, 2);
const cpuMsPerEvent = (k: 'worker' | 'redis' | 'bench') => round((cpuAfter[k] - cpuBefore[k]) / bodies.length, 3);
const firstReceive = Math.min(...sqs.received.values());
const lastDelete = Math.max(...sqs.deleted.values());
const perSecond = messageIds.length / ((lastDelete - firstReceive) / 1000);
// Deleted only after its batch of up to 10 was handled (each line recorded, a thread's first reply
// queued): an upper bound of the time to the line recorded.
const toDeleted = messageIds.map((m) => sqs.deleted.get(m)! - sqs.received.get(m)!);
// A thread's first pickup: to its reply queued for Slack.
const firstOfThread = new Map<string, number>();
for (const m of messageIds) {
  const p = partnerOf.get(m)!;
  const at = sqs.received.get(m)!;
  if (!firstOfThread.has(p) || at < firstOfThread.get(p)!) firstOfThread.set(p, at);
}
const firstFlush = new Map<string, number>();
for (const f of flushes) if (!firstFlush.has(f.thread)) firstFlush.set(f.thread, f.at);
const toQueued = [...firstOfThread].filter(([p]) => firstFlush.has(`p:${p}`)).map(([p, at]) => firstFlush.get(`p:${p}`)! - at);

// The minute after: the lines coalesced during the burst go at its end, one call per thread.
if (!args['no-minute']) await sleep(65_000);
const afterMinute = rssMiB();
const byThread = new Map<string, number[]>();
for (const f of flushes) byThread.set(f.thread, [...(byThread.get(f.thread) ?? []), f.at]);
const callsPerThread = [...byThread.values()].map((t) => t.length);
const gaps = [...byThread.values()].flatMap((t) => t.slice(1).map((at, i) => at - t[i]!));
const lines = flushes.reduce((n, f) => n + f.lines, 0);
const postedToSlack = slack.accepted('chat.postMessage').filter((c) => threadTs.has(String(c.body['thread_ts']))).length;
const stats = (xs: number[]) => ({ n: xs.length, p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)), max: round(Math.max(...xs)) });

report('pickups', {
  what: `${messageIds.length} pickup events (${PARTNERS} partners x ${FILES} files: ${FILES - 1} over SFTP, 1 over S3 each) queued at once on a loopback SQS, read by ${WORKERS} partnergate worker process${WORKERS > 1 ? 'es' : ''} (${worker.runtime}, LOG_LEVEL=info)`,
  eventsPerSecond: round(perSecond),
  burstSeconds: round((lastDelete - firstReceive) / 1000, 2),
  loadAverage1m: { beforeBurst: loadBefore, afterBurst: loadAfter },
  msFromReceiveToDeleted: stats(toDeleted),
  msFromReceiveToReplyQueued: stats(toQueued),
  slack: {
    threads: byThread.size,
    callsQueuedPerThread: { max: Math.max(...callsPerThread), min: Math.min(...callsPerThread) },
    minSecondsBetweenCallsOfAThread: gaps.length > 0 ? round(Math.min(...gaps) / 1000, 1) : null,
    linesInThoseCalls: lines,
    postedBySlackPaceMeanwhile: postedToSlack,
    minuteWaited: !args['no-minute'],
  },
  skippedEvents: skipped,
  // CPU per event over the burst: the worker(s), Redis, and this process (the loopback SQS, the fake Slack, s3rver, reading the worker's log).
  cpuMsPerEvent: { worker: cpuMsPerEvent('worker'), redis: cpuMsPerEvent('redis'), benchProcess: cpuMsPerEvent('bench') },
  workerRssMiB: { idle: idle.rss, afterBurst: afterBurst.rss, afterMinute: afterMinute.rss, peak: afterMinute.peak },
});

await Promise.all(workers.map((w) => w.stop('SIGTERM')));
await deleteKeysUnder(redis, prefix);
await redis.quit();
await sqs.close();
await slack.close();
await s3.close();
