/**
 * The process as operators run it: `partnergate start` in a child process, its HTTP routes, a
 * configuration error, and SIGTERM draining to exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../../tools/local/env.js';
import { startFakeSlack, type FakeSlack } from '../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';

const ENTRY = `import('./src/cli.ts').then((m) => m.main(process.argv.slice(1)))`;

function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '-e', ENTRY, '--', ...args], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { out: () => out, err: () => err };
}

/** Resolves with the Slack port and the metrics port once the process logs that both listen. */
async function listeningPorts(child: ChildProcess): Promise<{ web: number; metrics: number }> {
  let buffer = '';
  for await (const chunk of child.stdout!) {
    buffer += (chunk as Buffer).toString();
    const web = buffer.match(/"port":(\d+)[^\n]*"msg":"web: listening"/);
    const metrics = buffer.match(/"port":(\d+)[^\n]*"msg":"metrics: listening"/);
    if (web && metrics) return { web: Number(web[1]), metrics: Number(metrics[1]) };
  }
  throw new Error(`process ended before listening: ${buffer}`);
}

let child: ChildProcess | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await slack?.close();
});

describe('partnergate process', () => {
  it.each([['--version'], ['version']])('when run with %s and no configuration at all, then it prints package.json\'s version and exits 0', async (flag) => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    child = spawnCli([flag], {});
    const output = collect(child);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(output.out()).toBe(`${version}\n`);
    expect(output.err()).toBe('');
  });

  it('when the metrics sidecar runs with no bot to read, then it prints partnergate_up 0 as an EMF line, and SIGTERM ends it with 0', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    child = spawnCli(['cloudwatch-metrics', '--url', `http://127.0.0.1:${closed}/metrics`], {});
    const output = collect(child);
    const [first] = (await once(child.stdout!, 'data')) as [Buffer];
    const event = JSON.parse(first.toString().split('\n')[0]!) as Record<string, any>;
    expect(event['partnergate_up']).toBe(0);
    expect(event['_aws'].CloudWatchMetrics[0].Namespace).toBe('partnergate');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(output.err()).toMatch(/did not answer/);
  });

  it.each([
    ['DISTRIBUTION_BUCKET', "partnergate: configuration: DISTRIBUTION_BUCKET is required (the distribution bucket's name: platform output DistributionBucket)"],
    ['APPROVAL_SIGNING_KEY', 'partnergate: configuration: APPROVAL_SIGNING_KEY is required (at least 32 random bytes, hex or base64: `openssl rand -hex 32`)'],
  ])('when a required variable (%s) is missing, then it exits 2 with one line naming it', async (name, line) => {
    child = spawnCli(['start'], testEnv({ [name]: undefined }));
    const output = collect(child);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(output.err().trim()).toBe(line);
  });

  it('when the environment is empty, then it exits 2 with one block: a heading and one line per variable to fix', async () => {
    child = spawnCli(['start'], {});
    const output = collect(child);
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    const lines = output.err().trimEnd().split('\n');
    expect(lines[0]).toBe('partnergate: configuration: 10 variables to fix:');
    expect(lines.slice(1)).toHaveLength(10);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}[A-Z_]+ (is required|or APPROVER_USERGROUP must be set) \(.+\)$/);
  });

  it('when started, then health, readiness and metrics answer, and SIGTERM drains and exits 0', async () => {
    slack = await startFakeSlack();
    const env = testEnv({ PORT: '0', METRICS_PORT: '0', SLACK_API_URL: slack.apiUrl, LOG_LEVEL: 'info' });
    child = spawnCli(['start'], env);
    const ports = await listeningPorts(child);
    const base = `http://127.0.0.1:${ports.web}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    // The port that faces Slack serves no metrics: they are on METRICS_PORT alone.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    for (const name of ['partnergate_slack_requests_total', 'partnergate_approvals_total', 'partnergate_jobs_total',
      'partnergate_delivery_latency_seconds', 'partnergate_slack_errors_total', 'partnergate_aws_errors_total',
      'partnergate_queue_depth', 'partnergate_queue_oldest_job_age_seconds', 'partnergate_notify_dead_letters',
      'partnergate_parked_deliveries', 'partnergate_quarantined_partners']) {
      expect(metrics).toContain(`# TYPE ${name}`);
    }
    // The operators' gauges read this process's Redis when scraped.
    expect(metrics).toMatch(/^partnergate_queue_depth\{queue="notify"\} \d+$/m);
    expect(metrics).toMatch(/^partnergate_quarantined_partners 0$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const redis = createTestRedis();
    await deleteKeysUnder(redis, env.PARTNERGATE_PREFIX!);
    await redis.quit();
  });
});
