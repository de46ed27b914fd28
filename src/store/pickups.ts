/**
 * What proof of pickup remembers in Redis (docs/pickups.md "The store"):
 *
 *   P:pk:file:<dh>               string  JSON DeliveredFile: a delivery as pickups see it (400 d)
 *   P:pk:dl:<partnerId>:<kh>     hash    `e:<ETag>` → dh of each delivered version of the key, `f:<dh>`
 *                                        → its DeliveredFile JSON; `latest` → dh, `latest-ms` its
 *                                        delivery time (400 d): one key answers an event's lookup
 *   P:pk:open:<partnerId>        zset    dh → delivered ms: deliveries not yet picked up
 *   P:pk:open-all                zset    "<partnerId>\t<dh>" → delivered ms: the same, every partner
 *   P:pk:first:<dh>              string  JSON of the delivery's first complete pickup (400 d)
 *   P:pk:ranges:<dh>             hash    `b:<session>` → bytes of ranged GETs; `line:<session>` once a
 *                                        failure line was queued (7 d)
 *   P:pk:seen:<id>               string  the pickup was recorded (30 d): the dh it was matched to, or `-`
 *   P:pk:key:<partnerId>:<kh>    list    the key's pickups, newest first, the last 100 (400 d)
 *   P:pk:history:<partnerId>     list    the partner's pickups, newest first, the last 1,000
 *   P:pk:last:<partnerId>        string  JSON of the partner's newest complete pickup
 *   P:pk:early:<partnerId>:<kh>  list    "etag\tms\tJSON" of unmatched pickups waiting for their delivery (1 d)
 *   P:pk:fanout:<vh>             set     partners with a complete pickup of the fan-out's file (30 d)
 *   P:pk:lines:<thread>          list    lines waiting for the thread's next Slack call
 *   P:pk:sent:<thread>           string  ms of the thread's last Slack call
 *   P:pk:due                     zset    thread → ms its lines are due (a lease while being flushed)
 *
 * kh = sha256(targetKey)[:32]. Times given as `nowMs` come from the caller's clock (tests inject
 * it). Keys that change with a pickup change in one Lua script.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PickupRecord } from '../domain/pickup-events.js';
import { deliveryKeys, DELIVERY_RECORD_TTL_SECONDS, FANOUT_TTL_SECONDS } from './deliveries.js';
import { mgetMany } from './mget-many.js';
import { runScript } from './run-script.js';

export const PICKUP_SEEN_TTL_SECONDS = 30 * 24 * 3600;
export const EARLY_TTL_SECONDS = 24 * 3600;
export const RANGES_TTL_SECONDS = 7 * 24 * 3600;
export const KEY_PICKUPS_KEPT = 100;
export const PICKUP_HISTORY_LENGTH = 1000;
/** An early pickup without an ETag matches a delivery recorded at most this long after it. */
export const EARLY_NO_ETAG_WINDOW_MS = 60_000;

/** A delivery as pickups see it: written by the deliver job after its delivery record. */
export interface DeliveredFile {
  dh: string;
  partnerId: string;
  /** The source key under the outbound prefix and its version. */
  key: string;
  versionId: string | null;
  targetKey: string;
  /** The copy's ETag (quotes removed), when S3 answered one. */
  etag: string | null;
  size: number | null;
  /** When the delivery was recorded (ISO). */
  at: string;
  feed: string | null;
  /** The fan-out (vh) it counted towards. */
  fanout: string | null;
  /** A delivery of a fan-out above FANOUT_THREAD_THRESHOLD: no receipt in the thread. */
  quiet: boolean;
}

export interface OpenDelivery {
  partnerId: string;
  dh: string;
  deliveredMs: number;
}

/** Which thread a recorded pickup queues a line for, and when. */
export interface PickupLine {
  /** `p:<partnerId>` (the partner's thread) or `f:<vh>` (the fan-out summary). */
  thread: string;
  /** `first`: only if this is the delivery's first complete pickup; `failure`: only if it has none
   *  yet, once per session; `fanout`: like first, and only once the fan-out's summary was posted. */
  when: 'first' | 'failure' | 'fanout';
  /** What the flush is given: `=` for the record as stored (a ranged GET may complete it). */
  text: string;
}

