/**
 * What the delivery pipeline remembers in Redis (docs/architecture.md "Delivery"):
 *
 *   P:dl:dispatched:<vh>       string  (key, version) was dispatched; reports of it were made (400 d)
 *   P:dl:done:<dh>             string  JSON receipt: (key, version, partner) was delivered (400 d)
 *   P:dl:parked:<partnerId>    hash    dh → deliver payload JSON, waiting for the partner to go LIVE
 *   P:dl:fanout:<vh>           hash    a feed fan-out's counters and per-partner outcomes (30 d)
 *   P:dl:fanout-failures:<vh>  list    "partner\terror" of the fan-out's failed deliveries (30 d)
 *   P:dl:history:<partnerId>   list    JSON receipts and failures, newest first, the last 1,000
 *   P:dl:rcpt:<partnerId>      list    receipts waiting to be posted to the partner's thread, together
 *   P:dl:rcpt-flush:<partnerId> string set while a flush job for that list is scheduled (TTL)
 *   P:dl:rcpt-gen              string  counter behind flush job ids
 *   P:dl:marker                hash    object key → "etag|lastModified|size|versionTag" seen by the poller
 *   P:dl:failed:<dh>           string  JSON {partnerId, key}: what a Resend button re-sends (30 d)
 *   P:dl:last-delivered        hash    partner id → when its last delivery was recorded (the Home)
 *   P:dl:recent                list    JSON failures and forced re-sends, platform-wide, the last 50 (the Home)
 *
 * vh = sha256(key, versionTag)[:32]; dh = sha256(key, versionTag, partnerId)[:40]. Keys that must
 * change together are changed by one Lua script.
 */
import type { Redis } from 'ioredis';
import { normalizeEtag, type DeliveryRecord } from '../domain/delivery.js';
import { partnerKeys } from './partners.js';
import { PUSH_AND_FLAG, runScript } from './run-script.js';

export const DELIVERY_RECORD_TTL_SECONDS = 400 * 24 * 3600;
export const FANOUT_TTL_SECONDS = 30 * 24 * 3600;
export const FAILED_TTL_SECONDS = 30 * 24 * 3600;
export const HISTORY_LENGTH = 1000;

export const deliveryKeys = (prefix: string) => ({
  dispatched: (vh: string) => `${prefix}:dl:dispatched:${vh}`,
  done: (dh: string) => `${prefix}:dl:done:${dh}`,
  parked: (partnerId: string) => `${prefix}:dl:parked:${partnerId}`,
  fanout: (vh: string) => `${prefix}:dl:fanout:${vh}`,
  fanoutFailures: (vh: string) => `${prefix}:dl:fanout-failures:${vh}`,
  history: (partnerId: string) => `${prefix}:dl:history:${partnerId}`,
  receipts: (partnerId: string) => `${prefix}:dl:rcpt:${partnerId}`,
  receiptFlush: (partnerId: string) => `${prefix}:dl:rcpt-flush:${partnerId}`,
  receiptGen: () => `${prefix}:dl:rcpt-gen`,
  marker: () => `${prefix}:dl:marker`,
  failed: (dh: string) => `${prefix}:dl:failed:${dh}`,
  /** partner id → when its last delivery was recorded (the Home's "last delivery"). */
  lastDelivered: () => `${prefix}:dl:last-delivered`,
  /** The platform's last failed deliveries and forced re-sends, newest first (the Home). */
  recent: () => `${prefix}:dl:recent`,
});

/** How many failures and re-sends `P:dl:recent` keeps. */
export const RECENT_LENGTH = 50;



// KEYS: live set, parked hash; ARGV: partnerId, dh, payload
const PARK = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

// KEYS: fanout hash, failures list; ARGV: partnerId, outcome, failure line, ttl
// Returns {settled now (0/1), delivered, failed, total, summarize (0/1)}
const FANOUT_SETTLE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0, 0, 0} end
local fresh = redis.call('HSETNX', KEYS[1], 'p:' .. ARGV[1], ARGV[2])
if fresh == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
  if ARGV[2] == 'failed' then
    redis.call('RPUSH', KEYS[2], ARGV[3])
    redis.call('EXPIRE', KEYS[2], ARGV[4])
  end
