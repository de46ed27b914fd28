/** The Home's shared snapshot (src/actions/home): shared for a moment, never older than the mark it is built for. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MARK_CLOCK_MARGIN_MS, sharedSnapshot } from '../../../../src/actions/home/index.js';
import type { HomeSnapshot } from '../../../../src/domain/home.js';

let reads = 0;
const read = async () => ({ read: ++reads }) as unknown as HomeSnapshot;

beforeEach(() => {
  reads = 0;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(10_000);
});
afterEach(() => vi.useRealTimers());

describe('the shared snapshot', () => {
  it('when several Homes are built within its age with no newer mark, then the stores are read once', async () => {
    const snapshot = sharedSnapshot(read, 500);
    await snapshot();
    vi.setSystemTime(10_300);
    await snapshot(9_000);
    expect(reads).toBe(1);
    vi.setSystemTime(10_600);
    await snapshot();
    expect(reads).toBe(2);
  });

  it('when a Home was marked after the shared snapshot was read (or within the clocks margin), then the stores are read again for it', async () => {
    const snapshot = sharedSnapshot(read, 500);
    await snapshot();
    vi.setSystemTime(10_200);
    await snapshot(10_050);
    expect(reads).toBe(2);
    vi.setSystemTime(10_250);
    // The snapshot read at 10,200 serves a mark more than the margin before it, not one within it.
    await snapshot(10_200 - MARK_CLOCK_MARGIN_MS - 1);
    expect(reads).toBe(2);
    await snapshot(10_200 - MARK_CLOCK_MARGIN_MS + 1);
    expect(reads).toBe(3);
  });
});
