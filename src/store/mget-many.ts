import type { Redis } from 'ioredis';

/** The values of many keys, in order (null: none), in MGETs of 1,000 sent as one pipeline. */
export async function mgetMany(redis: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (let i = 0; i < keys.length; i += 1000) pipeline.mget(...keys.slice(i, i + 1000));
  return ((await pipeline.exec()) ?? []).flatMap(([err, values]) => {
    if (err) throw err;
    return values as (string | null)[];
  });
}
