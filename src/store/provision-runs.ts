/**
 * The runs of a request's provision and verify jobs: which attempt is current, where the last one
 * failed, and one-off facts (the welcome text was posted, the progress line of attempt n exists).
 * One hash per request, `P:provision-run:<requestId>`. Claiming a retry is one Lua script, so two
 * approvers clicking Retry at once start one new attempt.
 */
import type { Redis } from 'ioredis';
import { runScript } from './run-script.js';

export type RunStage = 'provision' | 'verify';

export interface RunFailure {
  stage: RunStage;
  attempt: number;
  step: string;
  code: string;
  message: string;
  at: string;
}

export interface RunState {
  provisionAttempt: number;
  verifyAttempt: number;
  failure: RunFailure | null;
}

const TTL_SECONDS = 90 * 24 * 3600;

// KEYS: run hash; ARGV: stage, the attempt the caller saw fail, ttl. Answers the new attempt, or 0.
// Only the current attempt, only once it failed (field 'failed' = stage:attempt), and only once.
const CLAIM_RETRY = `
local field = ARGV[1] .. 'Attempt'
local current = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if current ~= tonumber(ARGV[2]) then return 0 end
if redis.call('HGET', KEYS[1], 'failed') ~= ARGV[1] .. ':' .. ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], field, current + 1)
redis.call('HDEL', KEYS[1], 'failed')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return current + 1
`;

// KEYS: run hash; ARGV: stage, attempt, ttl. Raises the stage's attempt to at least ARGV[2].
const START = `
local field = ARGV[1] .. 'Attempt'
local current = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], field, ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

export class ProvisionRuns {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(requestId: string): string {
    return `${this.prefix}:provision-run:${requestId}`;
  }

  async get(requestId: string): Promise<RunState> {
    const h = await this.redis.hgetall(this.key(requestId));
    return {
      provisionAttempt: Number(h['provisionAttempt'] ?? 0),
      verifyAttempt: Number(h['verifyAttempt'] ?? 0),
      failure: h['failure'] ? (JSON.parse(h['failure']) as RunFailure) : null,
    };
  }

  /** A job of `stage` runs as `attempt`: the current attempt becomes at least that. */
  async start(requestId: string, stage: RunStage, attempt: number): Promise<void> {
    await runScript(this.redis, START, [this.key(requestId)], [stage, attempt, TTL_SECONDS]);
  }

  /** The attempt failed for good: kept for the Retry message, and what makes the attempt retryable. */
  async recordFailure(requestId: string, failure: RunFailure): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(requestId), 'failure', JSON.stringify(failure), 'failed', `${failure.stage}:${failure.attempt}`)
      .expire(this.key(requestId), TTL_SECONDS)
      .exec();
  }

  /**
   * Claims the retry of `stage` after attempt `failed` failed: answers the new attempt number, or
   * null when that attempt is not the current one, did not fail, or was already retried.
   */
  async claimRetry(requestId: string, stage: RunStage, failed: number): Promise<number | null> {
    const next = Number(await runScript(this.redis, CLAIM_RETRY, [this.key(requestId)], [stage, failed, TTL_SECONDS]));
    return next > 0 ? next : null;
  }

  /** Whether a one-off fact (`welcome`, `progress:provision:2`) was recorded. */
  async has(requestId: string, fact: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(requestId), `fact:${fact}`)) === 1;
  }

  async mark(requestId: string, fact: string): Promise<void> {
    await this.redis.multi().hset(this.key(requestId), `fact:${fact}`, '1').expire(this.key(requestId), TTL_SECONDS).exec();
  }
}
