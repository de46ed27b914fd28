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
 * Then the yardstick (versusBareBolt): /onboard-partner commands only, at the same concurrency,
 * against partnergate web, a bare Bolt app that acks and opens the same modal through the same fake
 * Slack (bench/bare-bolt.ts, a child process too) and a second bare app as the control, in rounds
 * that rotate which goes first, after a warm-up of each; each round's commands come from `--users`
 * people not seen before. Per round: p50/p99/max and CPU per command of each, and the ratios of the
 * p99s to the bare app's (goal: partnergate at most 1.2 in every round; the control's ratio shows
 * what an identical app gets). Over all rounds: the pooled p99s and the median round's p99s.
 *
 *   npm run bench:ack  [-- --requests 1000 --concurrency 50 --warmup 1000 --rounds 12 --users 50 --compare-only --control bare|container]
 *
 * `--control container` runs the control as the bare app in a process that has also built
 * partnergate's container (its stores, queues, clients and the modules they load) without using
 * it: the same request path as the bare app, the process partnergate's.
 *
 * BENCH_NODE_FLAGS="--trace-gc" adds Node flags to every app's process (partnergate, bare, control).
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { Agent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/node-flags.js';
import sshpk from 'sshpk';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder, TEST_REDIS_URL } from '../tools/local/redis.js';
import { buttonClick, onboardSubmission, postToBot, sign, slashCommand } from '../tools/local/slack-requests.js';
import { cliArgs, ownCpuMs, percentile, pool, processCpuMs, redisCpuMs, report, round } from './lib.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' }, warmup: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '12' }, users: { type: 'string', default: '50' }, 'compare-only': { type: 'boolean', default: false },
    control: { type: 'string', default: 'bare' },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
/** People sending the commands of one round, none seen before (each sends REQUESTS / USERS commands in a row). */
const USERS = Math.max(1, Math.min(Number(args.users), REQUESTS));
const COMPARE_ONLY = args['compare-only'];
/** The control: `bare`, a second copy of the bare app; `container`, the bare app in a process that has also built partnergate's container (bench/bare-bolt.ts). */
const CONTROL = args.control;
if (CONTROL !== 'bare' && CONTROL !== 'container') throw new Error(`--control is bare or container, not ${CONTROL}`);
/** Commands sent to an app just before each of its timed rounds (the other app ran in between). */
const ROUND_WARMUP = 200;

const slack = await startFakeSlack();
const env = testEnv({ PORT: '0', SLACK_API_URL: slack.apiUrl, LOG_LEVEL: 'info', APPROVERS: 'UAPPROVER1,UAPPROVER2', REDIS_URL: TEST_REDIS_URL,
  // The valid submissions carry an SSH key: without an SFTP endpoint they are refused before they are stored.
  TRANSFER_HOST: 'sftp.bench.example' });
const secret = env.SLACK_SIGNING_SECRET!;
const prefix = env.PARTNERGATE_PREFIX!;
// BENCH_CPU_PROFILE=<dir>: the web process writes a V8 CPU profile there (open it in Chrome DevTools).
const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
// BENCH_NODE_FLAGS="--trace-gc ...": more Node flags for the web process (and the bare app), to look inside a run.
const extraFlags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
const cli = cliArgs('web', [...profile, ...extraFlags]);
const child = spawn(process.execPath, cli.argv, {
  env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } as NodeJS.ProcessEnv,
  stdio: ['ignore', 'pipe', 'inherit'],
});
// A run that fails (a throw below) does not leave the web process behind.
process.once('exit', () => child.kill());
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

function post(agent: Agent, p: Prepared, target: URL): Promise<{ status: number; text: string }> {
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
async function run(prepared: Prepared[], concurrency: number, agent: Agent, target = new URL(url)): Promise<{ samples: { kind: Kind; ms: number }[]; wallMs: number }> {
  const samples: { kind: Kind; ms: number }[] = [];
  const wall = performance.now();
  await pool(prepared.length, concurrency, async (i) => {
    const p = prepared[i]!;
    const started = performance.now();
    const res = await post(agent, p, target);
    samples.push({ kind: p.kind, ms: performance.now() - started });
    if (res.status !== 200) throw new Error(`${p.kind} ${p.i} answered ${res.status}: ${res.text}`);
  });
  const wallMs = performance.now() - wall;
  return { samples, wallMs };
}

/**
 * Resolves once the process has used at most one clock tick of CPU (10 ms, /proc's unit) in
 * 200 ms — the work after its answers is done — or after 3 s, well inside the servers' keep-alive
 * so the timed requests still find the warm-up's connections open. At once where /proc is missing.
 */
async function idle(pid: number): Promise<void> {
  const cpu = () => { const c = processCpuMs(pid); return c.user + c.system; };
  const deadline = performance.now() + 3000;
  for (let before = cpu(); Number.isFinite(before) && performance.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // sampling the process, not waiting for an effect
    const now = cpu();
    if (now - before <= 10) return;
    before = now;
  }
}
const webIdle = () => idle(child.pid!);

const stats = (ms: number[]) => ({ n: ms.length, p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), max: round(Math.max(...ms)) });

