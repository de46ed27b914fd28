/** Shared by the benchmark scripts: the machine they ran on, percentiles, and bench/results.json. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { cliArgv, compiledCliExists } from '../tools/local/cli-argv.js';
import { loadPlatformConfig } from '../src/config.js';
import type { PlatformConfig } from '../src/aws/policies/platform.js';

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  memoryGiB: number;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** A production-shaped platform (eu-west-1, a long bucket name) for the benchmarks that render or compare documents. */
export function benchPlatform(): PlatformConfig {
  return loadPlatformConfig({
  AWS_REGION: 'eu-west-1',
  AWS_ACCOUNT_ID: '111122223333',
  DISTRIBUTION_BUCKET: 'partnergate-distribution-eu-west-1-prod',
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
  TRANSFER_SERVER_ID: 's-0123456789abcdef0',
});
}

/** The p-th percentile (0–100) of the values, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

const RESULTS = new URL('./results.json', import.meta.url);

/** Prints the figures with the machine, and merges them into bench/results.json under `name`. */
export function report(name: string, figures: Record<string, unknown>): void {
  const entry = { at: new Date().toISOString(), machine: machine(), ...figures };
  const all = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
  all[name] = entry;
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  const m = entry.machine;
  process.stdout.write(`\n== ${name} ==\nmachine: ${m.cores} cores, ${m.cpu}, Node ${m.node}, ${m.memoryGiB} GiB\n`);
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n(merged into bench/results.json)\n`);
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await task(i);
    }
  });
  await Promise.all(lanes);
}

/**
 * Whether the benchmarks run the compiled CLI (dist/, what `npm start` runs; build it with
 * `npm run build`) rather than the sources through tsx (slower to start, and tsx's loader thread
 * adds to the RSS). BENCH_RUNTIME=tsx forces the sources.
 */
export function benchCompiled(): boolean {
  return compiledCliExists() && process.env.BENCH_RUNTIME !== 'tsx';
}

/** How to start `partnergate <command>` in a child process (tools/local/cli-argv.ts). */
export function cliArgs(command: string, nodeFlags: string[] = []): { argv: string[]; runtime: 'dist' | 'tsx' } {
  const compiled = benchCompiled();
  return { argv: cliArgv(command, compiled, nodeFlags), runtime: compiled ? 'dist' : 'tsx' };
}

/** CPU time (ms) a process has used so far in user space and in the kernel, from /proc (Linux); NaN elsewhere. */
export function processCpuMs(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state is field 0, utime 11, stime 12 (clock ticks, 100 per second on Linux)
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/** This process's CPU time so far (ms). */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The Redis server's CPU time so far (ms), from INFO cpu. */
export async function redisCpuMs(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}
