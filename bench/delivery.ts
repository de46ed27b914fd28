/**
 * Benchmarks 2 and 4: delivery fan-out and worker memory, against the real `partnergate worker`
 * (the CLI in a child process, LOG_LEVEL=info) with a local S3 server (s3rver, in this process),
 * the real Redis and a fake Slack. DRY_RUN=true: S3 object operations are real, nothing else is.
 *
 * (2) Fan-out: 1,000 LIVE partners subscribed to one feed; one file dropped under
 *     outbound/feeds/price-lists/. Figures: deliveries per second (first to last delivery
 *     settled), time from the drop to the fan-out summary in DELIVERIES_CHANNEL (the last receipt;
 *     above FANOUT_THREAD_THRESHOLD partner threads get no receipt), the S3 requests s3rver served
 *     during the fan-out by operation; and the raw rate of the same copies (the very CopyObject
 *     request a delivery sends: pinned, ETag-guarded, SSE-KMS, CRC64NVME, tags) made straight with
 *     the SDK at the worker's deliver concurrency, no queue (bench/raw-copies.ts, its own process).
 *     Rates run from the first completion to the last, on both sides. The ratio pipeline / raw is
 *     taken on a warm worker, in rounds of raw copies then one more file (--rounds, 3): the median
 *     of the rounds' ratios; the first file after the worker started is reported apart (cold). s3rver runs with the
 *     compat layer of tools/local/s3.ts, which answers CRC64NVME checksums as S3 does — for the
 *     pipeline's requests and the raw ones alike.
 * (4) Memory: the worker's RSS before any delivery and after each of ten feed files to the same
 *     1,000 partners, back to back (10,000 deliveries), before the ratio rounds.
 *
 *   npm run bench:delivery  [-- --partners 1000 --files 10 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { NODE_FLAGS } from '../src/node-flags.js';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET } from '../tools/local/s3.js';
import { seedLivePartners, startWorkerProcess } from '../tools/local/worker-process.js';
import { DeliveryStore } from '../src/store/deliveries.js';
import { versionHash } from '../src/domain/delivery.js';
import { DEFAULT_DELIVERY_OPTIONS } from '../src/jobs/delivery/index.js';
import { benchCompiled, ownCpuMs, percentile, processCpuMs, redisCpuMs, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { partners: { type: 'string', default: '1000' }, files: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } } });
const PARTNERS = Number(args.partners);
const FILES = Number(args.files);
const RATIO_ROUNDS = Number(args.rounds);
const DELIVER_CONCURRENCY = DEFAULT_DELIVERY_OPTIONS.deliverConcurrency; // the worker's, for the raw copies
const BODY = `sku,price\n${'A-1000,12.50\n'.repeat(400)}`; // ~5 KB, a small price list

/** S3 requests s3rver answered, by operation (HEAD, GET, PUT, COPY, ...). */
const served = new Map<string, number>();
const s3 = await startLocalS3({
  onRequest: (r) => {
    const op = r.copy ? 'COPY' : r.method === 'GET' && r.query.includes('list-type') ? 'LIST' : r.method;
    served.set(op, (served.get(op) ?? 0) + 1);
  },
});
const servedSnapshot = () => new Map(served);
const servedSince = (before: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...served].map(([op, n]): [string, number] => [op, n - (before.get(op) ?? 0)]).filter(([, n]) => n > 0));
const slack = await startFakeSlack();
const env = testEnv({
  PORT: '0', SLACK_API_URL: slack.apiUrl, POLL_INTERVAL_SECONDS: '1', DISTRIBUTION_BUCKET: TEST_BUCKET, DELIVERIES_CHANNEL: 'C0DELIVERIES',
});
const prefix = env.PARTNERGATE_PREFIX!;
const redis = createTestRedis();
const deliveries = new DeliveryStore(redis, prefix);

// 1,000 LIVE partners, all subscribed to price-lists.
await seedLivePartners(redis, prefix, PARTNERS, ['price-lists'], 'bench');

// BENCH_CPU_PROFILE=<dir>: the worker writes a V8 CPU profile there. BENCH_NODE_FLAGS: more Node
// flags for the worker (experiments, e.g. --heapsnapshot-signal=SIGUSR2).
const profile = [
  ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []),
  ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''),
];
const worker = await startWorkerProcess({
  env, s3Endpoint: s3.endpoint, nodeFlags: profile,
  compiled: benchCompiled(),
});
const child = worker.child;
const cli = { runtime: worker.runtime };

const rssMiB = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? Number.NaN);
  return { rss: round(kib('VmRSS') / 1024), peak: round(kib('VmHWM') / 1024) };
};

