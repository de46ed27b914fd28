/**
 * The runs of the jobs that work in steps (src/jobs/platform/step-runner.ts) and of verification:
 * one hash per run, `P:run:<kind>:<id>` — provision and verify runs by request id, offboarding by
 * partner id, a partner change by change id. Fields: `attempt`, `status`, `reached`, `failure`
 * (JSON) and `failed` (the attempt that failed, what a Retry claims), `in:<name>` (inputs),
 * `fact:<name>`, `step:<name>` (JSON outcome). Offboarding runs are the evidence and kept for good;
 * the others 90 days. Starting an attempt and claiming a retry are one Lua script each.
 */
import type { Redis } from 'ioredis';
import type { RunFailure, RunKind, RunRecord, StepOutcome } from '../domain/run.js';
import { runScript } from './run-script.js';

const DAYS_90 = 90 * 24 * 3600;
const TTL_SECONDS: Record<RunKind, number> = { provision: DAYS_90, verify: DAYS_90, change: DAYS_90, offboard: 0 };

// KEYS: run; ARGV: attempt, ttl (0: none), then input name/value pairs. Raises the attempt to at
// least ARGV[1]; each input is set only if missing (the first try's stays). Answers the hash.
const START = `
local current = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'attempt', ARGV[1]) end
redis.call('HSETNX', KEYS[1], 'status', 'running')
for i = 3, #ARGV, 2 do redis.call('HSETNX', KEYS[1], 'in:' .. ARGV[i], ARGV[i + 1]) end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return redis.call('HGETALL', KEYS[1])
`;

// KEYS: run; ARGV: the attempt the caller saw fail, ttl. Answers the new attempt, or 0: only the
// current attempt, only once it failed, and only once.
const CLAIM_RETRY = `
local current = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')
if current ~= tonumber(ARGV[1]) or redis.call('HGET', KEYS[1], 'failed') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'attempt', current + 1)
redis.call('HDEL', KEYS[1], 'failed')
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return current + 1
`;

export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  of(kind: RunKind, id: string): Run {
    return new Run(this.redis, `${this.prefix}:run:${kind}:${id}`, TTL_SECONDS[kind]);
  }

  /** The recorded failure of each run (null: none), one pipeline for all. */
  async failures(kind: RunKind, ids: readonly string[]): Promise<(RunFailure | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(`${this.prefix}:run:${kind}:${id}`, 'failure');
    return ((await pipeline.exec()) ?? []).map(([err, raw]) => {
      if (err) throw err;
      return typeof raw === 'string' ? (JSON.parse(raw) as RunFailure) : null;
    });
  }
}

function recordOf(h: Record<string, string>): RunRecord {
  const under = (p: string) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
  return {
    status: (h['status'] ?? 'running') as RunRecord['status'],
    attempt: Number(h['attempt'] ?? 0),
    inputs: under('in:'),
    facts: under('fact:'),
    steps: Object.fromEntries(Object.entries(under('step:')).map(([k, v]) => [k, JSON.parse(v) as StepOutcome])),
    reached: h['reached'] ?? null,
    failure: h['failure'] ? (JSON.parse(h['failure']) as RunFailure) : null,
  };
}

/** One run's record. */
export class Run {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttl: number,
  ) {}

  /** A try of `attempt` begins: the current attempt becomes at least that, and `inputs` are fixed unless an earlier try fixed them. */
  async start<I extends Record<string, string>>(attempt: number, inputs?: I): Promise<RunRecord<I>> {
    const flat = (await runScript(this.redis, START, [this.key], [attempt, this.ttl, ...Object.entries(inputs ?? {}).flat()])) as string[];
    const h: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    return recordOf(h) as RunRecord<I>;
  }

  async get(): Promise<RunRecord | null> {
    const h = await this.redis.hgetall(this.key);
    return h['attempt'] ? recordOf(h) : null;
  }

  /** The run's status, and the step it reached. */
  async set(fields: Partial<Pick<RunRecord, 'status'>> & { reached?: string }): Promise<void> {
    await this.redis.hset(this.key, fields);
  }

  async done(step: string, outcome: StepOutcome): Promise<void> {
    await this.redis.hset(this.key, `step:${step}`, JSON.stringify(outcome));
  }

  /** The attempt failed for good: kept for the Retry message, and what makes the attempt retryable. */
  async fail(failure: RunFailure): Promise<void> {
    await this.redis.hset(this.key, 'status', 'failed', 'failure', JSON.stringify(failure), 'failed', failure.attempt);
  }

  /** Claims the retry of attempt `failed`: the new attempt, or null when it is not current, did not fail, or was retried already. */
  async claimRetry(failed: number): Promise<number | null> {
    const next = Number(await runScript(this.redis, CLAIM_RETRY, [this.key], [failed, this.ttl]));
    return next > 0 ? next : null;
  }

  /** Records a fact unless one is there (first write wins); answers the one recorded. */
  async note(fact: string, value: string): Promise<string> {
    const [, [, recorded]] = (await this.redis.multi().hsetnx(this.key, `fact:${fact}`, value).hget(this.key, `fact:${fact}`).exec()) as [unknown, [null, string]];
    return recorded;
  }

  async count(fact: string, n: number): Promise<void> {
    await this.redis.hincrby(this.key, `fact:${fact}`, n);
  }

  /** Runs `fn` unless `fact` is recorded, then records it: a crash in between runs it again, never skips it. */
  async once(fact: string, fn: () => Promise<unknown>): Promise<void> {
    if ((await this.redis.hexists(this.key, `fact:${fact}`)) === 1) return;
    await fn();
    await this.redis.hset(this.key, `fact:${fact}`, '1');
  }
}
