/**
 * The notify outbox. Messages wait in lanes (a Slack thread each, sent in order); lanes wait in
 * their channel's stream; one BullMQ job at a time drains a stream, taking the best lane's oldest
 * message each time. So each channel is paced and prioritised on its own, and a backlog in one
 * channel never holds another's messages. Every transition is one Lua script:
 *
 *   P:outbox:<lane>            list   queued messages (JSON), oldest first
 *   P:outbox-lane:<lane>       hash   {stream, prio, failures}: present while the lane has messages;
 *                                     `stream` is fixed when the lane starts, `prio` its best message's
 *   P:outbox-ready:<stream>    zset   lanes that may send, by prio·10¹² + turn (a lane that sent goes
 *                                     to the back of its priority: threads of one priority take turns)
 *   P:outbox-held:<stream>     zset   lanes backing off after a transient failure, by when (Redis ms)
 *   P:outbox-drain:<stream>    hash   {gen, prio, since}: present while the stream has a drain job
 *                                     pending or running; `gen` names that job (jobId)
 *   P:outbox-gen, P:outbox-turn       counters behind `gen` and the turns
 *   P:outbox-lane-of:<ref>     string the lane in which the post named <ref> was queued (30 days)
 *   P:notify:dead              list   dead letters (JSON), newest last, capped
 *
 * Invariants: a lane with messages has its lane hash and is in its stream's ready or held set; a
 * stream with lanes has its drain hash. `append` creates them with the message in one step; `head`
 * deletes them only when empty, in one step. So a message is never stranded, and only the job
 * whose gen is in the drain hash may touch the stream. The scripts name the stream's and lane's keys
 * themselves (the stream of an existing lane is read there); each declares one key of the prefix so
 * that, with Redis Cluster and a hash-tag prefix (docs/architecture.md), it runs where they all live.
 */
import type { Redis } from 'ioredis';
import { msgrefKey, msgtsKey, type MessageRef } from './message-refs.js';
import { runScript } from './run-script.js';

const LANE_OF_TTL_SECONDS = 30 * 24 * 3600;
export const DEAD_LETTER_CAP = 10_000;

export const outboxKeys = (prefix: string) => ({
  outbox: (lane: string) => `${prefix}:outbox:${lane}`,
  lane: (lane: string) => `${prefix}:outbox-lane:${lane}`,
  ready: (stream: string) => `${prefix}:outbox-ready:${stream}`,
  held: (stream: string) => `${prefix}:outbox-held:${stream}`,
  drain: (stream: string) => `${prefix}:outbox-drain:${stream}`,
  gen: () => `${prefix}:outbox-gen`,
  turn: () => `${prefix}:outbox-turn`,
  laneOf: (ref: string) => `${prefix}:outbox-lane-of:${ref}`,
  dead: () => `${prefix}:notify:dead`,
});

/** The key each script declares: it routes the script to the prefix's slot. */
const routeKey = (prefix: string): string => outboxKeys(prefix).gen();

// Shared by the scripts: ARGV[1] is the prefix; keys of a stream or lane are built from it.
const LUA_KEYS = `
local P = ARGV[1]
local function K(kind, name) return P .. ':outbox-' .. kind .. ':' .. name end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ready(stream, lane, prio)
  redis.call('ZADD', K('ready', stream), prio * 1e12 + redis.call('INCR', P .. ':outbox-turn'), lane)
end
-- A lane's message joins its stream: the stream's drain job is created, or raised to prio.
local function joinStream(stream, prio)
  local drain = K('drain', stream)
  local gen = redis.call('HGET', drain, 'gen')
  if not gen then
    gen = tostring(redis.call('INCR', P .. ':outbox-gen'))
    redis.call('HSET', drain, 'gen', gen, 'prio', prio, 'since', nowMs())
    return {stream, gen, 'created', prio}
  end
  local current = tonumber(redis.call('HGET', drain, 'prio'))
  if prio < current then
    redis.call('HSET', drain, 'prio', prio)
    return {stream, gen, 'raised', prio}
  end
  return {stream, gen, 'joined', current}
end
`;

