/**
 * Slack allows about one message per second per channel (short bursts pass). Before each post the
 * notify worker takes a slot from a per-channel bucket kept in Redis (./token-buckets.ts), shared by
 * every worker process and timed by Redis' own clock:
 *
 *   P:slack-pace:<channel>   string: the theoretical arrival time (ms) of the next message
 */
import type { Redis } from 'ioredis';
import { takeToken } from './token-buckets.js';

export const paceKey = (prefix: string, channel: string): string => `${prefix}:slack-pace:${channel}`;

/**
 * Takes a slot for one message to `channel`: 0 when it may go now, otherwise how many ms to wait
 * before asking again (nothing is reserved then). `burst` messages may go back to back.
 */
export async function takePaceSlot(redis: Redis, prefix: string, channel: string, intervalMs: number, burst: number): Promise<number> {
  if (intervalMs <= 0) return 0;
  return takeToken(redis, paceKey(prefix, channel), { intervalMs, burst: Math.max(1, burst) });
}
