/**
 * The records waiting for the bucket, in Redis, so that many records become one S3 object:
 *
 *   P:audit-log:pending   list    JSON records in the order they were made
 *   P:audit-log:inflight  list    the batch being written (claimed from pending; kept until written)
 *   P:audit-log:flush     string  set while a flush job is scheduled (TTL: a process that died
 *                                 before queuing the job delays the next flush, loses nothing)
 *   P:audit-log:gen       string  counter behind flush job ids
 *
 * A record is pushed atomically with the decision to schedule a flush; a batch is claimed
 * atomically (an unfinished batch is claimed again as it is, so a flush that died after writing it
 * rewrites the same objects, refused by If-None-Match, and nothing is lost or doubled); the batch
 * is dropped only by the flush that claimed it, once written.
 */
import type { Redis } from 'ioredis';
import { PUSH_AND_FLAG, runScript } from './run-script.js';

/** How long the flush flag lives without a flush job renewing it. */
export const AUDIT_FLUSH_FLAG_TTL_SECONDS = 600;

export const auditBufferKeys = (prefix: string) => ({
  pending: `${prefix}:audit-log:pending`,
  inflight: `${prefix}:audit-log:inflight`,
  flush: `${prefix}:audit-log:flush`,
  gen: `${prefix}:audit-log:gen`,
});

// KEYS: pending, inflight, flush flag; ARGV: max records, flag ttl. Returns the batch to write.
const CLAIM = `
redis.call('EXPIRE', KEYS[3], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.call('LRANGE', KEYS[2], 0, -1) end
local batch = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #batch == 0 then return batch end
for i = 1, #batch, 100 do
  redis.call('RPUSH', KEYS[2], unpack(batch, i, math.min(i + 99, #batch)))
end
redis.call('LTRIM', KEYS[1], #batch, -1)
return batch
`;

// KEYS: pending, inflight, flush flag, gen; ARGV: first record of the written batch.
// Drops the batch (if it is still the one written); returns the next flush generation, or 0 (and
// clears the flag) when nothing is waiting.
const ACK = `
if redis.call('LINDEX', KEYS[2], 0) == ARGV[1] then redis.call('DEL', KEYS[2]) end
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

  /** Appends a record; returns the generation of the flush job to queue, or null when one is. */
  async push(record: string): Promise<number | null> {
    const gen = (await runScript(this.redis, PUSH_AND_FLAG, [this.k.pending, this.k.flush, this.k.gen], [record, AUDIT_FLUSH_FLAG_TTL_SECONDS])) as number;
    return gen === 0 ? null : gen;
  }

  /** The batch to write: the unfinished one, or up to `max` waiting records. */
  async claim(max: number): Promise<string[]> {
    return (await runScript(this.redis, CLAIM, [this.k.pending, this.k.inflight, this.k.flush], [max, AUDIT_FLUSH_FLAG_TTL_SECONDS])) as string[];
  }

  /** The batch starting with `first` is written. Returns the next flush generation, or null when nothing waits. */
  async ack(first: string | undefined): Promise<number | null> {
    const gen = (await runScript(this.redis, ACK, [this.k.pending, this.k.inflight, this.k.flush, this.k.gen], [first ?? ''])) as number;
    return gen === 0 ? null : gen;
  }

  /** Records waiting (not yet claimed). */
  async waiting(): Promise<number> {
    return this.redis.llen(this.k.pending);
  }
}
