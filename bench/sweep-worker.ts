/**
 * Benchmark: the memory of the real `partnergate worker` running the drift sweep and an isolation
 * probe tick at 10,000 partners (issue 16's goal: RSS < 200 MB). The compiled CLI (dist/: run
 * `npm run build` first) with the image's Node flags (src/node-flags.ts, the Dockerfile's
 * NODE_OPTIONS) in a child process; the real Redis; AWS on loopback (tools/local/fake-aws-server.ts)
 * answering for partners as provisioned, so the sweep finds no drift and every probe passes; the
 * fake Slack.
 *
 * The worker paces its AWS calls as shipped, at the highest rates configuration allows
 * (PACE_*_PER_SECOND: 50 for IAM and Transfer, 300 for STS): the sweep runs as fast as it may, which
 * makes the most garbage per second — the shipped defaults run it ten times slower.
 *
 * Figures: the worker's RSS sampled every 200 ms from /proc (peak per phase, and the kernel's
 * high-water mark), its heap (used and total), external memory and old space from its own /metrics
 * every 2 s, its CPU time, and the sweep's duration. The machine's load average is recorded.
 *
 *   npm run bench:sweep-worker  [-- --partners 10000 --assurance-hours 24 --command worker|start --label x --node-flags "--max-semi-space-size=4"]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue, type Job } from 'bullmq';
import { loadPlatformConfig } from '../src/config.js';
import { PartnerStore } from '../src/store/partners.js';
import { QUEUE_NAMES } from '../src/jobs/platform/queues.js';
import { CHECK_JOB, PROVE_JOB, addSweepJob, type ReconcilePayload } from '../src/jobs/lifecycle/index.js';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { startFakeAwsServer } from '../tools/local/fake-aws-server.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { startWorkerProcess } from '../tools/local/worker-process.js';
import { compiledCliExists } from '../tools/local/cli-argv.js';
import { NODE_FLAGS } from '../src/node-flags.js';
import { pool, processCpuMs, report, round } from './lib.js';
import { partnersOf } from './sweep-partners.js';

const { values: args } = parseArgs({
  options: {
    partners: { type: 'string', default: '10000' }, 'assurance-hours': { type: 'string', default: '24' }, label: { type: 'string', default: '' },
    // Node flags after the shipped ones (a later flag wins), to try others: --node-flags "--max-semi-space-size=4"
    'node-flags': { type: 'string', default: '' },
    // `start`: the Slack app and the workers in one process, as the default (Socket Mode) service runs them; over HTTP here.
    command: { type: 'string', default: 'worker' },
  },
});
const N = Number(args.partners);
const extraFlags = args['node-flags'].split(' ').filter(Boolean);
const command = args.command === 'start' ? 'start' : 'worker';
if (!compiledCliExists()) throw new Error('bench:sweep-worker measures the compiled worker: run `npm run build` first');

const MiB = 2 ** 20;
const slack = await startFakeSlack();
const env = testEnv({
  DRY_RUN: 'false', SLACK_API_URL: slack.apiUrl, POLL_INTERVAL_SECONDS: '3600', LOG_LEVEL: 'info', PORT: '0',
  PACE_IAM_PER_SECOND: '50', PACE_TRANSFER_PER_SECOND: '50', PACE_STS_PER_SECOND: '300', PACE_S3_CONTROL_PER_SECOND: '50',
  ASSURANCE_INTERVAL_HOURS: args['assurance-hours'],
});
const prefix = env.PARTNERGATE_PREFIX!;
const platform = loadPlatformConfig(env);
const redis = createTestRedis();
const records = partnersOf(N);
const store = new PartnerStore(redis, prefix);
await pool(records.length, 50, (i) => store.save(records[i]!));
const aws = await startFakeAwsServer(platform, new Map(records.map((p) => [p.partnerId, p])));
const queue = new Queue<ReconcilePayload>(QUEUE_NAMES.reconcile, { connection: { host: '127.0.0.1', port: 6379 }, prefix });

const worker = await startWorkerProcess({ env: { ...env, AWS_ENDPOINT_URL: aws.endpoint }, s3Endpoint: aws.endpoint, compiled: true, nodeFlags: extraFlags, command });
const pid = worker.child.pid!;

/** VmRSS and VmHWM (the peak the kernel saw) of the worker, MiB. */
function procMemory(): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** The worker's own view (prom-client's default metrics): heap used and total, external, old space used. */
async function heapOf(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
  const value = (pattern: string) => Number(text.match(new RegExp(`^${pattern} ([\\d.e+]+)`, 'm'))?.[1] ?? Number.NaN) / MiB;
  return {
    heapUsedMiB: value('partnergate_nodejs_heap_size_used_bytes'), heapTotalMiB: value('partnergate_nodejs_heap_size_total_bytes'),
    externalMiB: value('partnergate_nodejs_external_memory_bytes'), oldSpaceUsedMiB: value('partnergate_nodejs_heap_space_size_used_bytes\\{space="old"\\}'),
  };
}

