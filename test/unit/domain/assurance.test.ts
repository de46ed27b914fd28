import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dueForProof, neighbourOf, type ProofState } from '../../../src/domain/assurance.js';

const HOUR = 3_600_000;
const now = new Date('2026-12-06T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

describe('which partners are re-proven on a tick', () => {
  it('when 100 partners are spread over 24 hours in 15-minute ticks, then 2 a tick are taken, the ones proven longest ago, never-proven first', () => {
    const partners: ProofState[] = Array.from({ length: 100 }, (_, i) => ({ partnerId: `p${String(i).padStart(3, '0')}`, provenAt: ago(i * 10 * 60_000) }));
    partners.push({ partnerId: 'fresh', provenAt: '' });
    expect(dueForProof(partners, { now, intervalMs: 24 * HOUR, tickMs: 15 * 60_000 })).toEqual(['fresh', 'p099']);
  });

  it('when ticks follow one another, then every partner is proven within the interval', () => {
    const tickMs = 15 * 60_000;
    const intervalMs = 24 * HOUR;
    const state = new Map<string, string>(Array.from({ length: 500 }, (_, i) => [`p${i}`, ago((i % 7) * HOUR)]));
    const lastProof = new Map<string, number>();
    for (let t = 0; t < (2 * intervalMs) / tickMs; t += 1) {
      const at = new Date(now.getTime() + t * tickMs);
      for (const id of dueForProof([...state].map(([partnerId, provenAt]) => ({ partnerId, provenAt })), { now: at, intervalMs, tickMs })) {
        const previous = lastProof.get(id);
        if (previous !== undefined) expect(at.getTime() - previous).toBeLessThanOrEqual(intervalMs);
        lastProof.set(id, at.getTime());
        state.set(id, at.toISOString());
      }
    }
    expect(lastProof.size).toBe(500);
  });

  it('when a partner was proven within the last tick, then it is not taken again, whatever the quota', () => {
    expect(dueForProof([{ partnerId: 'a', provenAt: ago(60_000) }], { now, intervalMs: HOUR, tickMs: 15 * 60_000 })).toEqual([]);
    expect(dueForProof([], { now, intervalMs: HOUR, tickMs: 15 * 60_000 })).toEqual([]);
  });
});

describe('whose home a partner’s probes find closed', () => {
  it('when other partners are live, then it is the next id after its own, wrapping round to the first; whether the partner itself is live or not', () => {
    const live = ['acme', 'globex', 'initech'];
    expect(neighbourOf('acme', live)).toBe('globex');
    expect(neighbourOf('globex', live)).toBe('initech');
    expect(neighbourOf('initech', live)).toBe('acme');
    expect(neighbourOf('hooli', live)).toBe('initech'); // being verified: not live yet
    expect(neighbourOf('zeta', live)).toBe('acme');
    expect(neighbourOf('aaa', live)).toBe('acme');
  });

  it('when no other partner is live, then there is none (the stand-ins alone)', () => {
    expect(neighbourOf('acme', [])).toBeNull();
    expect(neighbourOf('acme', ['acme'])).toBeNull();
    expect(neighbourOf('globex', ['acme'])).toBe('acme');
  });

  it('when every live partner takes its neighbour, then every live home is some partner’s neighbour', () => {
    const live = Array.from({ length: 50 }, (_, i) => `p${(i * 37) % 101}`).sort();
    expect(new Set(live.map((id) => neighbourOf(id, live)))).toEqual(new Set(live));
  });

  it('when any set of live ids and any partner, then the search finds what a scan of every id finds: a live id other than its own, the next after it or else the first', () => {
    const scan = (id: string, ids: readonly string[]) => {
      const others = ids.filter((x) => x !== id);
      return others.find((x) => x > id) ?? others[0] ?? null;
    };
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,6}$/), { maxLength: 40 }), fc.stringMatching(/^[a-z0-9-]{1,6}$/), (ids, id) => {
      const sorted = [...ids].sort();
      expect(neighbourOf(id, sorted)).toBe(scan(id, sorted));
      for (const member of sorted) expect(neighbourOf(member, sorted)).toBe(scan(member, sorted));
    }));
  });
});
