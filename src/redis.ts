/**
 * Redis connections. Workers need maxRetriesPerRequest: null (BullMQ); commands from the web half fail
 * fast. The command connection pipelines the commands issued in one tick of the event loop (one
 * socket write for many): with fifty Slack requests in flight that halved Redis's CPU and the web
 * process's kernel time per request. Worker (blocking) connections keep one command per write.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export function createRedis(url: string, role: 'command' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    connectionName: `partnergate-${role}`,
    enableAutoPipelining: role === 'command',
    ...extra,
  });
}

/** True when Redis answers PING within the timeout. */
export async function redisReachable(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    });
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
