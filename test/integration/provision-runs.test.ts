import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ProvisionRuns } from '../../src/store/provision-runs.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testPrefix } from '../../tools/local/env.js';

describe('provision runs (retry claims)', () => {
  let redis: Redis;
  let prefix: string;
  let runs: ProvisionRuns;
  const id = 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa';
  const failure = (attempt: number) => ({ stage: 'provision' as const, attempt, step: 'partner-role', code: 'AccessDenied', message: 'no', at: '2030-01-01T00:00:00Z' });

  beforeEach(() => {
    redis = createTestRedis();
    prefix = testPrefix('runs');
    runs = new ProvisionRuns(redis, prefix);
  });
  afterEach(async () => {
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  it('when an attempt has not failed, then its retry cannot be claimed', async () => {
    await runs.start(id, 'provision', 1);
    await expect(runs.claimRetry(id, 'provision', 1)).resolves.toBeNull();
  });

  it('when twenty approvers press Retry at once, then exactly one new attempt is claimed', async () => {
    await runs.start(id, 'provision', 1);
    await runs.recordFailure(id, failure(1));
    const claims = await Promise.all(Array.from({ length: 20 }, () => runs.claimRetry(id, 'provision', 1)));
    expect(claims.filter((c) => c !== null)).toEqual([2]);
    expect((await runs.get(id)).provisionAttempt).toBe(2);
  });

  it('when the retried attempt fails too, then it can be retried in turn, and a stale claim of the older one cannot', async () => {
    await runs.start(id, 'provision', 1);
    await runs.recordFailure(id, failure(1));
    expect(await runs.claimRetry(id, 'provision', 1)).toBe(2);
    await runs.start(id, 'provision', 2);
    await runs.recordFailure(id, failure(2));
    await expect(runs.claimRetry(id, 'provision', 1)).resolves.toBeNull();
    await expect(runs.claimRetry(id, 'provision', 2)).resolves.toBe(3);
    await expect(runs.claimRetry(id, 'verify', 0)).resolves.toBeNull();
  });

  it('facts are recorded once and read back', async () => {
    await expect(runs.has(id, 'welcome')).resolves.toBe(false);
    await runs.mark(id, 'welcome');
    await expect(runs.has(id, 'welcome')).resolves.toBe(true);
  });
});