// Appends messages in order, each to its lane, in one step. ARGV: prefix, lane-of ttl, then per
// message 5 ARGV: lane, stream (used when the lane starts), raw, prio, ref ('' = none).
// Returns, per message, {stream, gen, 'created' | 'raised' | 'joined', the drain job's priority}.
const APPEND = `${LUA_KEYS}
local out = {}
for a = 3, #ARGV, 5 do
  local lane, given, raw, prio, ref = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ARGV[a + 4]
  redis.call('RPUSH', P .. ':outbox:' .. lane, raw)
  if ref ~= '' then redis.call('SET', K('lane-of', ref), lane, 'EX', ARGV[2]) end
  local laneKey = K('lane', lane)
  local stream = redis.call('HGET', laneKey, 'stream')
  if not stream then
    stream = given
    redis.call('HSET', laneKey, 'stream', stream, 'prio', prio)
    ready(stream, lane, prio)
  elseif prio < tonumber(redis.call('HGET', laneKey, 'prio')) then
    redis.call('HSET', laneKey, 'prio', prio)
    local score = redis.call('ZSCORE', K('ready', stream), lane)
    if score then redis.call('ZADD', K('ready', stream), prio * 1e12 + tonumber(score) % 1e12, lane) end
  end
  out[#out + 1] = joinStream(stream, prio)
end
return out
`;

// Before streams, each lane had its own drain job and its hash at
// P:outbox-job:<lane> {gen, prio, since}. ARGV: prefix, lane, stream. The lane, if it still has such
// a hash, joins the stream; the old job finds nothing to do. Returns what APPEND returns, or {}.
const ADOPT = `${LUA_KEYS}
local lane, stream = ARGV[2], ARGV[3]
local old = P .. ':outbox-job:' .. lane
local prio = tonumber(redis.call('HGET', old, 'prio') or '')
if not prio then return {} end
redis.call('DEL', old)
if redis.call('LLEN', P .. ':outbox:' .. lane) == 0 then return {} end
local laneKey = K('lane', lane)
if redis.call('EXISTS', laneKey) == 1 then stream = redis.call('HGET', laneKey, 'stream')
else
  redis.call('HSET', laneKey, 'stream', stream, 'prio', prio)
  ready(stream, lane, prio)
end
return joinStream(stream, prio)
`;

// ARGV: prefix, stream, gen. Lanes whose backoff is over are ready again; then the best lane's head.
const HEAD = `${LUA_KEYS}
local stream = ARGV[2]
local drain = K('drain', stream)
if redis.call('HGET', drain, 'gen') ~= ARGV[3] then return {'stale'} end
local now = nowMs()
local heldKey = K('held', stream)
for _, lane in ipairs(redis.call('ZRANGEBYSCORE', heldKey, '-inf', now)) do
  redis.call('ZREM', heldKey, lane)
  ready(stream, lane, tonumber(redis.call('HGET', K('lane', lane), 'prio') or '10'))
end
local readyKey = K('ready', stream)
while true do
  local best = redis.call('ZRANGE', readyKey, 0, 0)[1]
  if not best then
    local next = redis.call('ZRANGE', heldKey, 0, 0, 'WITHSCORES')
    if next[1] then return {'held', tostring(math.max(1, tonumber(next[2]) - now))} end
    redis.call('DEL', drain)
    return {'drained'}
  end
  local head = redis.call('LINDEX', P .. ':outbox:' .. best, 0)
  if head then return {'head', best, head, redis.call('HGET', K('lane', best), 'failures') or '0'} end
  redis.call('ZREM', readyKey, best)
  redis.call('DEL', K('lane', best))
end
`;