export type RecordOutcome =
  | { kind: 'duplicate' }
  | {
      kind: 'recorded';
      /** The stored record (a ranged GET that completed the object says complete). */
      record: PickupRecord;
      firstComplete: boolean;
      /** A line was queued; `dueMs` is when its thread's flush is due. */
      line: boolean;
      dueMs: number | null;
      /** Distinct partners with a complete pickup of the fan-out (null: no fan-out). */
      fanoutPickedUp: number | null;
    };

export const pickupKeys = (prefix: string) => {
  const kh = (targetKey: string) => createHash('sha256').update(targetKey).digest('hex').slice(0, 32);
  return {
    file: (dh: string) => `${prefix}:pk:file:${dh}`,
    delivered: (partnerId: string, targetKey: string) => `${prefix}:pk:dl:${partnerId}:${kh(targetKey)}`,
    open: (partnerId: string) => `${prefix}:pk:open:${partnerId}`,
    openAll: () => `${prefix}:pk:open-all`,
    first: (dh: string) => `${prefix}:pk:first:${dh}`,
    ranges: (dh: string) => `${prefix}:pk:ranges:${dh}`,
    seen: (id: string) => `${prefix}:pk:seen:${id}`,
    key: (partnerId: string, targetKey: string) => `${prefix}:pk:key:${partnerId}:${kh(targetKey)}`,
    history: (partnerId: string) => `${prefix}:pk:history:${partnerId}`,
    last: (partnerId: string) => `${prefix}:pk:last:${partnerId}`,
    early: (partnerId: string, targetKey: string) => `${prefix}:pk:early:${partnerId}:${kh(targetKey)}`,
    fanout: (vh: string) => `${prefix}:pk:fanout:${vh}`,
    lines: (thread: string) => `${prefix}:pk:lines:${thread}`,
    sent: (thread: string) => `${prefix}:pk:sent:${thread}`,
    due: () => `${prefix}:pk:due`,
  };
};

/**
 * Whether a pickup was recorded already, from what its seen mark holds (`seenState`): any record of
 * it matched to a delivery; or, for one still unmatched, a record of it at all. An early pickup
 * recorded unmatched is recorded once more, when its delivery is.
 */
export function alreadyRecorded(seen: string | null, matched: boolean): boolean {
  return seen !== null && (seen !== '-' || !matched);
}

// KEYS: file, delivered hash, open, open-all, early, first
// ARGV: file JSON, etag or '', dh, ttl, delivered ms, partnerId, early-no-etag window ms
// Returns the early entries (JSON) it matches. They stay on the list (a day): a retry after a crash
// finds them again, and the seen mark makes recording them again a duplicate.
const INDEX = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[2], 'f:' .. ARGV[3], ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], 'e:' .. ARGV[2], ARGV[3]) end
local latest = tonumber(redis.call('HGET', KEYS[2], 'latest-ms') or '-1')
local ms = tonumber(ARGV[5])
if ms >= latest then redis.call('HSET', KEYS[2], 'latest', ARGV[3], 'latest-ms', ARGV[5]) end
redis.call('EXPIRE', KEYS[2], ARGV[4])
if redis.call('EXISTS', KEYS[6]) == 0 then
  redis.call('ZADD', KEYS[3], ms, ARGV[3])
  redis.call('ZADD', KEYS[4], ms, ARGV[6] .. '\\t' .. ARGV[3])