/** The mix of four kinds at concurrency 50, then 1 and 10: the figures of docs/benchmarks.md section 1. */
async function mixedFigures(): Promise<Record<string, unknown>> {
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
  return {
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
  };
}

/**
 * Starts bench/bare-bolt.ts (a bare Bolt app: ack, open the same modal) against the same fake Slack;
 * `withContainer`: in a process that has also built partnergate's container from partnergate's environment.
 */
async function startBareBolt(withContainer = false): Promise<{ pid: number; url: string; stop(): Promise<void> }> {
  const bare = spawn(process.execPath, [...NODE_FLAGS, ...extraFlags, '--import', 'tsx', fileURLToPath(new URL('./bare-bolt.ts', import.meta.url))], {
    env: {
      PATH: process.env.PATH, SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: env.SLACK_BOT_TOKEN, SLACK_API_URL: slack.apiUrl,
      ...(withContainer ? { ...env, BARE_WITH_CONTAINER: '1', LOG_LEVEL: 'warn' } : {}),
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => bare.kill());
  const barePort = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const match = buffer.match(/"port":(\d+),"msg":"bare: listening"/);
      if (!match) return;
      bare.stdout!.off('data', onData).resume();
      resolve(Number(match[1]));
    };
    bare.stdout!.on('data', onData);
    bare.once('exit', (code) => reject(new Error(`bare Bolt app exited (${code}) before listening`)));
  });
  return {
    pid: bare.pid!,
    url: `http://127.0.0.1:${barePort}/slack/events`,
    stop: async () => {
      bare.kill('SIGTERM');
      await new Promise((resolve) => bare.once('exit', resolve));
    },
  };
}

/**
 * The yardstick: `/onboard-partner` commands only, at concurrency 50, against partnergate web, a
 * bare Bolt app and a second, identical bare Bolt app (the control), in rounds that rotate which
 * goes first, after a warm-up of each. A round's p99 over 1,000 commands is set by the few longest
 * stalls in it (its slowest 1% were sent together, in one to three bursts), so a round's ratio is
 * noisy: the control's ratio to the bare app (an app against itself) shows how noisy on this
 * machine. Reported per round (p50/p99/max, CPU per command, both ratios) and pooled over all rounds.
 */
