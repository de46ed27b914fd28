/**
 * Token buckets shared by every worker process, kept in Redis and changed by one Lua script: the
 * GCRA arithmetic of src/domain/aws-pace.ts (`gcraTake`, `gcraHold`), one string per bucket holding
 * its theoretical arrival time in ms. Timed by Redis' own clock, so every process agrees on "now";
 * a test passes its fake clock's `now` instead.
 *
 *   P:pace:aws:<service>     the AWS buckets of the sweep, the probes and event checks
 *   P:slack-pace:<channel>   Slack's one message a second per channel (./slack-pace.ts)
 */
import type { Redis } from 'ioredis';
import type { Gcra } from '../domain/aws-pace.js';
import { runScript } from './run-script.js';

export const awsBucketKey = (prefix: string, service: string): string => `${prefix}:pace:aws:${service}`;

/**
 * KEYS[1] the bucket; ARGV interval (ms), burst, now (ms, '' for Redis' clock), hold (ms; 0: take a
 * token). Taking answers 0 (taken) or the ms to wait before asking again (nothing taken); holding
 * empties the bucket and shuts it for `hold` ms, and answers 0. The key expires once the bucket is
 * full again, so an idle bucket costs nothing. The arrival time is stored with all 17 digits
 * (Lua's tostring keeps 14): an interval such as 1000 / 3 ms must not drift from the arithmetic.
 */
const BUCKET = `
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[3])
end
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local hold = tonumber(ARGV[4])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local nextTat
if hold > 0 then
  nextTat = math.max(tat, now + hold + tolerance)
else
  local allowAt = tat - tolerance
  if now < allowAt then return tostring(allowAt - now) end
  nextTat = tat + interval
end
redis.call('SET', KEYS[1], string.format('%.17g', nextTat), 'PX', math.ceil(nextTat - now) + 1000)
return '0'
`;

const nowArg = (now: number | undefined) => (now === undefined ? '' : String(now));

/** Takes one token: 0 when taken, otherwise the ms to wait before asking again (nothing was taken). */
export async function takeToken(redis: Redis, key: string, g: Gcra, now?: number): Promise<number> {
  return Number(await runScript(redis, BUCKET, [key], [g.intervalMs, g.burst, nowArg(now), 0]));
}

/** Empties the bucket and shuts it for `holdMs`: every process sharing it waits that long. */
export async function holdBucket(redis: Redis, key: string, g: Gcra, holdMs: number, now?: number): Promise<void> {
  await runScript(redis, BUCKET, [key], [g.intervalMs, g.burst, nowArg(now), Math.max(1, holdMs)]);
}