end
local matched = {}
for _, entry in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
  local t1 = string.find(entry, '\\t', 1, true)
  local t2 = string.find(entry, '\\t', t1 + 1, true)
  local etag = string.sub(entry, 1, t1 - 1)
  local at = tonumber(string.sub(entry, t1 + 1, t2 - 1))
  local hit
  if etag ~= '' then hit = etag == ARGV[2] else hit = at >= ms - tonumber(ARGV[7]) end
  if hit then matched[#matched + 1] = string.sub(entry, t2 + 1) end
end
return matched
`;

// KEYS: delivered hash; ARGV: etag or ''. The DeliveredFile an event names: by ETag, else the latest.
const DELIVERY_OF = `
local dh
if ARGV[1] ~= '' then dh = redis.call('HGET', KEYS[1], 'e:' .. ARGV[1]) else dh = redis.call('HGET', KEYS[1], 'latest') end
if not dh then return false end
return redis.call('HGET', KEYS[1], 'f:' .. dh)
`;

// KEYS: 1 seen, 2 key list, 3 history, 4 last, 5 first, 6 open, 7 open-all, 8 ranges, 9 fan-out set,
//       10 lines, 11 sent, 12 due, 13 the fan-out's delivery hash (P:dl:fanout:<vh>), 14 early list
// ARGV: 1 record JSON, 2 complete (1/0), 3 matched (1/0), 4 dh, 5 partnerId, 6 fan-out (1/0),
//       7 line text ('=': the record as stored) or '', 8 line when, 9 thread, 10 now ms, 11 window ms,
//       12 session, 13 ranged (1/0), 14 bytes, 15 size (-1 unknown), 16 early entry prefix or ''
// Returns {0} for a duplicate, else {1, record, first complete, line, due ms or -1, fan-out count or -1}.
const RECORD = `
local seen = redis.call('GET', KEYS[1])
if seen and (seen ~= '-' or ARGV[3] ~= '1') then return {0} end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4], 'EX', ${PICKUP_SEEN_TTL_SECONDS}) else redis.call('SET', KEYS[1], '-', 'EX', ${PICKUP_SEEN_TTL_SECONDS}) end
local record, complete = ARGV[1], ARGV[2]
if ARGV[13] == '1' and ARGV[3] == '1' then
  local total = redis.call('HINCRBY', KEYS[8], 'b:' .. ARGV[12], tonumber(ARGV[14]))
  redis.call('EXPIRE', KEYS[8], ${RANGES_TTL_SECONDS})
  local size = tonumber(ARGV[15])
  if size >= 0 and total >= size and complete ~= '1' then
    local r = cjson.decode(record)
    r['outcome'] = 'complete'
    r['reason'] = cjson.null
    record = cjson.encode(r)
    complete = '1'
  end
end
if ARGV[16] ~= '' then
  redis.call('RPUSH', KEYS[14], ARGV[16] .. record)
  redis.call('LTRIM', KEYS[14], -100, -1)
  redis.call('EXPIRE', KEYS[14], ${EARLY_TTL_SECONDS})
end
redis.call('LPUSH', KEYS[2], record)
redis.call('LTRIM', KEYS[2], 0, ${KEY_PICKUPS_KEPT - 1})
redis.call('EXPIRE', KEYS[2], ${DELIVERY_RECORD_TTL_SECONDS})
redis.call('LPUSH', KEYS[3], record)
redis.call('LTRIM', KEYS[3], 0, ${PICKUP_HISTORY_LENGTH - 1})
local first = 0
if complete == '1' then
  redis.call('SET', KEYS[4], record)
  if ARGV[3] == '1' and redis.call('SET', KEYS[5], record, 'EX', ${DELIVERY_RECORD_TTL_SECONDS}, 'NX') then
    first = 1
    redis.call('ZREM', KEYS[6], ARGV[4])
    redis.call('ZREM', KEYS[7], ARGV[5] .. '\\t' .. ARGV[4])
    if ARGV[6] == '1' then
      redis.call('SADD', KEYS[9], ARGV[5])
      redis.call('EXPIRE', KEYS[9], ${FANOUT_TTL_SECONDS})
    end
  end
end
local line = 0
if ARGV[7] ~= '' then
  local when = ARGV[8]
  if when == 'first' and first == 1 then line = 1
  elseif when == 'fanout' and first == 1 and redis.call('HEXISTS', KEYS[13], 'summarized') == 1 then line = 1
  elseif when == 'failure' and complete ~= '1' and redis.call('EXISTS', KEYS[5]) == 0
    and redis.call('HSETNX', KEYS[8], 'line:' .. ARGV[12], '1') == 1 then
    redis.call('EXPIRE', KEYS[8], ${RANGES_TTL_SECONDS})
    line = 1
  end
end
local due = -1
if line == 1 then
  if ARGV[7] == '=' then redis.call('RPUSH', KEYS[10], record) else redis.call('RPUSH', KEYS[10], ARGV[7]) end
  local current = redis.call('ZSCORE', KEYS[12], ARGV[9])
  if current then
    due = tonumber(current)
  else
    local now, window = tonumber(ARGV[10]), tonumber(ARGV[11])
    local last = tonumber(redis.call('GET', KEYS[11]) or '-1')
    if last >= 0 and now - last < window then due = last + window else due = now end
    redis.call('ZADD', KEYS[12], due, ARGV[9])
  end