// ARGV: prefix, stream, gen, lane, raw, ref JSON or '', ref, dead entry or '', cap. KEYS: msgref, msgts.
const SETTLE = `${LUA_KEYS}
local stream, lane = ARGV[2], ARGV[4]
if redis.call('HGET', K('drain', stream), 'gen') ~= ARGV[3] then return 'stale' end
local list = P .. ':outbox:' .. lane
if redis.call('LINDEX', list, 0) ~= ARGV[5] then return 'moved' end
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[1], ARGV[6])
  redis.call('SET', KEYS[2], ARGV[7])
end
if ARGV[8] ~= '' then
  redis.call('RPUSH', P .. ':notify:dead', ARGV[8])
  redis.call('LTRIM', P .. ':notify:dead', -tonumber(ARGV[9]), -1)
end
redis.call('LPOP', list)
local laneKey = K('lane', lane)
if redis.call('LLEN', list) == 0 then
  redis.call('ZREM', K('ready', stream), lane)
  redis.call('DEL', laneKey)
else
  redis.call('HDEL', laneKey, 'failures')
  if redis.call('ZSCORE', K('ready', stream), lane) then ready(stream, lane, tonumber(redis.call('HGET', laneKey, 'prio'))) end
end
return 'ok'
`;

// ARGV: prefix, stream, gen, lane, ms. The lane steps aside for ms; its failures are counted.
const HOLD = `${LUA_KEYS}
local stream, lane = ARGV[2], ARGV[4]
if redis.call('HGET', K('drain', stream), 'gen') ~= ARGV[3] then return 'stale' end
if redis.call('ZREM', K('ready', stream), lane) == 0 then return 'moved' end
redis.call('HINCRBY', K('lane', lane), 'failures', 1)
redis.call('ZADD', K('held', stream), nowMs() + tonumber(ARGV[5]), lane)
return 'ok'
`;

export type AppendResult = { stream: string; gen: string; job: 'created' | 'raised' | 'joined'; prio: number };

export interface LaneEntry {
  lane: string;
  /** The stream (channel) the lane joins if it starts with this entry; an existing lane keeps its own. */
  stream: string;
  /** The stored message (JSON). */
  raw: string;
  prio: number;
  /** The ref the message posts under, if any: later messages naming it join this lane. */
  ref?: string | undefined;
}

/**
 * Queues each entry at the tail of its lane, in order, in one step (one round trip). Per entry,
 * `job: 'created'` means the caller must add the drain job of `stream` (the lane's); `prio` is that
 * job's priority after the entry.
 */
export async function appendToLanes(redis: Redis, prefix: string, entries: readonly LaneEntry[]): Promise<AppendResult[]> {
  if (entries.length === 0) return [];
  const args = entries.flatMap((e) => [e.lane, e.stream, e.raw, e.prio, e.ref ?? '']);
  const replies = (await runScript(redis, APPEND, [routeKey(prefix)], [prefix, LANE_OF_TTL_SECONDS, ...args])) as [string, string, AppendResult['job'], number][];
  return replies.map(([stream, gen, job, current]) => ({ stream, gen, job, prio: Number(current) }));
}

export type StreamHead =
  | { state: 'head'; lane: string; raw: string; failures: number }
  | { state: 'held'; waitMs: number }
  | { state: 'drained' }
  | { state: 'stale' };

/**
 * The oldest message of the stream's best lane, for the job `gen`: `held` when every lane is
 * backing off (for how long), `drained` when none is left (the stream released in the same step),
 * `stale` when the stream belongs to another job now.
 */
export async function streamHead(redis: Redis, prefix: string, stream: string, gen: string): Promise<StreamHead> {
  const [state, a, b, c] = (await runScript(redis, HEAD, [routeKey(prefix)], [prefix, stream, gen])) as [string, string?, string?, string?];
  if (state === 'head') return { state, lane: a!, raw: b!, failures: Number(c) };
  if (state === 'held') return { state, waitMs: Number(a) };
  return { state: state === 'drained' ? 'drained' : 'stale' };
}

export type SettleResult = 'ok' | 'stale' | 'moved';

export interface LanePosition {
  stream: string;
  gen: string;
  lane: string;
}

