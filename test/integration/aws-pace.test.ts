/**
 * The shared AWS buckets against a real Redis with a fake clock: the Lua script agrees with the pure
 * arithmetic, two worker processes sharing a bucket stay within its rate together, a throttled call
 * waits and is retried (holding the bucket shut for everyone), and a job whose budget is spent is
 * delayed with its place saved, never dropped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { DelayedError } from 'bullmq';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { gcraOf, gcraTake, DEFAULT_PACE_RATES, type PaceRates } from '../../src/domain/aws-pace.js';
import { AwsError, BudgetError } from '../../src/domain/errors.js';
import { awsBucketKey, takeToken } from '../../src/store/token-buckets.js';
import { createAwsPacer, delayWhenOutOfBudget, pacedLifecyclePlane } from '../../src/jobs/platform/aws-pace.js';
import { createLifecyclePlane } from '../../src/aws/lifecycle-plane.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testPrefix } from '../../tools/local/env.js';
import { testPlatform } from '../support/iam-fixtures.js';

/** A clock that moves only when someone sleeps on it. */
function fakeClock(start = 1_700_000_000_000) {
  const c = { t: start, slept: [] as number[], now: () => c.t, sleep: async (ms: number) => void (c.slept.push(ms), (c.t += ms)) };
  return c;
}

const throttled = () => new AwsError('iam', 'GetRole', 'Throttling', 'Rate exceeded', { retryable: true, httpStatus: 400 });
const RATES: PaceRates = { ...DEFAULT_PACE_RATES, iam: { perSecond: 5, burst: 5 } };

let redis: Redis;
let other: Redis;
let prefix: string;
beforeEach(() => {
  redis = createTestRedis();
  other = createTestRedis();
  prefix = testPrefix('pace');
});
afterEach(async () => {
  await deleteKeysUnder(redis, prefix);
  await Promise.all([redis.quit(), other.quit()]);
});

describe('the shared buckets in Redis', () => {
  it('when any sequence of takes at any times runs, then the Lua script answers exactly what the pure arithmetic does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ perSecond: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 10 }) }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }),
        async (rate, steps) => {
          const g = gcraOf(rate);
          const key = awsBucketKey(prefix, `prop-${Math.random().toString(36).slice(2)}`);
          let now = 1_000_000;
          let tat: number | null = null;
          for (const step of steps) {
            now += step;
            const model = gcraTake(tat, now, g);
            const wait = await takeToken(redis, key, g, now);
            expect(wait).toBeCloseTo(model.waitMs, 3);
            tat = model.tat;
          }
        },
      ),
      // The first: an interval that is not a whole number of ms (1000 / 3), which a stored time cut to
      // 14 digits once made the script and the arithmetic disagree about.
      { numRuns: 30, examples: [[{ perSecond: 3, burst: 2 }, [0, 315, 130, 267, 250, 38, 0]]] },
    );
  });

  it('when two worker processes take from one bucket for a simulated minute, then together they stay within its rate', async () => {
    const clock = fakeClock();
    const pacers = [redis, other].map((r) => createAwsPacer({ redis: r, prefix, rates: RATES, now: clock.now, sleep: clock.sleep }));
    const end = clock.t + 60_000;
    let calls = 0;
    // Alternate the two processes, as their jobs would interleave.
    for (let i = 0; clock.t < end; i += 1) await pacers[i % 2]!.run('iam', async () => void (calls += 1));
    expect(calls).toBeLessThanOrEqual(5 * 60 + 5 + 1);
    expect(calls).toBeGreaterThanOrEqual(5 * 60);
  });
});

