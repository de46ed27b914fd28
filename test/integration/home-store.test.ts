/**
 * The App Home publisher's store (src/store/home.ts) on the real Redis: a person's mark time travels
 * with them from the mark to the build, so their Home is built from stores read after the change
 * that marked it — also when they were already due sooner, and when a publish must wait.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { HomeStore } from '../../src/store/home.js';
import { redisPerTest } from '../support/redis-per-test.js';

const db = redisPerTest();
let store: HomeStore;
beforeEach(() => {
  store = new HomeStore(db.redis, db.prefix);
});

const change = { windowMs: 400, delayMs: 100, viewerAgeMs: 0 };

describe('the Home store', () => {
  it('when a person already due sooner is marked again by a change, then they keep the earlier turn but carry the later mark', async () => {
    const first = await store.mark(['U1'], { nowMs: 1_000, windowMs: 0, delayMs: 0, viewerAgeMs: 0 });
    expect(first).toEqual({ addJob: true, gen: '1' });
    await store.mark(['U1'], { nowMs: 1_050, ...change });
    // Due at 1,000 still (the earlier turn), but built from stores read after 1,050.
    expect(await store.next('1', 1_060)).toEqual({ kind: 'user', user: 'U1', markedAtMs: 1_050 });
    expect(await store.next('1', 1_060)).toEqual({ kind: 'done' });
  });

  it('when every viewer is marked, then each carries the mark; a mark never moves back in time', async () => {
    await store.opened('U1', 900);
    await store.opened('U2', 950);
    await store.mark([], { nowMs: 2_000, ...change, viewerAgeMs: 86_400_000 });
    await store.mark(['U2'], { nowMs: 1_500, windowMs: 0, delayMs: 0, viewerAgeMs: 0 });
    const taken = [await store.next('1', 3_000), await store.next('1', 3_000)];
    expect(taken).toEqual(expect.arrayContaining([
      { kind: 'user', user: 'U1', markedAtMs: 2_000 },
      { kind: 'user', user: 'U2', markedAtMs: 2_000 },
    ]));
  });

  it('when a publish must wait, then the person goes back with their mark, unless a later mark came meanwhile', async () => {
    await store.mark(['U1', 'U2'], { nowMs: 1_000, windowMs: 0, delayMs: 0, viewerAgeMs: 0 });
    const u1 = await store.next('1', 1_000);
    const u2 = await store.next('1', 1_000);
    expect([u1, u2].map((n) => n.kind === 'user' && n.markedAtMs)).toEqual([1_000, 1_000]);
    await store.mark(['U2'], { nowMs: 1_200, windowMs: 0, delayMs: 0, viewerAgeMs: 0 });
    await store.again('U1', 1_500, 1_000);
    await store.again('U2', 1_500, 1_000);
    const back = [await store.next('1', 2_000), await store.next('1', 2_000)];
    expect(back).toEqual(expect.arrayContaining([
      { kind: 'user', user: 'U1', markedAtMs: 1_000 },
      { kind: 'user', user: 'U2', markedAtMs: 1_200 },
    ]));
  });
});
