/**
 * Slack allows about one message per second per channel (short bursts pass). Before each post the
 * notify worker takes a slot from a per-channel GCRA limiter kept in Redis, shared by every worker
 * process and timed by Redis' own clock:
 *
 *   P:slack-pace:<channel>   string: the theoretical arrival time (ms) of the next message
 */
import type { Redis } from 'ioredis';
import { runScript } from './run-script.js';

export const paceKey = (prefix: string, channel: string): string => `${prefix}:slack-pace:${channel}`;

const TAKE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat - tolerance
if now < allowAt then return allowAt - now end
redis.call('SET', KEYS[1], tat + interval, 'PX', tolerance + interval + 1000)
return 0
`;

/**
 * Takes a slot for one message to `channel`: 0 when it may go now, otherwise how many ms to wait
 * before asking again (nothing is reserved then). `burst` messages may go back to back.
 */
export async function takePaceSlot(redis: Redis, prefix: string, channel: string, intervalMs: number, burst: number): Promise<number> {
  if (intervalMs <= 0) return 0;
  const wait = await runScript(redis, TAKE_SLOT, [paceKey(prefix, channel)], [intervalMs, Math.max(1, burst)]);
  return Number(wait);
}
