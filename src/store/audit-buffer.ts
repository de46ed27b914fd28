/**
 * The records waiting for the bucket, in Redis, so that many records become one S3 object:
 *
 *   P:audit-log:pending   list    JSON records in the order they were made
 *   P:audit-log:inflight  list    the batch being written (claimed from pending; kept until written)
 *   P:audit-log:flush     string  set while a flush job is scheduled (TTL: a process that died
 *                                 before queuing the job delays the next flush, loses nothing)
 *   P:audit-log:gen       string  counter behind flush job ids
 *   P:audit-log:head      string  the chain head: JSON {seq, hash, key} of the newest batch written
 *                                 (src/domain/audit-chain.ts); {seq: 0} before the first
 *
 * A record is pushed atomically with the decision to schedule a flush; a batch is claimed
 * atomically (an unfinished batch is claimed again as it is, so a flush that died after writing it
 * rewrites the same objects, refused by If-None-Match, and nothing is lost or doubled); the batch
 * is dropped only by the flush that claimed it, once written.
 *
 * The chain head moves only with the batch: a claim answers the batch and the head it follows in one
 * step, and the ack that drops the batch sets the head it leads to (only if the head is still the one
 * claimed with). A flush retried, or a second flush running at the same time, claims the same batch
 * with the same head and so writes the same bytes to the same keys: the chain cannot fork.
 */
import type { Redis } from 'ioredis';
import { parseChainHead, type ChainHead } from '../domain/audit-chain.js';
import { PUSH_AND_FLAG, runScript } from './run-script.js';

/** How long the flush flag lives without a flush job renewing it. */
export const AUDIT_FLUSH_FLAG_TTL_SECONDS = 600;

export const auditBufferKeys = (prefix: string) => ({
  pending: `${prefix}:audit-log:pending`,
  inflight: `${prefix}:audit-log:inflight`,
  flush: `${prefix}:audit-log:flush`,
  gen: `${prefix}:audit-log:gen`,
  head: `${prefix}:audit-log:head`,
});

// KEYS: pending, inflight, flush flag, head; ARGV: max records, flag ttl. Returns the chain head
// (nil when there is none), then the batch to write.
const CLAIM = `
redis.call('EXPIRE', KEYS[3], ARGV[2])
local head = redis.call('GET', KEYS[4])
local batch
if redis.call('EXISTS', KEYS[2]) == 1 then
  batch = redis.call('LRANGE', KEYS[2], 0, -1)
else
  batch = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
  for i = 1, #batch, 100 do
    redis.call('RPUSH', KEYS[2], unpack(batch, i, math.min(i + 99, #batch)))
  end
  if #batch > 0 then redis.call('LTRIM', KEYS[1], #batch, -1) end
end
table.insert(batch, 1, head)
return batch
`;

// KEYS: pending, inflight, flush flag, gen, head; ARGV: first record of the written batch, the head
// it was claimed with, the head it leads to. Drops the batch and moves the head (if the batch is
// still the one written and the head the one claimed with); returns the next flush generation, or
// 0 (and clears the flag) when nothing is waiting.
const ACK = `
if ARGV[1] ~= '' and redis.call('LINDEX', KEYS[2], 0) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  if ARGV[3] ~= '' and (redis.call('GET', KEYS[5]) or '') == ARGV[2] then redis.call('SET', KEYS[5], ARGV[3]) end
end
if redis.call('LLEN', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3])
  return 0
end
return redis.call('INCR', KEYS[4])
`;

export class AuditBuffer {
  private readonly k: ReturnType<typeof auditBufferKeys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = auditBufferKeys(prefix);
  }

  /** Appends records, in order, in one step; returns the generation of the flush job to queue, or null when one is. */
  async push(...records: string[]): Promise<number | null> {
    const gen = (await runScript(this.redis, PUSH_AND_FLAG, [this.k.pending, this.k.flush, this.k.gen], [...records, AUDIT_FLUSH_FLAG_TTL_SECONDS])) as number;
    return gen === 0 ? null : gen;
  }

  /**
   * The batch to write (the unfinished one, or up to `max` waiting records) and the chain head it
   * follows, read together; `head` is null when Redis holds none (see `startChain`).
   */
  async claim(max: number): Promise<{ batch: string[]; head: ChainHead | null; headText: string }> {
    const [head, ...batch] = (await runScript(
      this.redis, CLAIM, [this.k.pending, this.k.inflight, this.k.flush, this.k.head], [max, AUDIT_FLUSH_FLAG_TTL_SECONDS],
    )) as [string | null, ...string[]];
    return { batch, head: parseChainHead(head), headText: head ?? '' };
  }

  /**
   * The batch starting with `first` is written: drop it, and move the chain head from `claimed`
   * (the text `claim` answered) to `next`. Returns the next flush generation, or null when nothing waits.
   */
  async ack(first: string | undefined, chain?: { claimed: string; next: ChainHead }): Promise<number | null> {
    const gen = (await runScript(
      this.redis, ACK, [this.k.pending, this.k.inflight, this.k.flush, this.k.gen, this.k.head],
      [first ?? '', chain?.claimed ?? '', chain ? JSON.stringify(chain.next) : ''],
    )) as number;
    return gen === 0 ? null : gen;
  }

  /** The chain head, or null when Redis holds none. */
  async head(): Promise<ChainHead | null> {
    return parseChainHead(await this.redis.get(this.k.head));
  }

  /** Sets the chain head unless one is set (a head found in the bucket after Redis lost it, or the start). */
  async startChain(head: ChainHead): Promise<void> {
    await this.redis.set(this.k.head, JSON.stringify(head), 'NX');
  }

  /** Records waiting (not yet claimed). */
  async waiting(): Promise<number> {
    return this.redis.llen(this.k.pending);
  }
}