end
local count = -1
if ARGV[6] == '1' then count = redis.call('SCARD', KEYS[9]) end
return {1, record, first, line, due, count}
`;

// KEYS: lines, due; ARGV: thread, now ms, lease ms, max. The thread's lines when due (leased), else nil.
const TAKE = `
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
return redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
`;

// KEYS: lines, sent, due; ARGV: thread, count, now ms, window ms
const ACK = `
local count = tonumber(ARGV[2])
if count > 0 then
  redis.call('LTRIM', KEYS[1], count, -1)
  redis.call('SET', KEYS[2], ARGV[3], 'PX', tonumber(ARGV[4]) * 2)
end
if redis.call('LLEN', KEYS[1]) > 0 then
  if count > 0 then redis.call('ZADD', KEYS[3], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
  else redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) end
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
`;

const parse = <T>(raw: string | null): T | null => (raw === null ? null : (JSON.parse(raw) as T));

export class PickupStore {
  readonly k: ReturnType<typeof pickupKeys>;
  private readonly fanoutHash: (vh: string) => string;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = pickupKeys(prefix);
    this.fanoutHash = deliveryKeys(prefix).fanout;
  }

  /**
   * Records a delivery for pickups (idempotent; the deliver job calls it after its delivery record,
   * and again when it finds the delivery already recorded). Opens it unless it was picked up, and
   * answers the early pickups it matches (recorded before it, unmatched; see `alreadyRecorded`).
   */
  async indexDelivery(file: DeliveredFile): Promise<PickupRecord[]> {
    const k = this.k;
    const matched = (await runScript(
      this.redis, INDEX,
      [k.file(file.dh), k.delivered(file.partnerId, file.targetKey), k.open(file.partnerId), k.openAll(), k.early(file.partnerId, file.targetKey), k.first(file.dh)],
      [JSON.stringify(file), file.etag ?? '', file.dh, DELIVERY_RECORD_TTL_SECONDS, Date.parse(file.at), file.partnerId, EARLY_NO_ETAG_WINDOW_MS],
    )) as string[];
    return matched.map((m) => JSON.parse(m) as PickupRecord);
  }

  /** The delivered copy an event names: the delivery with that ETag, else the key's latest. One round trip. */
  async deliveryOf(partnerId: string, targetKey: string, etag: string | null): Promise<DeliveredFile | null> {
    return parse<DeliveredFile>((await runScript(this.redis, DELIVERY_OF, [this.k.delivered(partnerId, targetKey)], [etag ?? ''])) as string | null);
  }

  async file(dh: string): Promise<DeliveredFile | null> {
    return parse<DeliveredFile>(await this.redis.get(this.k.file(dh)));
  }

  /** What the pickup's seen mark holds: null (never recorded), the dh it was matched to, or `-` (unmatched). See `alreadyRecorded`. */
  async seenState(id: string): Promise<string | null> {
    return this.redis.get(this.k.seen(id));
  }

  /** The bytes a session's ranged GETs of the delivery have read so far. */
  async rangeBytes(dh: string, session: string): Promise<number> {
    return Number((await this.redis.hget(this.k.ranges(dh), `b:${session}`)) ?? 0);
  }

  /**
   * Records a pickup once (see `alreadyRecorded`), in one step: the key's and the partner's lists, the
   * partner's last pickup, the delivery's first complete pickup (closing it), a ranged GET's bytes,
   * the fan-out's set, the thread's line with its due time, and an unmatched pickup's early entry
   * (for a delivery recorded after it: `indexDelivery`). A duplicate changes nothing.
   */
  async recordPickup(p: PickupRecord, o: { line: PickupLine | null; nowMs: number; windowMs: number; ranged?: boolean }): Promise<RecordOutcome> {
    const k = this.k;
    const d = p.delivery;
    const dh = d?.dh ?? '';
    const fanout = d?.fanout ?? '';
    const thread = o.line?.thread ?? '';
    const reply = (await runScript(
      this.redis, RECORD,
      [
        k.seen(p.id), k.key(p.partnerId, p.targetKey), k.history(p.partnerId), k.last(p.partnerId), k.first(dh),
        k.open(p.partnerId), k.openAll(), k.ranges(dh), k.fanout(fanout), k.lines(thread), k.sent(thread), k.due(), this.fanoutHash(fanout),
        k.early(p.partnerId, p.targetKey),
      ],
      [
        JSON.stringify(p), p.outcome === 'complete' ? '1' : '0', d ? '1' : '0', dh, p.partnerId, fanout !== '' ? '1' : '0',
        o.line?.text ?? '', o.line?.when ?? '', thread, o.nowMs, o.windowMs, p.session,
        o.ranged ? '1' : '0', p.bytes ?? 0, p.size ?? -1, d ? '' : `${p.etag ?? ''}\t${Date.parse(p.at)}\t`,
      ],
    )) as [number, string?, number?, number?, number?, number?];
    if (reply[0] === 0) return { kind: 'duplicate' };
    const [, record, first, line, due, count] = reply;
    return {
      kind: 'recorded', record: JSON.parse(record!) as PickupRecord, firstComplete: first === 1, line: line === 1,
      dueMs: due === undefined || due < 0 ? null : due, fanoutPickedUp: count === undefined || count < 0 ? null : count,
    };
  }

  /** The key's pickups (every delivered version, matched or not), newest first. */
  async pickupsOf(partnerId: string, targetKey: string, count = KEY_PICKUPS_KEPT): Promise<PickupRecord[]> {
    return (await this.redis.lrange(this.k.key(partnerId, targetKey), 0, count - 1)).map((r) => JSON.parse(r) as PickupRecord);
  }

  async firstPickup(dh: string): Promise<PickupRecord | null> {
    return parse<PickupRecord>(await this.redis.get(this.k.first(dh)));
  }

  async lastPickup(partnerId: string): Promise<PickupRecord | null> {
    return parse<PickupRecord>(await this.redis.get(this.k.last(partnerId)));
  }

  /** When each partner's newest complete pickup was (by id; absent: none), in one pipeline. */
  async lastPickupTimes(partnerIds: readonly string[]): Promise<Map<string, string>> {
    const values = await mgetMany(this.redis, partnerIds.map((id) => this.k.last(id)));
    const out = new Map<string, string>();
    values.forEach((raw, i) => {
      const at = parse<PickupRecord>(raw)?.at;
      if (at) out.set(partnerIds[i]!, at);
    });
    return out;
  }

  async history(partnerId: string, count: number): Promise<PickupRecord[]> {
    return (await this.redis.lrange(this.k.history(partnerId), 0, count - 1)).map((r) => JSON.parse(r) as PickupRecord);
  }

  /** The partner's deliveries not picked up yet, oldest first. */
  async openDeliveries(partnerId: string): Promise<OpenDelivery[]> {
    const flat = await this.redis.zrange(this.k.open(partnerId), 0, -1, 'WITHSCORES');
    const out: OpenDelivery[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ partnerId, dh: flat[i]!, deliveredMs: Number(flat[i + 1]) });
    return out;
  }

  /** Deliveries not picked up yet and delivered before `ms`, every partner, oldest first. */
  async openBefore(ms: number, limit: number): Promise<OpenDelivery[]> {
    const flat = await this.redis.zrangebyscore(this.k.openAll(), '-inf', `(${ms}`, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: OpenDelivery[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [partnerId, dh] = flat[i]!.split('\t') as [string, string];
      out.push({ partnerId, dh, deliveredMs: Number(flat[i + 1]) });
    }
    return out;
  }

  /** Closes a delivery without a pickup (a newer version of its key replaced it). */
  async closeDelivery(partnerId: string, dh: string): Promise<void> {
    await this.redis.multi().zrem(this.k.open(partnerId), dh).zrem(this.k.openAll(), `${partnerId}\t${dh}`).exec();
  }

  async fanoutPickedUp(vh: string): Promise<number> {
    return this.redis.scard(this.k.fanout(vh));
  }

  /** Threads whose lines are due at `nowMs`. */
  async dueThreads(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.due(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** The thread's waiting lines (at most `max`) if due, leased for `leaseMs`; null when not due. */
  async takeLines(thread: string, nowMs: number, leaseMs: number, max: number): Promise<string[] | null> {
    const lines = (await runScript(this.redis, TAKE, [this.k.lines(thread), this.k.due()], [thread, nowMs, leaseMs, max])) as string[] | null;
    return lines ?? null;
  }

  /** The first `count` lines went to Slack at `nowMs`: dropped; what is left is due a window later. */
  async ackLines(thread: string, count: number, nowMs: number, windowMs: number): Promise<void> {
    await runScript(this.redis, ACK, [this.k.lines(thread), this.k.sent(thread), this.k.due()], [thread, count, nowMs, windowMs]);
  }

  /** Puts the thread's flush off until `atMs` (its Slack message is not there yet). */
  async deferThread(thread: string, atMs: number): Promise<void> {
    await this.redis.zadd(this.k.due(), atMs, thread);
  }
}