/** Delivered and failed so far in one fan-out: one HGETALL (sampled every 25 ms while it runs). */
async function settledOf(vh: string): Promise<{ delivered: number; failed: number }> {
  const state = await deliveries.fanout(vh);
  return { delivered: state?.delivered ?? 0, failed: state?.failed ?? 0 };
}

/** Publishes one feed file and waits until all partners settled and its summary was posted. */
async function publish(n: number): Promise<{ firstMs: number; lastMs: number; summaryMs: number; delivered: number; failed: number }> {
  const name = `prices-${String(n).padStart(3, '0')}.csv`;
  const started = performance.now();
  const key = `outbound/feeds/price-lists/${name}`;
  const put = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `${BODY}file ${n}\n` }));
  const vh = versionHash({ key, etag: put.ETag });
  const summary = slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0DELIVERIES' && JSON.stringify(c.body).includes(name), 600_000);
  let firstMs = Number.NaN;
  let now = { delivered: 0, failed: 0 };
  while (now.delivered + now.failed < PARTNERS) {
    await new Promise((resolve) => setTimeout(resolve, 25)); // sampling, not waiting for an effect
    now = await settledOf(vh);
    if (Number.isNaN(firstMs) && now.delivered + now.failed > 0) firstMs = performance.now() - started;
  }
  const lastMs = performance.now() - started;
  await summary;
  return { firstMs, lastMs, summaryMs: performance.now() - started, ...now };
}

// The same copies, straight with the SDK, at the same concurrency, no queue (bench/raw-copies.ts:
// a process of its own, as the worker is, kept running so its SDK is as warm): to the same kind of
// target keys, a new object in each of 1,000 folders as a feed file is in the partners' homes.
function startRawCopier() {
  const child = spawn(process.execPath, [
    ...NODE_FLAGS, '--import', 'tsx', fileURLToPath(new URL('./raw-copies.ts', import.meta.url)),
    '--endpoint', s3.endpoint, '--bucket', s3.bucket, '--kms', env.KMS_KEY_ARN!, '--count', String(PARTNERS), '--concurrency', String(DELIVER_CONCURRENCY),
  ], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    pid: child.pid!,
    /** One round of copies of `source` (copies per second). */
    async copies(source: string, targetName: string): Promise<number> {
      const etag = (await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: source }))).ETag;
      child.stdin!.write(`${JSON.stringify({ source, etag, targetName })}\n`);
      const answer = await answers.next();
      if (answer.done) throw new Error('bench/raw-copies.ts exited');
      return (JSON.parse(answer.value as string) as { perSecond: number }).perSecond;
    },
    close: () => void child.stdin!.end(),
  };
}

/** Deliveries per second from the first settled to the last (as bench/raw-copies.ts takes its rate). */
const rate = (r: { delivered: number; firstMs: number; lastMs: number }) => (r.delivered - 1) / ((r.lastMs - r.firstMs) / 1000);
const median = (xs: number[]) => percentile(xs, 50);

// (2) The first file meets a worker that has just started (its code not yet optimised by the JIT):
// reported as the cold figure. Then the memory run, then the ratio on a warm worker.
const idle = rssMiB();
const beforeFanout = servedSnapshot();
const first = await publish(0);
const fanoutRequests = servedSince(beforeFanout);
const firstRssMiB = rssMiB();

// (4) Memory: keep publishing to the same partners up to FILES × PARTNERS deliveries, back to back.
const memory: { deliveries: number; rssMiB: number; peakMiB: number }[] = [
  { deliveries: 0, rssMiB: idle.rss, peakMiB: idle.peak },
  { deliveries: PARTNERS, rssMiB: firstRssMiB.rss, peakMiB: firstRssMiB.peak },
];
const memoryTotals = { delivered: first.delivered, failed: first.failed };
for (let n = 1; n < FILES; n += 1) {
  const r = await publish(n);
  memoryTotals.delivered += r.delivered;
  memoryTotals.failed += r.failed;
  if (r.failed > 0) process.stderr.write(`file ${n}: ${r.failed} deliveries failed\n`);
  const m = rssMiB();
  memory.push({ deliveries: (n + 1) * PARTNERS, rssMiB: m.rss, peakMiB: m.peak });
}

