/**
 * The drain's deadline (src/main.ts): a drain that takes longer than DRAIN_TIMEOUT_MS gives up with a
 * DrainTimeout, so the process exits by itself before ECS's stopTimeout or compose's grace period
 * kills it. Fake timers: nothing here waits on the clock.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAIN_TIMEOUT_MS, DrainTimeout, drainWithin } from '../../src/main.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the drain deadline', () => {
  it('when the drain finishes before the deadline, then it resolves and leaves no timer behind', async () => {
    let finish!: () => void;
    const work = new Promise<void>((resolve) => (finish = resolve));
    const drained = drainWithin(work, 1_000);
    await vi.advanceTimersByTimeAsync(999);
    finish();
    await expect(drained).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when a running job keeps the drain past the deadline, then it rejects with a DrainTimeout naming the deadline', async () => {
    const drained = drainWithin(new Promise<void>(() => undefined), 90_000);
    const outcome = expect(drained).rejects.toThrow(DrainTimeout);
    await vi.advanceTimersByTimeAsync(89_999);
    let settled = false;
    void drained.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    await expect(drained).rejects.toThrow(/within 90 s/);
  });

  it('when the drain itself fails, then that error is what stop() reports', async () => {
    await expect(drainWithin(Promise.reject(new Error('redis quit failed')), 1_000)).rejects.toThrow('redis quit failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when docker compose stops the bot, then its grace period is longer than the drain deadline', () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const grace = /stop_grace_period:\s*(\d+)s/.exec(compose);
    expect(grace).not.toBeNull();
    expect(Number(grace![1]) * 1000).toBeGreaterThan(DRAIN_TIMEOUT_MS);
  });
});