end
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
local failed = tonumber(redis.call('HGET', KEYS[1], 'failed') or '0')
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
local summarize = 0
if delivered + failed >= total and redis.call('HSETNX', KEYS[1], 'summarized', '1') == 1 then summarize = 1 end
return {fresh, delivered, failed, total, summarize}
`;

// KEYS: receipts list, flush flag, gen counter; ARGV: how many were posted.
// Drops the posted receipts; when more arrived meanwhile, returns the generation of the next flush job.
const ACK_RECEIPTS = `
redis.call('LTRIM', KEYS[1], tonumber(ARGV[1]), -1)
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
local gen = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[2], gen, 'KEEPTTL')
return gen
`;

// KEYS: history, last delivered, recent; ARGV: entry, length, partner id, when, delivered ('1' | '0'),
// failed or forced ('1' | '0'), recent length
const PUSH_HISTORY = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[5] == '1' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
if ARGV[6] == '1' then
  redis.call('LPUSH', KEYS[3], ARGV[1])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[7]) - 1)
end
return 1
`;

const historyArgs = (r: DeliveryRecord, json: string): (string | number)[] => [
  json, HISTORY_LENGTH, r.partnerId, r.at, r.outcome === 'delivered' ? '1' : '0', r.outcome === 'failed' || r.forcedBy !== undefined ? '1' : '0', RECENT_LENGTH,
];

export interface FanoutState {
  feed: string;
  key: string;
  total: number;
  parked: number;
  quiet: boolean;
}

export interface FanoutSettled {
  delivered: number;
  failed: number;
  total: number;
  /** True for exactly one caller: the one that settled the last delivery. */
  summarize: boolean;
}

function settledOf(r: number[]): FanoutSettled {
  return { delivered: r[1] ?? 0, failed: r[2] ?? 0, total: r[3] ?? 0, summarize: r[4] === 1 };
}

