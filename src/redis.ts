/** Redis connections. Workers need maxRetriesPerRequest: null (BullMQ); commands from the web half fail fast. */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export function createRedis(url: string, role: 'command' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    connectionName: `partnergate-${role}`,
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
