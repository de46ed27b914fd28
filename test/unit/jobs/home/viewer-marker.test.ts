/** viewerMarker (src/jobs/home): a burst of changes marks the viewers once, after the last of them; a change during a mark gets its own. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { viewerMarker } from '../../../../src/jobs/home/index.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('the viewers marker', () => {
  it('when changes come in a burst, then the viewers are marked once, after every change of the burst', async () => {
    const marks: number[] = [];
    const changes: number[] = [];
    const { changed } = viewerMarker(async () => void marks.push(Date.now()), 250, () => {});
    for (let i = 0; i < 10; i++) {
      changes.push(Date.now());
      changed();
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(300);
    expect(marks).toHaveLength(1);
    expect(marks[0]!).toBeGreaterThanOrEqual(Math.max(...changes));
  });

  it('when a change comes while a mark runs, then another mark follows it; a failed mark is reported', async () => {
    let release!: () => void;
    const marks: number[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const { changed } = viewerMarker(async () => {
      calls += 1;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      if (calls === 2) throw new Error('redis down');
      marks.push(Date.now());
    }, 100, (err) => errors.push(err));
    changed();
    await vi.advanceTimersByTimeAsync(100);
    changed(); // the first mark is still running
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    changed();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(3);
    expect(marks).toHaveLength(2);
  });

  it('when the process closes while a mark waits, then the mark is dropped', async () => {
    let calls = 0;
    const marker = viewerMarker(async () => void (calls += 1), 100, () => {});
    marker.changed();
    marker.stop();
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toBe(0);
    marker.changed();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(1);
  });
});
