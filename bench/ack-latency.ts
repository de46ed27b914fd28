/**
 * Benchmark 1: Slack acknowledgement latency of `partnergate web` (the real CLI in a child process:
 * dist/ when built, else the sources through tsx; HTTP mode, LOG_LEVEL=info) on loopback, against a local fake Slack Web API and the real Redis.
 * 1,000 signed requests at concurrency 50, after 100 warm-up requests: /onboard-partner commands
 * (views.open goes to the fake), approve clicks on a stored request (refused: self-approval,
 * not an approver, already decided), valid view submissions with distinct partner ids, and invalid
 * ones. Latency = from sending the request to reading the whole answer. With web only, nothing is
 * sent to Slack by the queue: the cards and refusals stay queued in Redis, which the script counts.
 *
 *   npm run bench:ack  [-- --requests 1000 --concurrency 50]
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import sshpk from 'sshpk';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { testEnv } from '../test/support/env.js';
import { createTestRedis, deleteKeysUnder } from '../test/support/redis.js';
import { buttonClick, onboardSubmission, postToBot, slashCommand } from '../test/support/slack-requests.js';
import { cliArgs, percentile, pool, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' } } });
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = 100;

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
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const match = buffer.match(/"port":(\d+)[^\n]*"msg":"web: listening"/);
    if (match) resolve(Number(match[1]));
    if (buffer.length > 1_000_000) buffer = buffer.slice(-10_000);
  });
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

async function send(i: number, tag: string, sink?: { kind: Kind; ms: number }[]): Promise<void> {
  const { kind, body } = request(i, tag);
  const started = performance.now();
  const res = await postToBot(url, body, secret);
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${kind} ${i} answered ${res.status}: ${res.text}`);
  sink?.push({ kind, ms });
}

await pool(WARMUP, CONCURRENCY, (i) => send(i, 'w'));
const samples: { kind: Kind; ms: number }[] = [];
const wall = performance.now();
await pool(REQUESTS, CONCURRENCY, (i) => send(i, 'm', samples));
const wallMs = performance.now() - wall;

const stats = (ms: number[]) => ({ n: ms.length, p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)), max: round(Math.max(...ms)) });
const all = samples.map((s) => s.ms);
const byKind = Object.fromEntries(KINDS.map((k) => [k, stats(samples.filter((s) => s.kind === k).map((s) => s.ms))]));

// The same mix at lower concurrency: where latency is service time rather than queueing.
const byConcurrency: Record<string, ReturnType<typeof stats> & { perSecond: number }> = {};
for (const level of [1, 10]) {
  const at: { kind: Kind; ms: number }[] = [];
  const started = performance.now();
  await pool(200, level, (i) => send(i, `c${level}-`, at));
  byConcurrency[String(level)] = { ...stats(at.map((s) => s.ms)), perSecond: round(200 / ((performance.now() - started) / 1000)) };
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
  goal: 'p99 < 50 ms',
  met: percentile(all, 99) < 50,
  queuedNotSent: { lanes: queued, messages: queuedMessages, storedRequests: stored, viewsOpened: slack.calls('views.open').length },
});

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
await deleteKeysUnder(redis, prefix);
await redis.quit();
await slack.close();
