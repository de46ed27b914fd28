/**
 * The pickup deadlines' keys (docs/pickups.md "Deadlines"), beside the pickup store's: which open
 * deliveries wait for their deadline, which were reminded (once each), which are overdue, and the
 * digest's day. The open deliveries themselves are the pickup store's (`P:pk:open-all`), read here.
 *
 * | key | type | what |
 * | `P:pk:dl-cursor` | string | delivered ms up to which `open-all` was taken in |
 * | `P:pk:deadlines` | zset | `<partnerId>\t<dh>` → deadline ms: open, not yet past it |
 * | `P:pk:reminded:<dh>` | string | JSON of the reminder: sent (400 d) |
 * | `P:pk:overdue` | zset | `<partnerId>\t<dh>` → deadline ms: reminded and still open |
 * | `P:pk:digest:<day>` | string | the day's digest was posted (3 d) |
 */
import type { Redis } from 'ioredis';
import { pickupKeys } from './pickups.js';

const REMINDED_TTL_SECONDS = 400 * 86_400;
const DIGEST_MARK_TTL_SECONDS = 3 * 86_400;

export interface TrackedDelivery {
  partnerId: string;
  dh: string;
  /** The deadline (in `deadlines` and `overdue`) or the delivered time (in `open-all`), ms. */
  ms: number;
}

export const memberOf = (partnerId: string, dh: string): string => `${partnerId}\t${dh}`;

function entries(flat: string[]): TrackedDelivery[] {
  const out: TrackedDelivery[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const [partnerId, dh] = flat[i]!.split('\t') as [string, string];
    out.push({ partnerId, dh, ms: Number(flat[i + 1]) });
  }
  return out;
}

export class DeadlineStore {
  private readonly openAll: string;
  private readonly k: {
    cursor: string; deadlines: string; overdue: string; reminded: (dh: string) => string; digest: (day: string) => string;
  };

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.openAll = pickupKeys(prefix).openAll();
    this.k = {
      cursor: `${prefix}:pk:dl-cursor`,
      deadlines: `${prefix}:pk:deadlines`,
      overdue: `${prefix}:pk:overdue`,
      reminded: (dh) => `${prefix}:pk:reminded:${dh}`,
      digest: (day) => `${prefix}:pk:digest:${day}`,
    };
  }

  async cursor(): Promise<number> {
    return Number((await this.redis.get(this.k.cursor)) ?? 0);
  }

  /** Moves the cursor forward only (two sweeps racing never move it back). */
  async advanceCursor(ms: number): Promise<void> {
    await this.redis.eval(
      "local c = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end return 1",
      1, this.k.cursor, ms,
    );
  }

  /** Open deliveries delivered after `afterMs` (exclusive), oldest first. */
  async openAfter(afterMs: number, limit: number): Promise<TrackedDelivery[]> {
    return entries(await this.redis.zrangebyscore(this.openAll, `(${afterMs}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit));
  }

  /** Open deliveries delivered in [fromMs, toMs], oldest first (the look back for late records). */
  async openBetween(fromMs: number, toMs: number, limit: number): Promise<TrackedDelivery[]> {
    return entries(await this.redis.zrangebyscore(this.openAll, fromMs, toMs, 'WITHSCORES', 'LIMIT', 0, limit));
  }

  /** Whether each delivery is still open (not picked up, not closed). */
  async stillOpen(items: readonly { partnerId: string; dh: string }[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const scores = await this.redis.zmscore(this.openAll, ...items.map((i) => memberOf(i.partnerId, i.dh)));
    return scores.map((s) => s !== null);
  }

  /** Which of these deliveries are tracked already or were reminded (so not taken in again). */
  async known(items: readonly { partnerId: string; dh: string }[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const [tracked, reminded] = await Promise.all([
      this.redis.zmscore(this.k.deadlines, ...items.map((i) => memberOf(i.partnerId, i.dh))),
      this.redis.mget(...items.map((i) => this.k.reminded(i.dh))),
    ]);
    return items.map((_, n) => tracked[n] !== null || reminded[n] !== null);
  }

  /** Waits for these deadlines (kept if already there). */
  async track(items: readonly TrackedDelivery[]): Promise<void> {
    if (items.length === 0) return;
    await this.redis.zadd(this.k.deadlines, 'NX', ...items.flatMap((i) => [i.ms, memberOf(i.partnerId, i.dh)]));
  }

  async untrack(partnerId: string, dh: string): Promise<void> {
    await this.redis.zrem(this.k.deadlines, memberOf(partnerId, dh));
  }

  /** Deadlines passed at `nowMs`, the earliest first. */
  async due(nowMs: number, limit: number): Promise<TrackedDelivery[]> {
    return entries(await this.redis.zrangebyscore(this.k.deadlines, '-inf', nowMs, 'WITHSCORES', 'LIMIT', 0, limit));
  }

  /** The deadline a delivery waits for, if tracked. */
  async deadlineOf(partnerId: string, dh: string): Promise<number | null> {
    const s = await this.redis.zscore(this.k.deadlines, memberOf(partnerId, dh));
    return s === null ? null : Number(s);
  }

  /**
   * Marks the delivery reminded, once: true for the first caller only. Set before the reminder is
   * queued, so duplicated or overlapping sweeps post it once (a crash between the two loses that
   * one reminder; the digest still lists the file).
   */
  async markReminded(dh: string, what: Record<string, unknown>): Promise<boolean> {
    return (await this.redis.set(this.k.reminded(dh), JSON.stringify(what), 'EX', REMINDED_TTL_SECONDS, 'NX')) === 'OK';
  }

  async reminded(dh: string): Promise<Record<string, unknown> | null> {
    const raw = await this.redis.get(this.k.reminded(dh));
    return raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
  }

  /** Past its deadline and reminded: overdue until picked up or closed. Leaves the deadlines set in the same step. */
  async markOverdue(item: TrackedDelivery): Promise<void> {
    const m = memberOf(item.partnerId, item.dh);
    await this.redis.multi().zadd(this.k.overdue, item.ms, m).zrem(this.k.deadlines, m).exec();
  }

  /** Overdue deliveries, the earliest deadline first. */
  async overdue(limit: number): Promise<TrackedDelivery[]> {
    return entries(await this.redis.zrange(this.k.overdue, 0, limit - 1, 'WITHSCORES'));
  }

  /** Every overdue delivery's member (`<partnerId>\t<dh>`), for counts per partner. */
  async overdueMembers(): Promise<string[]> {
    return this.redis.zrange(this.k.overdue, 0, -1);
  }

  async overdueCount(): Promise<number> {
    return this.redis.zcard(this.k.overdue);
  }

  /** Drops overdue entries that were picked up or closed since (at most `limit` looked at); answers how many. */
  async pruneOverdue(limit: number): Promise<number> {
    const items = await this.overdue(limit);
    const open = await this.stillOpen(items);
    const gone = items.filter((_, n) => !open[n]).map((i) => memberOf(i.partnerId, i.dh));
    if (gone.length > 0) await this.redis.zrem(this.k.overdue, ...gone);
    return gone.length;
  }

  /** True the first time for the day: the digest is posted once a day. */
  async markDigest(day: string): Promise<boolean> {
    return (await this.redis.set(this.k.digest(day), '1', 'EX', DIGEST_MARK_TTL_SECONDS, 'NX')) === 'OK';
  }
}