describe('throttling backs off without losing work', () => {
  it('when AWS throttles a call twice, then it waits, is sent again and answers; the bucket was held shut for every process meanwhile', async () => {
    const clock = fakeClock();
    const onThrottled = vi.fn();
    const pacer = createAwsPacer({ redis, prefix, rates: RATES, now: clock.now, sleep: clock.sleep, random: () => 1, backoffBaseMs: 1000, onThrottled });
    let sent = 0;
    let heldFor = 0;
    const answer = await pacer.run('iam', async () => {
      sent += 1;
      if (sent <= 2) throw throttled();
      // Another process asking now finds the bucket still refilling after the hold emptied it.
      heldFor = await takeToken(other, awsBucketKey(prefix, 'iam'), gcraOf(RATES.iam), clock.t);
      return 'role';
    });
    expect(answer).toBe('role');
    expect(sent).toBe(3);
    expect(onThrottled).toHaveBeenCalledTimes(2);
    // Backoffs of 1 s then 2 s (no jitter here), slept through the bucket's hold.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3000);
    expect(heldFor).toBeGreaterThan(0);
  });

  it('when AWS keeps throttling past the retries, then the error reaches the job (its own backoff retries it)', async () => {
    const clock = fakeClock();
    const pacer = createAwsPacer({ redis, prefix, rates: RATES, now: clock.now, sleep: clock.sleep, throttleRetries: 2, backoffBaseMs: 10 });
    const call = vi.fn(async () => { throw throttled(); });
    await expect(pacer.run('iam', call)).rejects.toMatchObject({ code: 'Throttling' });
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('when a call is refused for good (AccessDenied), then it is not retried', async () => {
    const clock = fakeClock();
    const pacer = createAwsPacer({ redis, prefix, rates: RATES, now: clock.now, sleep: clock.sleep });
    const call = vi.fn(async () => { throw new AwsError('iam', 'GetRole', 'AccessDenied', 'no', { retryable: false }); });
    await expect(pacer.run('iam', call)).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('when the budget is spent for longer than a job waits, then nothing is sent and BudgetError says how long', async () => {
    const clock = fakeClock();
    const pacer = createAwsPacer({ redis, prefix, rates: RATES, now: clock.now, sleep: clock.sleep, random: () => 1, backoffBaseMs: 60_000, backoffMaxMs: 60_000, maxWaitMs: 10_000 });
    const call = vi.fn(async () => { throw throttled(); });
    const err = await pacer.run('iam', call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetError);
    expect((err as BudgetError).retryInMs).toBeGreaterThan(50_000);
    expect(call).toHaveBeenCalledTimes(1);
    // The other services keep their own budget.
    await expect(pacer.run('transfer', async () => 'ok')).resolves.toBe('ok');
  });

  it('when a job runs out of budget, then its place is saved and it is delayed until the bucket has room, not dropped', async () => {
    const job = { moveToDelayed: vi.fn(async () => undefined) };
    const save = vi.fn(async () => undefined);
    const before = Date.now();
    const run = delayWhenOutOfBudget(job, 'token-1', async () => { throw new BudgetError('iam', 30_000); }, save);
    await expect(run).rejects.toBeInstanceOf(DelayedError);
    expect(save).toHaveBeenCalledTimes(1);
    const [at, token] = job.moveToDelayed.mock.calls[0] as unknown as [number, string];
    expect(token).toBe('token-1');
    expect(at).toBeGreaterThanOrEqual(before + 30_000);
    // Any other failure is the job's to retry, unchanged.
    await expect(delayWhenOutOfBudget(job, 't', async () => { throw new Error('boom'); }, save)).rejects.toThrow('boom');
    expect(save).toHaveBeenCalledTimes(1);
  });
});

describe('the paced lifecycle plane', () => {
  it('when the sweep reads roles past the burst, then each IAM call waits for its token and the answers are unchanged', async () => {
    const iam = mockClient(IAMClient);
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'r', Path: '/partnergate/partners/', Arn: 'arn:aws:iam::111122223333:role/partnergate/partners/r', RoleId: 'AROAEXAMPLE', CreateDate: new Date(0), AssumeRolePolicyDocument: '%7B%7D' } });
    try {
      const clock = fakeClock();
      const platform = testPlatform();
      const clients = { iam: new IAMClient({ region: 'eu-west-1' }) } as unknown as Parameters<typeof createLifecyclePlane>[0];
      const cp = pacedLifecyclePlane(createLifecyclePlane(clients, platform), createAwsPacer({ redis, prefix, rates: RATES, now: clock.now, sleep: clock.sleep }));
      const start = clock.t;
      for (let i = 0; i < 15; i += 1) expect((await cp.getRole('r'))?.roleName).toBe('r');
      expect(iam.commandCalls(GetRoleCommand)).toHaveLength(15);
      // 5 at once, then 10 more at 5 a second.
      expect(clock.t - start).toBeCloseTo(2000, 0);
      expect(cp.dryRun).toBe(false);
    } finally {
      iam.restore();
    }
  });
});
