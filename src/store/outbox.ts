/**
 * The notify outbox: one Redis list per lane (a Slack thread), drained in order by one BullMQ job
 * at a time. Every transition is one Lua script:
 *
 *   P:outbox:<lane>          list   queued messages (JSON), oldest first
 *   P:outbox-job:<lane>      hash   {gen, prio, since}: present while a drain job for the lane is
 *                                   pending or running; `gen` names that job (jobId), `prio` its priority
 *   P:outbox-gen             string counter behind `gen`
 *   P:outbox-lane-of:<ref>   string the lane in which the post named <ref> was queued (30 days)
 *   P:notify:dead            list   dead letters (JSON), newest last, capped
 *
 * Invariant: a non-empty outbox always has its job hash. `append` pushes and creates the hash in
 * one step; `head` deletes the hash only when the list is empty, in one step. So a message is never
 * stranded, and only the job whose gen is in the hash may touch the lane.
 */
import type { Redis } from 'ioredis';
import { msgrefKey, msgtsKey, type MessageRef } from './message-refs.js';
import { runScript } from './run-script.js';

const LANE_OF_TTL_SECONDS = 30 * 24 * 3600;
export const DEAD_LETTER_CAP = 10_000;

export const outboxKeys = (prefix: string) => ({
  outbox: (lane: string) => `${prefix}:outbox:${lane}`,
  job: (lane: string) => `${prefix}:outbox-job:${lane}`,
  gen: () => `${prefix}:outbox-gen`,
  laneOf: (ref: string) => `${prefix}:outbox-lane-of:${ref}`,
  dead: () => `${prefix}:notify:dead`,
});

// Appends messages in order, each to its lane, in one step. Per message, 4 KEYS: outbox, job hash,
// gen counter, lane-of; ARGV[1] = ttl, then per message 3 ARGV: raw, prio, lane ('' = no lane-of).
// Returns, per message, {gen, 'created' | 'raised' | 'joined', the lane job's priority}.
const APPEND = `
local out = {}
for i = 0, #KEYS / 4 - 1 do
  local k, a = i * 4, 1 + i * 3
  redis.call('RPUSH', KEYS[k + 1], ARGV[a + 1])
  if ARGV[a + 3] ~= '' then redis.call('SET', KEYS[k + 4], ARGV[a + 3], 'EX', ARGV[1]) end
  local prio = tonumber(ARGV[a + 2])
  local gen = redis.call('HGET', KEYS[k + 2], 'gen')
  if not gen then
    gen = tostring(redis.call('INCR', KEYS[k + 3]))
    local t = redis.call('TIME')
    redis.call('HSET', KEYS[k + 2], 'gen', gen, 'prio', prio, 'since', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
    out[#out + 1] = {gen, 'created', prio}
  else
    local current = tonumber(redis.call('HGET', KEYS[k + 2], 'prio'))
    if prio < current then
      redis.call('HSET', KEYS[k + 2], 'prio', prio)
      out[#out + 1] = {gen, 'raised', prio}
    else
      out[#out + 1] = {gen, 'joined', current}
    end
  end
end
return out
`;

// KEYS: outbox, job hash; ARGV: gen
const HEAD = `
if redis.call('HGET', KEYS[2], 'gen') ~= ARGV[1] then return {'stale'} end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then
  redis.call('DEL', KEYS[2])
  return {'drained'}
end
return {'head', head}
`;

// KEYS: outbox, job hash, msgref, msgts, dead; ARGV: gen, raw, ref JSON or '', ref, dead entry or '', cap
const SETTLE = `
if redis.call('HGET', KEYS[2], 'gen') ~= ARGV[1] then return 'stale' end
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[2] then return 'moved' end
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3])
  redis.call('SET', KEYS[4], ARGV[4])
end
if ARGV[5] ~= '' then
  redis.call('RPUSH', KEYS[5], ARGV[5])
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[6]), -1)
end
redis.call('LPOP', KEYS[1])
return 'ok'
`;

export type AppendResult = { gen: string; job: 'created' | 'raised' | 'joined'; prio: number };

export interface LaneEntry {
  lane: string;
  /** The stored message (JSON). */
  raw: string;
  prio: number;
  /** The ref the message posts under, if any: later messages naming it join this lane. */
  ref?: string | undefined;
}