interface Phase { peakRssMiB: number; heap: Record<string, number>[] }
let phase: Phase = { peakRssMiB: 0, heap: [] };
const rssSampler = setInterval(() => void (phase.peakRssMiB = Math.max(phase.peakRssMiB, procMemory().rss)), 200);
const heapSampler = setInterval(() => void heapOf().then((h) => phase.heap.push(h), () => undefined), 2000);
const peakOf = (heap: Record<string, number>[], key: string) => round(Math.max(...heap.map((h) => h[key] ?? 0)), 0);

/**
 * Runs `start`, then waits for the job it added (by id; else the first reconcile job named `name`,
 * of every partner: the sweep, one at a time) to end; its figures.
 */
async function measure(name: string, start: () => Promise<{ id?: string | undefined } | void>) {
  phase = { peakRssMiB: procMemory().rss, heap: [] };
  const cpu0 = processCpuMs(pid);
  const t0 = Date.now();
  const load0 = loadavg()[0]!;
  const id = (await start())?.id;
  let job: Job<ReconcilePayload> | undefined;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const ended = await queue.getJobs(['completed', 'failed']);
    job = ended.find((j) => (id !== undefined ? j.id === id : j.name === name && j.data.partnerId === undefined && (j.finishedOn ?? 0) >= t0));
    if (job) break;
  }
  const cpu = processCpuMs(pid);
  const mem = procMemory();
  return {
    job: name, outcome: job.failedReason ? `failed: ${job.failedReason}` : 'completed',
    result: name === PROVE_JOB ? { proven: Object.keys(job.returnvalue ?? {}).length } : job.returnvalue,
    wallS: round((job.finishedOn! - (job.processedOn ?? t0)) / 1000, 1),
    workerCpuS: round((cpu.user + cpu.system - cpu0.user - cpu0.system) / 1000, 1),
    peakRssMiB: round(phase.peakRssMiB, 0), rssAfterMiB: round(mem.rss, 0), highWaterMarkMiB: round(mem.hwm, 0),
    peakHeapUsedMiB: peakOf(phase.heap, 'heapUsedMiB'), peakHeapTotalMiB: peakOf(phase.heap, 'heapTotalMiB'),
    peakOldSpaceUsedMiB: peakOf(phase.heap, 'oldSpaceUsedMiB'), peakExternalMiB: peakOf(phase.heap, 'externalMiB'),
    loadAverage: { atStart: round(load0, 1), atEnd: round(loadavg()[0]!, 1) },
  };
}

try {
  const idle = { rssMiB: round(procMemory().rss, 0), ...(await heapOf()) };
  const sweep = await measure(CHECK_JOB, () => addSweepJob(queue));
  const probes = await measure(PROVE_JOB, () => queue.add(PROVE_JOB, {}, { jobId: `bench-prove-${Date.now()}` }));
  report(`sweep-${command}-${N}${args.label ? `-${args.label}` : ''}`, {
    command, runtime: 'dist', nodeFlags: [...NODE_FLAGS, ...extraFlags], partners: N, assuranceIntervalHours: Number(args['assurance-hours']),
    goal: 'RSS < 200 MB at 10,000 partners', idle: Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, round(v, 0)])), sweep, probes,
    awsCalls: aws.calls, unknownAwsActions: [...aws.unknownActions],
  });
} finally {
  clearInterval(rssSampler);
  clearInterval(heapSampler);
  await worker.stop();
  await queue.close();
  await aws.close();
  await slack.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
}
