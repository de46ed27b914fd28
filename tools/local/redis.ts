/**
 * Redis for tests, the demo and the benchmarks: the real server (REDIS_URL or redis://127.0.0.1:6379), one key prefix per test
 * (testPrefix() from ./env.ts), every key under it deleted afterwards.
 */
import { Redis, type RedisOptions } from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A new connection. `maxRetriesPerRequest: null` by default so it also serves BullMQ workers;
 * close it with `await redis.quit()`.
 */
export function createTestRedis(options: RedisOptions = {}): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, ...options });
}

/** Escapes glob characters so a prefix such as `{pg}` or `a[1]` matches only itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Deletes every key that starts with `<prefix>:` (SCAN + UNLINK). Returns how many were deleted. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('deleteKeysUnder: refusing an empty prefix');
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