export class DeliveryStore {
  readonly k: ReturnType<typeof deliveryKeys>;
  private readonly liveKey: string;
  private readonly allKey: string;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = deliveryKeys(prefix);
    this.liveKey = partnerKeys(prefix).live();
    this.allKey = partnerKeys(prefix).all();
  }

  /** True the first time a (key, version) is marked dispatched. */
  async markDispatched(vh: string): Promise<boolean> {
    return (await this.redis.set(this.k.dispatched(vh), '1', 'EX', DELIVERY_RECORD_TTL_SECONDS, 'NX')) === 'OK';
  }

  async wasDispatched(vh: string): Promise<boolean> {
    return (await this.redis.exists(this.k.dispatched(vh))) === 1;
  }

  /**
   * Restores the marks of a delivery found in the bucket after Redis was lost (`reconcile
   * --rebuild`): its done record and its version's dispatched mark, each only where missing, so a
   * poll that finds the version again neither dispatches nor copies it. True when the done record was missing.
   */
  async restoreDelivered(vh: string, dh: string, record: DeliveryRecord): Promise<boolean> {
    const results = await this.redis
      .multi()
      .set(this.k.done(dh), JSON.stringify(record), 'EX', DELIVERY_RECORD_TTL_SECONDS, 'NX')
      .set(this.k.dispatched(vh), '1', 'EX', DELIVERY_RECORD_TTL_SECONDS, 'NX')
      .exec();
    if (!results) throw new Error('delivery restore transaction aborted');
    for (const [err] of results) if (err) throw err;
    return results[0]![1] === 'OK';
  }

  async delivered(dh: string): Promise<DeliveryRecord | null> {
    const raw = await this.redis.get(this.k.done(dh));
    return raw ? (JSON.parse(raw) as DeliveryRecord) : null;
  }

  /**
   * A finished delivery in one transaction: its done record, its history entry and (unless the
   * delivery is quiet) its receipt. A crash before it re-runs the idempotent copy; after it, nothing
   * is lost or repeated. Returns the generation of the receipt flush job to schedule, or null when
   * one is already scheduled (or the delivery is quiet).
   */
  async recordDelivery(
    dh: string, record: DeliveryRecord, receipt: { flagTtlSeconds: number } | null, fanout: string | null = null,
  ): Promise<{ flushGen: number | null; fanout: FanoutSettled | null }> {
    const json = JSON.stringify(record);
    const p = record.partnerId;
    const tx = this.redis
      .multi()
      .set(this.k.done(dh), json, 'EX', DELIVERY_RECORD_TTL_SECONDS)
      .eval(PUSH_HISTORY, 3, ...this.historyKeys(p), ...historyArgs(record, json));
    if (receipt) tx.eval(PUSH_AND_FLAG, 3, this.k.receipts(p), this.k.receiptFlush(p), this.k.receiptGen(), json, receipt.flagTtlSeconds);
    if (fanout !== null) tx.eval(FANOUT_SETTLE, 2, this.k.fanout(fanout), this.k.fanoutFailures(fanout), p, 'delivered', `${p}\t`, FANOUT_TTL_SECONDS);
    const results = await tx.exec();
    if (!results) throw new Error('delivery record transaction aborted');
    for (const [err] of results) if (err) throw err;
    const gen = receipt ? (results[2]![1] as number) : 0;
    return { flushGen: gen === 0 ? null : gen, fanout: fanout !== null ? settledOf(results.at(-1)![1] as number[]) : null };
  }

  /**
   * Parks a delivery for a partner that is not LIVE; atomically with a look at the live set, so a
   * partner that went LIVE in between is never left with a parked delivery. False: it is LIVE now.
   */
  async park(partnerId: string, dh: string, payload: unknown): Promise<boolean> {
    return (await runScript(this.redis, PARK, [this.liveKey, this.k.parked(partnerId)], [partnerId, dh, JSON.stringify(payload)])) === 1;
  }

  /** Deliveries parked for every partner that is not LIVE (the operators' gauge): one SDIFF and one pipelined HLEN each. */
  async parkedCount(): Promise<number> {
    const ids = await this.redis.sdiff(this.allKey, this.liveKey);
    if (ids.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hlen(this.k.parked(id));
    let total = 0;
    for (const [err, n] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      total += Number(n);
    }
    return total;
  }

  async parked(partnerId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k.parked(partnerId))));
  }

  /** Removes released entries (after their jobs were queued: a crash in between releases them again). */
  async unpark(partnerId: string, dhs: string[]): Promise<void> {
    if (dhs.length > 0) await this.redis.hdel(this.k.parked(partnerId), ...dhs);
  }

  async startFanout(vh: string, state: FanoutState): Promise<void> {
    const key = this.k.fanout(vh);
    await this.redis
      .multi()
      .hsetnx(key, 'total', String(state.total))
      .hsetnx(key, 'parked', String(state.parked))
      .hsetnx(key, 'feed', state.feed)
      .hsetnx(key, 'key', state.key)
      .hsetnx(key, 'quiet', state.quiet ? '1' : '0')
      .expire(key, FANOUT_TTL_SECONDS)
      .exec();
  }

  async fanout(vh: string): Promise<(FanoutState & { delivered: number; failed: number }) | null> {
    const h = await this.redis.hgetall(this.k.fanout(vh));
    if (h['total'] === undefined) return null;
    return {
      feed: h['feed'] ?? '', key: h['key'] ?? '', total: Number(h['total']), parked: Number(h['parked'] ?? 0),
      quiet: h['quiet'] === '1', delivered: Number(h['delivered'] ?? 0), failed: Number(h['failed'] ?? 0),
    };
  }

  /** Records one partner's outcome in a fan-out, once per partner. */
  async settleFanout(vh: string, partnerId: string, outcome: 'delivered' | 'failed', error?: string): Promise<FanoutSettled> {
    const line = `${partnerId}\t${error ?? ''}`;
    return settledOf((await runScript(this.redis, FANOUT_SETTLE, [this.k.fanout(vh), this.k.fanoutFailures(vh)], [partnerId, outcome, line, FANOUT_TTL_SECONDS])) as number[]);
  }

  async fanoutFailures(vh: string): Promise<{ partnerId: string; error: string }[]> {
    const lines = await this.redis.lrange(this.k.fanoutFailures(vh), 0, -1);
    return lines.map((l) => {
      const tab = l.indexOf('\t');
      return { partnerId: l.slice(0, tab), error: l.slice(tab + 1) };
    });
  }

  async pushHistory(record: DeliveryRecord): Promise<void> {
    await runScript(this.redis, PUSH_HISTORY, this.historyKeys(record.partnerId), historyArgs(record, JSON.stringify(record)));
  }

  private historyKeys(partnerId: string): string[] {
    return [this.k.history(partnerId), this.k.lastDelivered(), this.k.recent()];
  }

  /** When each partner's last delivery was recorded (by id; absent: none), in one HMGET. */
  async lastDelivered(partnerIds: readonly string[]): Promise<Map<string, string>> {
    if (partnerIds.length === 0) return new Map();
    const at = await this.redis.hmget(this.k.lastDelivered(), ...partnerIds);
    return new Map(partnerIds.flatMap((id, i) => (at[i] ? [[id, at[i]!] as const] : [])));
  }

  /** The platform's last failed deliveries and forced re-sends, newest first. */
  async recent(count: number): Promise<DeliveryRecord[]> {
    return (await this.redis.lrange(this.k.recent(), 0, count - 1)).map((r) => JSON.parse(r) as DeliveryRecord);
  }

  async history(partnerId: string, count: number): Promise<DeliveryRecord[]> {
    const raw = await this.redis.lrange(this.k.history(partnerId), 0, count - 1);
    return raw.map((r) => JSON.parse(r) as DeliveryRecord);
  }

  /** The receipts waiting for the partner's thread, oldest first (at most `max`). */
  async peekReceipts(partnerId: string, max: number): Promise<DeliveryRecord[]> {
    const raw = await this.redis.lrange(this.k.receipts(partnerId), 0, max - 1);
    return raw.map((r) => JSON.parse(r) as DeliveryRecord);
  }

  /** The generation of the partner's scheduled receipt flush, or null when none is flagged. */
  async pendingReceiptFlush(partnerId: string): Promise<number | null> {
    const gen = Number(await this.redis.get(this.k.receiptFlush(partnerId)));
    return Number.isSafeInteger(gen) && gen > 0 ? gen : null;
  }

  /**
   * Drops the first `count` receipts once they were handed to the notify queue. Returns the
   * generation of the next flush job when more receipts arrived meanwhile, else null (and the
   * flush flag is cleared, so the next receipt schedules a new flush).
   */
  async ackReceipts(partnerId: string, count: number): Promise<number | null> {
    const gen = (await runScript(this.redis, ACK_RECEIPTS, [this.k.receipts(partnerId), this.k.receiptFlush(partnerId), this.k.receiptGen()], [count])) as number;
    return gen === 0 ? null : gen;
  }

  /** Poll markers: what the poller last saw of each key. */
  async markers(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.redis.hmget(this.k.marker(), ...keys);
  }

  async setMarkers(entries: [string, string][]): Promise<void> {
    if (entries.length > 0) await this.redis.hset(this.k.marker(), Object.fromEntries(entries));
  }

  /** Forgets the markers of keys that are gone (not in `present`). Returns how many were removed. */
  async pruneMarkers(present: Set<string>): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, flat] = await this.redis.hscan(this.k.marker(), cursor, 'COUNT', 1000);
      cursor = next;
      const gone: string[] = [];
      for (let i = 0; i < flat.length; i += 2) if (!present.has(flat[i]!)) gone.push(flat[i]!);
      if (gone.length > 0) removed += await this.redis.hdel(this.k.marker(), ...gone);
    } while (cursor !== '0');
    return removed;
  }

  async rememberFailure(dh: string, what: { partnerId: string; key: string }): Promise<void> {
    await this.redis.set(this.k.failed(dh), JSON.stringify(what), 'EX', FAILED_TTL_SECONDS);
  }

  async failure(dh: string): Promise<{ partnerId: string; key: string } | null> {
    const raw = await this.redis.get(this.k.failed(dh));
    return raw ? (JSON.parse(raw) as { partnerId: string; key: string }) : null;
  }
}

/** The poller's cheap per-key marker: what ListObjectsV2 shows of a key, plus the version HeadObject gave. */
export interface MarkerFields {
  etag: string;
  lastModified: Date | undefined;
  size: number;
}

const markerHead = (m: MarkerFields): string => `${normalizeEtag(m.etag)}|${m.lastModified?.getTime() ?? ''}|${m.size}|`;

export function formatMarker(m: MarkerFields, versionId: string | undefined): string {
  return markerHead(m) + (versionId ?? '');
}

/** The version id recorded with a marker that still matches the listing; undefined when it does not match. */
export function markerVersion(stored: string | null | undefined, listed: MarkerFields): { versionId: string | undefined } | undefined {
  if (stored === null || stored === undefined) return undefined;
  const head = markerHead(listed);
  if (!stored.startsWith(head)) return undefined;
  const v = stored.slice(head.length);
  return { versionId: v === '' ? undefined : v };
}
