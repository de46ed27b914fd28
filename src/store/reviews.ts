/**
 * Access reviews in Redis (docs/reviews.md "Keys in Redis"), beside the registry:
 *
 * | key | type | what |
 * | `P:rv:p:<partnerId>` | string | the partner's review, JSON (ReviewRecord) |
 * | `P:rv:all` | set | partner ids with a review |
 * | `P:rv:next` | zset | partner id → ms of its next stage (the sweep's work list) |
 * | `P:rv:due` | zset | partner id → ms of its due date (the App Home, `reviews --due`) |
 * | `P:rv:done:<partnerId>:<cycle>` | set | the cycle's stages already acted on (400 d) |
 *
 * The record and the three indexes are written by one script, a compare-and-set on the record.
 * `listDueReviews` and `reviewOf` are what the App Home reads.
 */
import type { Redis } from 'ioredis';
import type { PartnerRecord } from '../domain/partner.js';
import type { ReviewRecord, ReviewStage, ReviewState } from '../domain/reviews.js';
import { partnerKeys } from './partners.js';
import { runScript } from './run-script.js';

const DONE_TTL_SECONDS = 400 * 86_400;

export const reviewKeys = (prefix: string) => ({
  record: (partnerId: string) => `${prefix}:rv:p:${partnerId}`,
  all: `${prefix}:rv:all`,
  next: `${prefix}:rv:next`,
  due: `${prefix}:rv:due`,
  done: (partnerId: string, cycle: number) => `${prefix}:rv:done:${partnerId}:${cycle}`,
});

/**
 * KEYS record, all, next, due. ARGV: expected JSON ('' = no record yet, '*' = any), new JSON
 * ('' = delete the review), partner id, due ms, next ms ('' = nothing more to do). 1 written, 0 not.
 */
const WRITE = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] ~= '*' then
  if ARGV[1] == '' then
    if cur then return 0 end
  elseif cur ~= ARGV[1] then
    return 0
  end
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
  redis.call('ZREM', KEYS[3], ARGV[3])
  redis.call('ZREM', KEYS[4], ARGV[3])
  return 1
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
if ARGV[5] == '' then redis.call('ZREM', KEYS[3], ARGV[3]) else redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3]) end
return 1
`;

/** A review as the App Home and `reviews --due` show it. */
export interface ReviewSummary {
  partnerId: string;
  owner: string | null;
  dueAt: string;
  state: ReviewState;
  /** Its due date has passed, unanswered. */
  overdue: boolean;
}

const summaryOf = (r: ReviewRecord, nowMs: number): ReviewSummary => ({
  partnerId: r.partnerId, owner: r.owner, dueAt: r.dueAt, state: r.state, overdue: Date.parse(r.dueAt) <= nowMs,
});

export class ReviewStore {
  private readonly k: ReturnType<typeof reviewKeys>;
  private readonly live: string;
  private readonly partner: (partnerId: string) => string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = reviewKeys(prefix);
    const registry = partnerKeys(prefix);
    this.live = registry.live();
    this.partner = registry.record;
  }

  /** The record and its raw JSON (for a compare-and-set). */
  async read(partnerId: string): Promise<{ record: ReviewRecord; raw: string } | null> {
    const raw = await this.redis.get(this.k.record(partnerId));
    return raw === null ? null : { record: JSON.parse(raw) as ReviewRecord, raw };
  }

  async get(partnerId: string): Promise<ReviewRecord | null> {
    return (await this.read(partnerId))?.record ?? null;
  }

  /**
   * Writes `record` with its next stage time (null: none) if the stored one is still `expected`
   * (null: there must be none; '*': whatever). False, nothing written, when it changed meanwhile.
   */
  async write(record: ReviewRecord, nextMs: number | null, expected: string | null | '*'): Promise<boolean> {
    const written = await runScript(
      this.redis, WRITE, [this.k.record(record.partnerId), this.k.all, this.k.next, this.k.due],
      [expected ?? '', JSON.stringify(record), record.partnerId, Date.parse(record.dueAt), nextMs === null ? '' : Math.round(nextMs)],
    );
    return written === 1;
  }

  /** Drops a partner's review (it was offboarded): the record and its indexes. */
  async drop(partnerId: string): Promise<void> {
    await runScript(this.redis, WRITE, [this.k.record(partnerId), this.k.all, this.k.next, this.k.due], ['*', '', partnerId, 0, '']);
  }

  /** Live partners that have no review yet (the registry's live set less `all`), at most `limit`. */
  async unscheduled(limit: number): Promise<string[]> {
    return (await this.redis.sdiff(this.live, this.k.all)).sort().slice(0, limit);
  }

  /** Partners whose next stage time is at or before `nowMs`, the earliest first. */
  async dueForSweep(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.next, '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /**
   * Reviews due at or before `untilMs`, the earliest due date first; a partner offboarded since (its
   * review not dropped by the sweep yet) is left out.
   */
  async dueBy(untilMs: number, limit: number): Promise<ReviewRecord[]> {
    const ids = await this.redis.zrangebyscore(this.k.due, '-inf', untilMs, 'LIMIT', 0, limit);
    if (ids.length === 0) return [];
    const [raws, partners] = await Promise.all([this.redis.mget(...ids.map((id) => this.k.record(id))), this.redis.mget(...ids.map((id) => this.partner(id)))]);
    return raws.flatMap((raw, n) => {
      const partner = partners[n] ? (JSON.parse(partners[n]) as Pick<PartnerRecord, 'status'>) : null;
      return raw === null || partner === null || partner.status === 'offboarded' ? [] : [JSON.parse(raw) as ReviewRecord];
    });
  }

  /** The stages of the cycle already acted on. */
  async doneStages(partnerId: string, cycle: number): Promise<Set<ReviewStage>> {
    return new Set((await this.redis.smembers(this.k.done(partnerId, cycle))) as ReviewStage[]);
  }

  /** Claims a stage of a cycle: true for the first caller only (set before its messages are queued). */
  async claimStage(partnerId: string, cycle: number, stage: ReviewStage): Promise<boolean> {
    const key = this.k.done(partnerId, cycle);
    const [[, added]] = (await this.redis.multi().sadd(key, stage).expire(key, DONE_TTL_SECONDS).exec()) as [[Error | null, number], unknown];
    return added === 1;
  }
}

/**
 * For the App Home: reviews due by `nowMs + withinMs` (the most overdue first), at most `limit`,
 * each with its partner, owner, due date and state.
 */
export async function listDueReviews(redis: Redis, prefix: string, o: { nowMs: number; withinMs?: number; limit?: number }): Promise<ReviewSummary[]> {
  const records = await new ReviewStore(redis, prefix).dueBy(o.nowMs + (o.withinMs ?? 0), o.limit ?? 1_000);
  return records.map((r) => summaryOf(r, o.nowMs));
}

/** For the App Home: one partner's review, or null when it has none (not live yet, or offboarded). */
export async function reviewOf(redis: Redis, prefix: string, partnerId: string, nowMs: number): Promise<ReviewSummary | null> {
  const raw = await redis.get(reviewKeys(prefix).record(partnerId));
  return raw === null ? null : summaryOf(JSON.parse(raw) as ReviewRecord, nowMs);
}
