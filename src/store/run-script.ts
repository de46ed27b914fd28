/** Runs a Lua script by its SHA (EVALSHA), loading it on first use or after a Redis restart (NOSCRIPT). */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const shas = new Map<string, string>();

export async function runScript(redis: Redis, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

/**
 * Appends to a list and says whether the caller must schedule the job that drains it: KEYS list,
 * flag, generation counter; ARGV the entries (one or more, in order), then the flag TTL seconds. Returns the new generation (for a
 * deterministic job id) when the flag was not set, else 0 (a drain is already scheduled). The flag
 * holds that generation, so a caller that crashed before scheduling can be covered by another.
 */
export const PUSH_AND_FLAG = `
for i = 1, #ARGV - 1, 100 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 99, #ARGV - 1)))
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local gen = redis.call('INCR', KEYS[3])
  redis.call('SET', KEYS[2], gen, 'EX', ARGV[#ARGV])
  return gen
end
return 0
`;
