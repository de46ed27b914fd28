/** Replay protection for Slack deliveries: the first sighting of an id wins for ten minutes (twice the signing window). */
import type { Redis } from 'ioredis';
import { keys } from './keys.js';

export async function firstDelivery(redis: Redis, prefix: string, kind: string, id: string, ttlSeconds = 600): Promise<boolean> {
  return (await redis.set(keys(prefix).seen(kind, id), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
}
