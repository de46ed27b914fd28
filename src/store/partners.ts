/**
 * The partner registry: one JSON record per partner, a set of all partner ids, and per feed the
 * set of its subscribers. Status changes that release work (going LIVE) are single Lua scripts so
 * that a delivery parked for a partner is released exactly once; a status changes only by a
 * lifecycle event (apply), which refuses what src/domain/partner-lifecycle.ts does not allow.
 */
import type { Redis } from 'ioredis';
import type { PartnerRecord } from '../domain/partner.js';
import { nextStatus, type PartnerEvent } from '../domain/partner-lifecycle.js';
import { ErrorCode, InternalError } from '../domain/errors.js';
import { runScript } from './run-script.js';

/** What a lifecycle event writes with the status: at least when. */
export type StatusPatch = Partial<Omit<PartnerRecord, 'status' | 'partnerId'>> & { updatedAt: string };

export const partnerKeys = (prefix: string) => ({
  record: (id: string) => `${prefix}:partner:${id}`,
  all: () => `${prefix}:partners`,
  live: () => `${prefix}:partners:live`,
  feed: (feed: string) => `${prefix}:feed:${feed}`,
});

/**
 * Writes a record and keeps its indexes in step, in one step. With an expected value (ARGV[5] = '1')
 * it is a compare-and-set: nothing is written unless the record is still exactly ARGV[1] (0 is
 * answered). Connections are shared by every store and job of a process, so no WATCH: a WATCH is
 * per connection, and one caller's EXEC would clear another's.
 * KEYS: record, all, live, the ARGV[6] feed sets the partner leaves, the feed sets it is in.
 * ARGV: expected JSON, new JSON, status, id, check ('1' | '0'), number of feed sets left.
 */
const WRITE = `
if ARGV[5] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local left = tonumber(ARGV[6])
for i = 4, 3 + left do redis.call('SREM', KEYS[i], ARGV[4]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
if ARGV[3] == 'live' then redis.call('SADD', KEYS[3], ARGV[4]) else redis.call('SREM', KEYS[3], ARGV[4]) end
for i = 4 + left, #KEYS do
  if ARGV[3] == 'offboarded' then redis.call('SREM', KEYS[i], ARGV[4]) else redis.call('SADD', KEYS[i], ARGV[4]) end
end
return 1
`;

export class PartnerStore {
  private readonly k: ReturnType<typeof partnerKeys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = partnerKeys(prefix);
  }

  async get(partnerId: string): Promise<PartnerRecord | null> {
    const raw = await this.redis.get(this.k.record(partnerId));
    return raw ? (JSON.parse(raw) as PartnerRecord) : null;
  }

  /** Writes a new (or rebuilt) record and keeps the indexes (all, live, feed subscribers) in step, atomically. */
  async save(record: PartnerRecord): Promise<void> {
    await this.write(record, { expected: null, left: [] });
  }

  /**
   * Reads, changes and writes a record, retrying when it changed in between (compare-and-set);
   * null when there is no such partner. A change that answers the record it was given writes nothing.
   * It may not change the status: that is apply's.
   */
  async update(partnerId: string, change: (r: PartnerRecord) => PartnerRecord): Promise<PartnerRecord | null> {
    return this.swap(partnerId, (r) => {
      const next = change(r);
      if (next.status !== r.status) throw new InternalError(ErrorCode.StatusByEvent, `partner ${partnerId}: a status changes only through a lifecycle event`);
      return next;
    });
  }

  /**
   * Moves the partner by a lifecycle event (src/domain/partner-lifecycle.ts) and writes `patch`
   * with it, in one compare-and-set: the one way a status changes. Null, with nothing written, when
   * there is no such partner or the table does not allow the event from its status now.
   */
  async apply(partnerId: string, event: PartnerEvent, patch: StatusPatch | ((r: PartnerRecord) => StatusPatch)): Promise<PartnerRecord | null> {
    let allowed = false;
    const next = await this.swap(partnerId, (r) => {
      const to = nextStatus(r.status, event);
      allowed = to !== null;
      return to ? { ...r, ...(typeof patch === 'function' ? patch(r) : patch), status: to } : r;
    });
    return allowed ? next : null;
  }

  private async swap(partnerId: string, change: (r: PartnerRecord) => PartnerRecord): Promise<PartnerRecord | null> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const raw = await this.redis.get(this.k.record(partnerId));
      if (!raw) return null;
      const previous = JSON.parse(raw) as PartnerRecord;
      const next = change(previous);
      if (next === previous) return previous;
      const left = previous.feeds.filter((f) => !next.feeds.includes(f));
      if (await this.write(next, { expected: raw, left })) return next;
    }
    throw new Error(`partner ${partnerId}: too many concurrent updates`);
  }

  private async write(record: PartnerRecord, o: { expected: string | null; left: string[] }): Promise<boolean> {
    const sets = [...o.left, ...record.feeds].map((f) => this.k.feed(f));
    const written = await runScript(
      this.redis, WRITE, [this.k.record(record.partnerId), this.k.all(), this.k.live(), ...sets],
      [o.expected ?? '', JSON.stringify(record), record.status, record.partnerId, o.expected === null ? '0' : '1', o.left.length],
    );
    return written === 1;
  }

  async subscribers(feed: string): Promise<string[]> {
    return this.redis.smembers(this.k.feed(feed));
  }

  async allIds(): Promise<string[]> {
    return this.redis.smembers(this.k.all());
  }

  async liveIds(): Promise<string[]> {
    return this.redis.smembers(this.k.live());
  }
}