async function versusBareBolt(): Promise<Record<string, unknown>> {
  const bare = await startBareBolt();
  const control = await startBareBolt(CONTROL === 'container');
  // Each batch of commands comes from USERS people the app has not seen: as on a workspace, most
  // commands come from someone seen minutes ago, some from someone not seen in the last ten minutes.
  let batch = 0;
  const commands = (count: number, tag: string): Prepared[] => {
    batch += 1;
    const perUser = Math.ceil(count / USERS);
    return Array.from({ length: count }, (_, i) => {
      const body = slashCommand({ command: '/onboard-partner', text: `Bench Partner ${tag}${i}`, user_id: `UBENCH${batch}X${Math.floor(i / perUser)}`, trigger_id: `trig-${tag}${i}` });
      const bytes = Buffer.from(body.body);
      return { kind: 'command', i, body: bytes, headers: { 'content-type': body.type, 'content-length': bytes.length, ...sign(body.body, secret) } };
    });
  };
  type Name = 'partnergate' | 'bare' | 'control';
  const apps: { name: Name; url: URL; pid: number; agent: Agent; all: number[] }[] = [
    { name: 'partnergate', url: new URL(url), pid: child.pid! },
    { name: 'bare', url: new URL(bare.url), pid: bare.pid },
    { name: 'control', url: new URL(control.url), pid: control.pid },
  ].map((a) => ({ ...a, name: a.name as Name, agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }), all: [] }));
  for (const app of apps) {
    await run(commands(WARMUP, `vw-${app.name}-`), CONCURRENCY, app.agent, app.url);
    await idle(app.pid);
  }
  const rounds: Record<string, unknown>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const figures = {} as Record<Name, ReturnType<typeof stats> & { cpuMsPerCommand: number }>;
    const order = apps.map((_, i) => apps[(i + r) % apps.length]!);
    for (const app of order) {
      const timed = commands(REQUESTS, `v${r}-${app.name}-`);
      // A short warm-up right before the round: every app meets the round as warm as the others.
      await run(commands(ROUND_WARMUP, `vr${r}-${app.name}-`), CONCURRENCY, app.agent, app.url);
      await idle(app.pid);
      const cpuBefore = processCpuMs(app.pid);
      const { samples } = await run(timed, CONCURRENCY, app.agent, app.url);
      const cpuAfter = processCpuMs(app.pid);
      const ms = samples.map((s) => s.ms);
      app.all.push(...ms);
      figures[app.name] = { ...stats(ms), cpuMsPerCommand: round((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / REQUESTS, 2) };
    }
    const p99Ratio = round(figures.partnergate.p99 / figures.bare.p99, 2);
    const controlP99Ratio = round(figures.control.p99 / figures.bare.p99, 2);
    rounds.push({ round: r + 1, first: order[0]!.name, loadAverage: round(loadavg()[0]!, 2), ...figures, p99Ratio, controlP99Ratio });
    const line = (n: Name) => `${n} p50 ${figures[n].p50} p99 ${figures[n].p99} max ${figures[n].max} cpu ${figures[n].cpuMsPerCommand}`;
    process.stdout.write(`round ${r + 1}: ${line('partnergate')} | ${line('bare')} | ${line('control')} | p99 ratio ${p99Ratio} (control ${controlP99Ratio})\n`);
  }
  for (const app of apps) app.agent.destroy();
  await Promise.all([bare.stop(), control.stop()]);
  const pooled = Object.fromEntries(apps.map((a) => [a.name, stats(a.all)])) as Record<Name, ReturnType<typeof stats>>;
  const ratiosOf = (key: string) => rounds.map((r) => r[key] as number);
  const spread = (values: number[]) => ({ min: Math.min(...values), median: round(percentile(values, 50), 2), max: Math.max(...values), over12: values.filter((v) => v > 1.2).length });
  // The median round's p99: one stall in one round moves it less than it moves the pooled p99.
  const medianP99 = (n: Name) => round(percentile(rounds.map((r) => (r[n] as { p99: number }).p99), 50));
  const median = { partnergate: medianP99('partnergate'), bare: medianP99('bare'), control: medianP99('control') };
  const pooledP99Ratio = round(pooled.partnergate.p99 / pooled.bare.p99, 2);
  const pooledControlP99Ratio = round(pooled.control.p99 / pooled.bare.p99, 2);
  process.stdout.write(`pooled over ${ROUNDS} rounds: partnergate p99 ${pooled.partnergate.p99} | bare ${pooled.bare.p99} | control ${pooled.control.p99} | p99 ratio ${pooledP99Ratio} (control ${pooledControlP99Ratio}); median round p99: ${median.partnergate} | ${median.bare} | ${median.control}, ratio ${round(median.partnergate / median.bare, 2)} (control ${round(median.control / median.bare, 2)})\n`);
  return {
    what: `${REQUESTS} /onboard-partner commands a round at concurrency ${CONCURRENCY} from ${USERS} people not seen before (each round), against partnergate web, a bare Bolt app (bench/bare-bolt.ts) that acks and opens the same modal through the same fake Slack, and as the control ${CONTROL === 'bare' ? 'a second bare Bolt app' : "the bare Bolt app in a process that has also built partnergate's container"}; ${ROUNDS} rounds rotating which goes first, after ${WARMUP} warm-up commands each and ${ROUND_WARMUP} more just before each round`,
    rounds,
    pooled: { ...pooled, p99Ratio: pooledP99Ratio, controlP99Ratio: pooledControlP99Ratio },
    medianRoundP99: { ...median, ratio: round(median.partnergate / median.bare, 2), controlRatio: round(median.control / median.bare, 2) },
    roundRatios: { partnergate: spread(ratiosOf('p99Ratio')), control: spread(ratiosOf('controlP99Ratio')) },
    control: CONTROL,
    goal: 'p99 ≤ 1.2 × the bare app, in every round',
    met: ratiosOf('p99Ratio').every((r) => r <= 1.2),
    controlMeetsIt: ratiosOf('controlP99Ratio').every((r) => r <= 1.2),
  };
}

const figures: Record<string, unknown> = COMPARE_ONLY ? {} : await mixedFigures();
figures['versusBareBolt'] = await versusBareBolt();
report(COMPARE_ONLY ? `ack-latency-versus-bare-bolt${CONTROL === 'container' ? '-container-control' : ''}` : 'ack-latency', figures);

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
await deleteKeysUnder(redis, prefix);
await redis.quit();
await slack.close();
