import { describe, expect, it } from 'vitest';
import {
  AWS_PUBLISHED_RATES, DEFAULT_PACE_RATES, PACED_SERVICES, defaultDriftSweepHours, gcraHold, gcraOf, gcraTake, pacedSeconds, shareOfPublished,
} from '../../../src/domain/aws-pace.js';

/** Takes tokens at `now` until one is refused; answers how many were taken. */
function drain(g: ReturnType<typeof gcraOf>, now: number, start: number | null = null): { taken: number; tat: number | null; waitMs: number } {
  let tat = start;
  for (let taken = 0; ; taken += 1) {
    const r = gcraTake(tat, now, g);
    if (r.waitMs > 0) return { taken, tat, waitMs: r.waitMs };
    tat = r.tat;
  }
}

describe('the token bucket arithmetic (GCRA)', () => {
  const g = gcraOf({ perSecond: 5, burst: 3 });

  it('when the bucket is full, then `burst` tokens go at once and the next waits one interval', () => {
    const r = drain(g, 1_000_000);
    expect(r.taken).toBe(3);
    expect(r.waitMs).toBeCloseTo(200, 6);
  });

  it('when time passes, then tokens come back at the rate and never beyond the burst', () => {
    const first = drain(g, 0);
    expect(drain(g, 200, first.tat).taken).toBe(1);
    expect(drain(g, 600, first.tat).taken).toBe(3);
    expect(drain(g, 60_000, first.tat).taken).toBe(3);
  });

  it('when a steady caller takes as soon as allowed for a minute, then it gets the burst at once and one token an interval after (rate × 60 + burst, both ends counted)', () => {
    let tat: number | null = null;
    let now = 0;
    let taken = 0;
    while (now <= 60_000) {
      const r = gcraTake(tat, now, g);
      if (r.waitMs === 0) {
        tat = r.tat;
        taken += 1;
      } else {
        now += r.waitMs;
      }
    }
    expect(taken).toBe(5 * 60 + 3);
  });

  it('when AWS throttles and the bucket is held, then nothing is taken until the hold is over', () => {
    const held = gcraHold(null, 0, 5_000, g);
    expect(gcraTake(held, 4_999, g).waitMs).toBeGreaterThan(0);
    expect(gcraTake(held, 5_000, g).waitMs).toBe(0);
    // A hold never shortens a wait already owed.
    expect(gcraHold(100_000, 0, 5_000, g)).toBe(100_000);
  });
});

describe('the defaults and the sums the benchmarks use', () => {
  it('when a service publishes a rate, then the default is at most half of it; every service has a source', () => {
    const shares = shareOfPublished(DEFAULT_PACE_RATES);
    for (const s of PACED_SERVICES) {
      expect(AWS_PUBLISHED_RATES[s].source).not.toBe('');
      if (shares[s] !== null) expect(shares[s]).toBeLessThanOrEqual(0.5);
    }
  });

  it('when calls are spread over several services, then the slowest bucket sets the time', () => {
    const rates = { ...DEFAULT_PACE_RATES, iam: { perSecond: 5, burst: 5 }, transfer: { perSecond: 10, burst: 10 } };
    expect(pacedSeconds({ iam: 505, transfer: 510 }, rates)).toBe(100);
    expect(pacedSeconds({}, rates)).toBe(0);
  });

  it('when platform events are on, then the drift sweep is the 6-hourly safety net; alone it is hourly', () => {
    expect(defaultDriftSweepHours(true)).toBe(6);
    expect(defaultDriftSweepHours(false)).toBe(1);
  });
});