// (2) The ratio, warm: rounds of raw copies then one more file through the pipeline, so both sides
// see the same machine (whose speed drifts when other work shares its cores).
// One raw round first, not counted: it creates its target folders on s3rver's disk, as the first
// file did the partners' (slower: counted, it made the first round's ratio 1.1–1.3). Each round
// then writes new objects in them, as each file does in the partners' folders.
// The raw copier starts here, after the cold file, so its start-up does not compete with it.
const rawCopier = startRawCopier();
const SOURCE = 'outbound/feeds/price-lists/prices-000.csv';
await rawCopier.copies(SOURCE, 'warm-up.csv');
const rounds: { raw: number; pipeline: number; ratio: number; secondsDropToLastDelivery: number; secondsDropToSummaryPosted: number }[] = [];
/** CPU (ms) used so far by the worker, the raw copies' process, this one (s3rver, mostly) and Redis. */
const cpuNow = async () => {
  const used = (pid: number) => { const c = processCpuMs(pid); return c.user + c.system; };
  return { worker: used(child.pid!), raw: used(rawCopier.pid), s3rver: ownCpuMs(), redis: await redisCpuMs(redis) };
};
type Cpu = Awaited<ReturnType<typeof cpuNow>>;
const perCopy = (a: Cpu, b: Cpu) => Object.fromEntries(Object.keys(a).map((k) => [k, round((b[k as keyof Cpu] - a[k as keyof Cpu]) / PARTNERS, 2)])) as Cpu;
const cpu: { raw: ReturnType<typeof perCopy>[]; pipeline: ReturnType<typeof perCopy>[] } = { raw: [], pipeline: [] };
for (let k = 0; k < RATIO_ROUNDS; k += 1) {
  const c0 = await cpuNow();
  const raw = await rawCopier.copies(SOURCE, `raw-${k}.csv`);
  const c1 = await cpuNow();
  const r = await publish(FILES + k);
  const c2 = await cpuNow();
  cpu.raw.push(perCopy(c0, c1));
  cpu.pipeline.push(perCopy(c1, c2));
  rounds.push({ raw: round(raw), pipeline: round(rate(r)), ratio: round(rate(r) / raw, 2), secondsDropToLastDelivery: round(r.lastMs / 1000, 2), secondsDropToSummaryPosted: round(r.summaryMs / 1000, 2) });
}
const warmPipeline = median(rounds.map((r) => r.pipeline));
const warmRaw = median(rounds.map((r) => r.raw));
// Each round's pipeline over the raw copies just before it (paired against the machine's drift).
const warmRatio = median(rounds.map((r) => r.pipeline / r.raw));

report('delivery-fanout', {
  what: `one feed file (${BODY.length} bytes) to ${PARTNERS} LIVE partners; partnergate worker (child process, ${cli.runtime}, deliver concurrency ${DELIVER_CONCURRENCY}, POLL_INTERVAL_SECONDS=1, LOG_LEVEL=info), s3rver and fake Slack on loopback; raw = the same CopyObject straight with the SDK at the same concurrency`,
  deliveriesPerSecond: warmPipeline,
  rawCopyObjectPerSecond: warmRaw,
  ratioPipelineToRaw: round(warmRatio, 2),
  rounds,
  cpuMsPerCopy: {
    raw: cpu.raw, pipeline: cpu.pipeline,
    note: 'CPU time (user + system) per copy during each round: worker = partnergate worker, raw = bench/raw-copies.ts, s3rver = this process (s3rver, and the sampling of the fan-out\'s progress), redis = redis-server. A pipeline round includes the drop, the poll and the dispatch.',
  },
  cold: {
    note: 'the first file after the worker started',
    delivered: first.delivered,
    failed: first.failed,
    deliveriesPerSecond: round(rate(first)),
    secondsDropToFirstDelivery: round(first.firstMs / 1000, 2),
    secondsDropToLastDelivery: round(first.lastMs / 1000, 2),
    secondsDropToSummaryPosted: round(first.summaryMs / 1000, 2),
  },
  s3RequestsDuringFanout: fanoutRequests,
  s3RequestsPerDelivery: round(Object.values(fanoutRequests).reduce((a, b) => a + b, 0) / Math.max(1, first.delivered), 2),
  goalRatio: 0.8,
});

if (FILES >= 2) {
  const at = (d: number) => memory.find((m) => m.deliveries === d)?.rssMiB ?? Number.NaN;
  const half = Math.floor(FILES / 2) * PARTNERS;
  report('worker-memory', {
    what: `partnergate worker (${cli.runtime}) RSS (from /proc) over ${FILES * PARTNERS} deliveries: ${FILES} feed files to ${PARTNERS} partners, back to back`,
    delivered: memoryTotals.delivered,
    failed: memoryTotals.failed,
    rssMiB: memory,
    beforeMiB: idle.rss,
    afterHalfMiB: at(half),
    afterAllMiB: at(FILES * PARTNERS),
    peakMiB: memory.at(-1)!.peakMiB,
    growthSecondHalfMiB: round(at(FILES * PARTNERS) - at(half)),
    goal: 'under 200 MB, no growth between the 5,000th and the 10,000th delivery',
  });
}

rawCopier.close();
await worker.stop('SIGTERM');
await deleteKeysUnder(redis, prefix);
await redis.quit();
await slack.close();
await s3.close();
