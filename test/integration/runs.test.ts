import { beforeEach, describe, expect, it } from 'vitest';
import { RunStore, type Run } from '../../src/store/runs.js';
import { redisPerTest } from '../support/redis-per-test.js';

describe('run records (retry claims, inputs, facts)', () => {
  const db = redisPerTest('runs');
  let runs: RunStore;
  let run: Run;
  const id = 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa';
  const failure = (attempt: number) => ({ attempt, step: 'partner-role', label: 'Partner role and its inline policy', code: 'AccessDenied', message: 'no', at: '2030-01-01T00:00:00Z' });

  beforeEach(() => {
    runs = new RunStore(db.redis, db.prefix);
    run = runs.of('provision', id);
  });

  it('when an attempt has not failed, then its retry cannot be claimed', async () => {
    await run.start(1);
    await expect(run.claimRetry(1)).resolves.toBeNull();
  });

  it('when twenty approvers press Retry at once, then exactly one new attempt is claimed', async () => {
    await run.start(1);
    await run.fail(failure(1));
    const claims = await Promise.all(Array.from({ length: 20 }, () => run.claimRetry(1)));
    expect(claims.filter((c) => c !== null)).toEqual([2]);
    expect((await run.get())?.attempt).toBe(2);
  });

  it('when the retried attempt fails too, then it can be retried in turn, and a stale claim of the older one cannot', async () => {
    await run.start(1);
    await run.fail(failure(1));
    expect(await run.claimRetry(1)).toBe(2);
    await run.start(2);
    await run.fail(failure(2));
    await expect(run.claimRetry(1)).resolves.toBeNull();
    await expect(run.claimRetry(2)).resolves.toBe(3);
    await expect(runs.of('verify', id).claimRetry(0)).resolves.toBeNull();
  });

  it('facts are recorded once and read back', async () => {
    await run.start(1);
    let posted = 0;
    await run.once('welcome', async () => void posted++);
    await run.once('welcome', async () => void posted++);
    expect(posted).toBe(1);
    expect((await run.get())?.facts).toMatchObject({ welcome: '1' });
  });

  it('when a later try starts with other inputs, then the first try\'s stay, and what a step noted first stays too', async () => {
    await runs.of('offboard', 'acme').start(1, { changeId: 'chg_a', revokeBefore: '2030-01-01T00:00:00.000Z' });
    const again = await runs.of('offboard', 'acme').start(1, { changeId: 'chg_b', revokeBefore: '2030-01-02T00:00:00.000Z' });
    expect(again.inputs).toEqual({ changeId: 'chg_a', revokeBefore: '2030-01-01T00:00:00.000Z' });
    await expect(run.note('intent:role', 'deleted 2 policies')).resolves.toBe('deleted 2 policies');
    await expect(run.note('intent:role', 'deleted 0 policies')).resolves.toBe('deleted 2 policies');
    expect(await db.redis.ttl(`${db.prefix}:run:offboard:acme`)).toBe(-1); // the offboarding evidence is kept for good
  });
});
