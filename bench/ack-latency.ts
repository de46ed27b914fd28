/**
 * Benchmark 1: Slack acknowledgement latency of `partnergate web` (the real CLI in a child process:
 * dist/ when built, else the sources through tsx; HTTP mode, LOG_LEVEL=info) on loopback, against a local fake Slack Web API and the real Redis.
 * 1,000 signed requests at concurrency 50, after 1,000 warm-up requests (a service that has run a
 * while: the JIT has compiled the hot paths): /onboard-partner commands
 * (views.open goes to the fake), approve clicks on a stored request (refused: self-approval,
 * not an approver, already decided), valid view submissions with distinct partner ids, and invalid
 * ones. Requests are signed before the timed phase and sent over the warm-up's keep-alive connections (one per
 * request in flight). Latency = from sending the request to reading the whole answer. With web only,
 * nothing is sent to Slack by the queue: the cards and refusals stay queued in Redis, which the
 * script counts. It also reports the CPU each process used per request (web, this script with the
 * fake Slack, Redis) and the load average before the timed phase: all of them share the machine's cores.
 *
 *   npm run bench:ack  [-- --requests 1000 --concurrency 50 --warmup 1000]
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { Agent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import sshpk from 'sshpk';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { buttonClick, onboardSubmission, postToBot, sign, slashCommand } from '../tools/local/slack-requests.js';
import { cliArgs, ownCpuMs, percentile, pool, processCpuMs, redisCpuMs, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' }, warmup: { type: 'string', default: '1000' } } });
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);

const slack = await startFakeSlack();
const env = testEnv({ PORT: '0', SLACK_API_URL: slack.apiUrl, LOG_LEVEL: 'info', APPROVERS: 'UAPPROVER1,UAPPROVER2' });
const secret = env.SLACK_SIGNING_SECRET!;
const prefix = env.PARTNERGATE_PREFIX!;
// BENCH_CPU_PROFILE=<dir>: the web process writes a V8 CPU profile there (open it in Chrome DevTools).
const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
const cli = cliArgs('web', profile);
const child = spawn(process.execPath, cli.argv, {
  env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } as NodeJS.ProcessEnv,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve, reject) => {
  let buffer = '';
  const onData = (d: Buffer) => {
    buffer += d.toString();
    const match = buffer.match(/"port":(\d+)[^\n]*"msg":"web: listening"/);
    if (match) {
      // From here on the log lines are read and dropped: matching them would cost this process CPU.
      child.stdout!.off('data', onData).resume();
      resolve(Number(match[1]));
    }
    if (buffer.length > 1_000_000) buffer = buffer.slice(-10_000);
  };
  child.stdout!.on('data', onData);
  child.once('exit', (code) => reject(new Error(`partnergate web exited (${code}) before listening`)));
});
const url = `http://127.0.0.1:${port}/slack/events`;
const redis = createTestRedis();

const sshKey = (() => {
  const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return sshpk.parseKey(pem, 'pem').toString('ssh');
})();
const fields = (partnerId: string) => ({ displayName: `Bench ${partnerId}`, partnerId, contactEmail: 'files@bench.example', sshKeys: sshKey, feeds: ['price-lists'] });

// A stored request for the clicks to aim at, approved once so later approvals are "already decided".
const seeded = await postToBot(url, onboardSubmission('UREQUESTER1', fields('bench-seed')), secret);
if (seeded.status !== 200) throw new Error(`seed submission answered ${seeded.status}`);
const [requestKey] = await redis.keys(`${prefix}:req:req_*`);
const requestId = requestKey!.slice(`${prefix}:req:`.length);
const card = { channel: 'C0APPROVALS', ts: '1700000000.000100' };

type Kind = 'command' | 'click' | 'valid submission' | 'invalid submission';
const KINDS: Kind[] = ['command', 'click', 'valid submission', 'invalid submission'];
const CLICKERS = ['UREQUESTER1', 'UOUTSIDER9', 'UAPPROVER1', 'UAPPROVER2'];
function request(i: number, tag: string): { kind: Kind; body: { body: string; type: string } } {
  const kind = KINDS[i % 4]!;
  switch (kind) {
    case 'command':
      return { kind, body: slashCommand({ command: '/onboard-partner', text: `Bench Partner ${tag}${i}`, user_id: 'UREQUESTER1', trigger_id: `trig-${tag}${i}` }) };
    case 'click':
      return { kind, body: buttonClick(CLICKERS[(i >> 2) % 4]!, 'request_approve', requestId, card, slack.responseUrl(`${tag}${i}`)) };
    case 'valid submission':
      return { kind, body: onboardSubmission(`UREQ${i}`, fields(`bench-${tag}${i}`)) };
    case 'invalid submission':
      return { kind, body: onboardSubmission(`UREQ${i}`, { ...fields(`Bench*${i}`), contactEmail: 'nope', accountId: '111122223333' }) };
  }
}

// Requests are built and signed before they are timed (as Slack would send them: the load
// generator shares the two cores with the process under test, so it does as little as it can while
// timing), and sent over keep-alive connections, one per concurrent lane (Slack reuses connections too).
interface Prepared { kind: Kind; i: number; body: Buffer; headers: Record<string, string | number> }
function prepare(count: number, tag: string): Prepared[] {
  return Array.from({ length: count }, (_, i) => {
    const { kind, body } = request(i, tag);
    const bytes = Buffer.from(body.body);
    return { kind, i, body: bytes, headers: { 'content-type': body.type, 'content-length': bytes.length, ...sign(body.body, secret) } };
  });
}

const target = new URL(url);
function post(agent: Agent, p: Prepared): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: p.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(p.body);
  });
}

/** Sends the prepared requests with `concurrency` in flight over the agent's keep-alive connections (as many). */
async function run(prepared: Prepared[], concurrency: number, agent: Agent): Promise<{ samples: { kind: Kind; ms: number }[]; wallMs: number }> {
  const samples: { kind: Kind; ms: number }[] = [];
  const wall = performance.now();
  await pool(prepared.length, concurrency, async (i) => {
    const p = prepared[i]!;
    const started = performance.now();
    const res = await post(agent, p);
    samples.push({ kind: p.kind, ms: performance.now() - started });
    if (res.status !== 200) throw new Error(`${p.kind} ${p.i} answered ${res.status}: ${res.text}`);
  });
  const wallMs = performance.now() - wall;
  return { samples, wallMs };
}

