/**
 * `partnergate worker` as operators run it, in a child process (the CLI through tsx, or dist/ when
 * asked), against a local S3 server, a fake Slack and the real Redis; and LIVE partners to deliver
 * to, written straight into the registry. Shared by the fault suite and bench/delivery.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { PartnerStore } from '../../src/store/partners.js';
import { type PartnerRecord } from '../../src/domain/partner.js';
import { cliArgv, compiledCliExists } from './cli-argv.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** `dist` or `tsx`: what runs. */
  runtime: 'dist' | 'tsx';
  /** Where it serves GET /metrics (METRICS_PORT; 0 picks one), if it does. */
  metricsPort: number | undefined;
  /** Ends the process with SIGTERM (drain) or SIGKILL; resolves with the exit signal or code. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<string | number | null>;
}

export interface WorkerProcessOptions {
  /** The environment of the worker (testEnv(...) with the prefix, Slack URL, ...). */
  env: Record<string, string | undefined>;
  s3Endpoint: string;
  /** Run dist/cli.js (built) instead of the sources. Default: the sources through tsx. */
  compiled?: boolean;
  nodeFlags?: string[];
  /** `worker` (default), or `start`: the Slack app and the workers in one process (over HTTP here, without SLACK_APP_TOKEN). */
  command?: 'worker' | 'start';
}

/** Starts the worker and resolves once it logs "worker: running" (so it logs at info, or debug when asked). */
export async function startWorkerProcess(o: WorkerProcessOptions): Promise<WorkerProcess> {
  const compiled = (o.compiled ?? false) && compiledCliExists();
  const child = spawn(process.execPath, cliArgv(o.command ?? 'worker', compiled, o.nodeFlags), {
    env: {
      PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_ENDPOINT_URL_S3: o.s3Endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      S3_FORCE_PATH_STYLE: 'true', DRY_RUN: 'true', ...o.env, LOG_LEVEL: o.env['LOG_LEVEL'] === 'debug' ? 'debug' : 'info',
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  let metricsPort: number | undefined;
  child.stderr!.on('data', (d: Buffer) => void (tail = (tail + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    // Read on after "running" too, so the pipe never fills and blocks the worker.
    child.stdout!.on('data', (d: Buffer) => {
      if (seen === 'done') return;
      seen = (seen + d.toString()).slice(-100_000);
      metricsPort ??= Number(seen.match(/"port":(\d+)[^\n]*"msg":"metrics: listening"/)?.[1] ?? Number.NaN) || undefined;
      if (seen.includes('"msg":"worker: running"')) {
        seen = 'done';
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`partnergate worker exited (${code}) before running: ${tail}`)));
  });
  return {
    child,
    runtime: compiled ? 'dist' : 'tsx',
    metricsPort,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.signalCode ?? child.exitCode;
      const exited = new Promise<string | number | null>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? code)));
      child.kill(signal);
      return exited;
    },
  };
}

/** Writes `count` LIVE partner records (`<stem>-00000` …) subscribed to `feeds`; returns their ids. */
export async function seedLivePartners(redis: Redis, prefix: string, count: number, feeds: string[], stem = 'live'): Promise<string[]> {
  const partners = new PartnerStore(redis, prefix);
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, (_, i) => `${stem}-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id) => {
      const record: PartnerRecord = {
        partnerId: id, requestId: `req_${'b'.repeat(26)}`, displayName: id, contactEmail: `${id}@partner.example`, accountId: null,
        externalId: 'x'.repeat(43), feeds, sshKeys: [], status: 'live', steps: [], threadRef: `card:thread-${id}`,
        channel: 'C0APPROVALS', approvedBy: 'UAPPROVER1', provisionedAt: now, verifiedAt: now, transferUserCreatedAt: now, dryRun: true, updatedAt: now,
      };
      return partners.save(record);
    }));
  }
  return ids;
}