/**
 * Queues each entry at the tail of its lane, in order, in one step (one round trip). Per entry,
 * `job: 'created'` means the caller must add the lane's drain job; `prio` is the lane job's
 * priority after that entry.
 */
export async function appendToLanes(redis: Redis, prefix: string, entries: readonly LaneEntry[]): Promise<AppendResult[]> {
  if (entries.length === 0) return [];
  const k = outboxKeys(prefix);
  const keys = entries.flatMap((e) => [k.outbox(e.lane), k.job(e.lane), k.gen(), k.laneOf(e.ref ?? '')]);
  const args = entries.flatMap((e) => [e.raw, e.prio, e.ref === undefined ? '' : e.lane]);
  const replies = (await runScript(redis, APPEND, keys, [LANE_OF_TTL_SECONDS, ...args])) as [string, AppendResult['job'], number][];
  return replies.map(([gen, job, current]) => ({ gen, job, prio: Number(current) }));
}

export type LaneHead = { state: 'head'; raw: string } | { state: 'drained' } | { state: 'stale' };

/**
 * The oldest message of the lane for the job `gen`. An empty lane is released in the same step
 * (`drained`); `stale` means the lane belongs to another job now.
 */
export async function laneHead(redis: Redis, prefix: string, lane: string, gen: string): Promise<LaneHead> {
  const k = outboxKeys(prefix);
  const [state, raw] = (await runScript(redis, HEAD, [k.outbox(lane), k.job(lane)], [gen])) as [string, string?];
  if (state === 'head') return { state, raw: raw! };
  return { state: state === 'drained' ? 'drained' : 'stale' };
}

export type SettleResult = 'ok' | 'stale' | 'moved';

/**
 * Removes the head `raw` of the lane once it is dealt with: sent (recording its ref, if any) or
 * dead-lettered. Nothing happens unless the lane still belongs to job `gen` and `raw` is its head.
 */
export async function settleHead(
  redis: Redis, prefix: string, lane: string, gen: string, raw: string,
  outcome: { sent: { ref: string; at: MessageRef } | null } | { dead: unknown },
): Promise<SettleResult> {
  const k = outboxKeys(prefix);
  const sent = 'sent' in outcome ? outcome.sent : null;
  const dead = 'dead' in outcome ? JSON.stringify(outcome.dead) : '';
  return (await runScript(
    redis, SETTLE,
    [k.outbox(lane), k.job(lane), msgrefKey(prefix, sent?.ref ?? ''), msgtsKey(prefix, sent?.at.channel ?? '', sent?.at.ts ?? ''), k.dead()],
    [gen, raw, sent ? JSON.stringify(sent.at) : '', sent?.ref ?? '', dead, DEAD_LETTER_CAP],
  )) as SettleResult;
}

/** The lane where the post named `ref` was queued (so that replies and updates follow it). */
export async function laneOfRef(redis: Redis, prefix: string, ref: string): Promise<string | undefined> {
  return (await redis.get(outboxKeys(prefix).laneOf(ref))) ?? undefined;
}

export interface LaneJob {
  lane: string;
  gen: string;
  prio: number;
  /** When the job hash was created (Redis time, ms). */
  since: number;
}

/** Every lane that has a drain job pending or running (SCAN; for recovery, not for hot paths). */
export async function lanesWithJobs(redis: Redis, prefix: string): Promise<LaneJob[]> {
  const head = outboxKeys(prefix).job('');
  const found: LaneJob[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${head.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const [gen, prio, since] = await redis.hmget(key, 'gen', 'prio', 'since');
      if (gen) found.push({ lane: key.slice(head.length), gen, prio: Number(prio), since: Number(since) });
    }
  } while (cursor !== '0');
  return found;
}

/** How many dead letters are kept (the operators' gauge). */
export async function deadLetterCount(redis: Redis, prefix: string): Promise<number> {
  return redis.llen(outboxKeys(prefix).dead());
}

/** The newest dead letters, newest last. */
export async function deadLetters(redis: Redis, prefix: string, count = 100): Promise<unknown[]> {
  const raw = await redis.lrange(outboxKeys(prefix).dead(), -count, -1);
  return raw.map((r) => JSON.parse(r) as unknown);
}