/**
 * Resolves once `partnergate web` has used at most one clock tick of CPU (10 ms, /proc's unit) in
 * 200 ms — the work after its answers is done — or after 3 s, well inside the server's keep-alive
 * so the timed requests still find the warm-up's connections open. At once where /proc is missing.
 */
async function webIdle(): Promise<void> {
  const cpu = () => { const c = processCpuMs(child.pid!); return c.user + c.system; };
  const deadline = performance.now() + 3000;
  for (let before = cpu(); Number.isFinite(before) && performance.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // sampling the process, not waiting for an effect
    const now = cpu();
    if (now - before <= 10) return;
    before = now;
  }
}

// The timed requests go over the warm-up's connections (open, as Slack's are), once the web process
// has finished what the warm-up left it (the modals it opens after answering, say).
const timed = prepare(REQUESTS, 'm');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
await run(prepare(WARMUP, 'w'), CONCURRENCY, agent);
await webIdle();
const loadBefore = round(loadavg()[0]!, 2);
// CPU used during the timed phase by each process on the machine's cores: where the time goes.
const webBefore = processCpuMs(child.pid!);
const cpuBefore = { generator: ownCpuMs(), redis: await redisCpuMs(redis) };
const { samples, wallMs } = await run(timed, CONCURRENCY, agent);
agent.destroy();
const webAfter = processCpuMs(child.pid!);
const cpuAfter = { generator: ownCpuMs(), redis: await redisCpuMs(redis) };
const perRequest = (ms: number) => round(ms / REQUESTS, 2);
const cpuPerRequest = {
  web: perRequest(webAfter.user + webAfter.system - webBefore.user - webBefore.system),
  webKernel: perRequest(webAfter.system - webBefore.system),
  generator: perRequest(cpuAfter.generator - cpuBefore.generator),
  redis: perRequest(cpuAfter.redis - cpuBefore.redis),
};

const stats = (ms: number[]) => ({ n: ms.length, p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), max: round(Math.max(...ms)) });
const all = samples.map((s) => s.ms);
const byKind = Object.fromEntries(KINDS.map((k) => [k, stats(samples.filter((s) => s.kind === k).map((s) => s.ms))]));

// The same mix at lower concurrency: where latency is service time rather than queueing.
const byConcurrency: Record<string, ReturnType<typeof stats> & { perSecond: number }> = {};
for (const level of [1, 10]) {
  const lower = new Agent({ keepAlive: true, maxSockets: level });
  const next = prepare(200, `c${level}-`);
  await run(prepare(20, `w${level}-`), level, lower);
  await webIdle();
  const at = await run(next, level, lower);
  lower.destroy();
  byConcurrency[String(level)] = { ...stats(at.samples.map((s) => s.ms)), perSecond: round(200 / (at.wallMs / 1000)) };
}
byConcurrency[String(CONCURRENCY)] = { ...stats(all), perSecond: round(REQUESTS / (wallMs / 1000)) };

const queued = (await redis.keys(`${prefix}:outbox:*`)).length;
const queuedMessages = (await Promise.all((await redis.keys(`${prefix}:outbox:*`)).map((k) => redis.llen(k)))).reduce((a, b) => a + b, 0);
const stored = (await redis.keys(`${prefix}:req:req_*`)).length;

report('ack-latency', {
  what: `${REQUESTS} signed requests at concurrency ${CONCURRENCY} against partnergate web (child process, ${cli.runtime}, LOG_LEVEL=info), loopback, fake Slack, after ${WARMUP} warm-up requests`,
  ms: stats(all),
  byKind,
  throughputPerSecond: round(REQUESTS / (wallMs / 1000)),
  byConcurrency,
  cpuMsPerRequest: { ...cpuPerRequest, note: 'CPU time (user + system) each process used during the timed phase, per request: web = partnergate web (webKernel: the part spent in the kernel), generator = this script with the fake Slack, redis = redis-server (all its clients)' },
  loadAverageBefore: loadBefore,
  goal: 'p99 < 50 ms',
  met: percentile(all, 99) < 50,
  queuedNotSent: { lanes: queued, messages: queuedMessages, storedRequests: stored, viewsOpened: slack.calls('views.open').length },
});

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
await deleteKeysUnder(redis, prefix);
await redis.quit();
await slack.close();