/**
 * Removes the head `raw` of the lane once it is dealt with: sent (recording its ref, if any) or
 * dead-lettered; the lane's turn passes. Nothing happens unless the stream still belongs to job
 * `gen` and `raw` is the lane's head.
 */
export async function settleHead(
  redis: Redis, prefix: string, at: LanePosition, raw: string,
  outcome: { sent: { ref: string; at: MessageRef } | null } | { dead: unknown },
): Promise<SettleResult> {
  const sent = 'sent' in outcome ? outcome.sent : null;
  const dead = 'dead' in outcome ? JSON.stringify(outcome.dead) : '';
  return (await runScript(
    redis, SETTLE,
    [msgrefKey(prefix, sent?.ref ?? ''), msgtsKey(prefix, sent?.at.channel ?? '', sent?.at.ts ?? '')],
    [prefix, at.stream, at.gen, at.lane, raw, sent ? JSON.stringify(sent.at) : '', sent?.ref ?? '', dead, DEAD_LETTER_CAP],
  )) as SettleResult;
}

/** The lane steps aside for `ms` (a transient failure) while the stream's other lanes go on. */
export async function holdLane(redis: Redis, prefix: string, at: LanePosition, ms: number): Promise<SettleResult> {
  return (await runScript(redis, HOLD, [routeKey(prefix)], [prefix, at.stream, at.gen, at.lane, Math.max(1, Math.round(ms))])) as SettleResult;
}

/** The lane where the post named `ref` was queued (so that replies and updates follow it). */
export async function laneOfRef(redis: Redis, prefix: string, ref: string): Promise<string | undefined> {
  return (await redis.get(outboxKeys(prefix).laneOf(ref))) ?? undefined;
}

export interface StreamJob {
  stream: string;
  gen: string;
  prio: number;
  /** When the drain hash was created (Redis time, ms). */
  since: number;
}

/**
 * Lanes queued by a version before streams (each lane its own drain job): their names and oldest
 * messages, to tell which stream each joins (SCAN; for recovery).
 */
export async function legacyLanes(redis: Redis, prefix: string): Promise<{ lane: string; head: string | null }[]> {
  const head = `${prefix}:outbox-job:`;
  const found: { lane: string; head: string | null }[] = [];
  for (const key of await scanKeys(redis, head)) {
    const lane = key.slice(head.length);
    found.push({ lane, head: await redis.lindex(outboxKeys(prefix).outbox(lane), 0) });
  }
  return found;
}

/** A legacy lane joins `stream` (or the stream its lane has now); null when there was nothing to adopt. */
export async function adoptLegacyLane(redis: Redis, prefix: string, lane: string, stream: string): Promise<AppendResult | null> {
  const reply = (await runScript(redis, ADOPT, [routeKey(prefix)], [prefix, lane, stream])) as [] | [string, string, AppendResult['job'], number];
  if (reply.length === 0) return null;
  const [s, gen, job, prio] = reply;
  return { stream: s, gen, job, prio: Number(prio) };
}

async function scanKeys(redis: Redis, head: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', `${head.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...page);
  } while (cursor !== '0');
  return keys;
}

/** The generation of the stream's drain job, if it has one. */
export async function streamGen(redis: Redis, prefix: string, stream: string): Promise<string | undefined> {
  return (await redis.hget(outboxKeys(prefix).drain(stream), 'gen')) ?? undefined;
}

/** Every stream that has a drain job pending or running (SCAN; for recovery, not for hot paths). */
export async function streamsWithJobs(redis: Redis, prefix: string): Promise<StreamJob[]> {
  const head = outboxKeys(prefix).drain('');
  const found: StreamJob[] = [];
  for (const key of await scanKeys(redis, head)) {
    const [gen, prio, since] = await redis.hmget(key, 'gen', 'prio', 'since');
    if (gen) found.push({ stream: key.slice(head.length), gen, prio: Number(prio), since: Number(since) });
  }
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
