/**
 * What the App Home's publisher keeps (docs/app-home.md "Keys"):
 *
 *   P:home:viewers   zset    user → when they last opened the tab (ms)
 *   P:home:state     hash    user → their filter and page (JSON)
 *   P:home:notice    hash    user → a refusal to show once on their Home
 *   P:home:due       zset    user → when their Home is due to be built and published (ms)
 *   P:home:sent      hash    user → `<ms>:<hash>` of the last view published to them
 *   P:home:drain     hash    {gen} while the drain job is queued or running
 *   P:home:gen       string  counter behind the drain job ids
 *   P:home:marked    hash    user → when they were last marked (ms), while due: their build reads the stores after it
 *
 * Marking and taking the next person are one Lua script each, so a person marked while the drain
 * job finishes is either taken by it or starts a new job (the notify streams' pattern).
 */
import type { Redis } from 'ioredis';
import { runScript } from './run-script.js';

export const homeKeys = (prefix: string) => ({
  viewers: `${prefix}:home:viewers`,
  state: `${prefix}:home:state`,
  notice: `${prefix}:home:notice`,
  due: `${prefix}:home:due`,
  sent: `${prefix}:home:sent`,
  drain: `${prefix}:home:drain`,
  gen: `${prefix}:home:gen`,
  marked: `${prefix}:home:marked`,
});

/**
 * KEYS: due, drain, gen, sent, viewers, marked. ARGV: now ms, per-person window ms, delay ms, viewer
 * age ms ('0': not all viewers), then the users. With a viewer age, every viewer seen since is marked
 * too (older ones pruned). Each person is due at the latest of now + delay and their last publish +
 * window, or sooner if already due sooner; and their mark time moves up to now, so that whenever
 * their Home is built it reads the stores after this change (a person already due sooner may be
 * built before now + delay). Answers {1, gen} when a drain job must be added, else {0, gen}.
 */
const MARK = `
local now, window, delay, age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local users = {}
for i = 5, #ARGV do users[#users + 1] = ARGV[i] end
if age > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - age)
  for _, u in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do users[#users + 1] = u end
end
for _, u in ipairs(users) do
  local at = now + delay
  local sent = redis.call('HGET', KEYS[4], u)
  if sent and window > 0 then
    local ms = tonumber(string.match(sent, '^(%d+)'))
    if ms and ms + window > at then at = ms + window end
  end
  redis.call('ZADD', KEYS[1], 'LT', at, u)
  if (tonumber(redis.call('HGET', KEYS[6], u)) or 0) < now then redis.call('HSET', KEYS[6], u, now) end
end
local gen = redis.call('HGET', KEYS[2], 'gen')
if gen then return {0, gen} end
if redis.call('ZCARD', KEYS[1]) == 0 then return {0, ''} end
gen = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[2], 'gen', gen)
return {1, gen}
`;

/**
 * KEYS: due, drain, marked. ARGV: gen, now ms. {'stale'} for a job whose gen is not the drain's;
 * {'done'} (the drain hash deleted in the same step) when nobody is due; {'wait', ms} until the
 * first is due; {'user', id, marked ms} taken off the due set, with when they were last marked.
 */
const NEXT = `
if redis.call('HGET', KEYS[2], 'gen') ~= ARGV[1] then return {'stale'} end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then
  redis.call('DEL', KEYS[2])
  return {'done'}
end
local wait = tonumber(first[2]) - tonumber(ARGV[2])
if wait > 0 then return {'wait', tostring(wait)} end
redis.call('ZREM', KEYS[1], first[1])
local marked = redis.call('HGET', KEYS[3], first[1]) or '0'
redis.call('HDEL', KEYS[3], first[1])
return {'user', first[1], marked}
`;

export type NextHome = { kind: 'stale' } | { kind: 'done' } | { kind: 'wait'; ms: number } | { kind: 'user'; user: string; markedAtMs: number };

export interface MarkOptions {
  nowMs: number;
  /** At most one publish per person per window (0: none, for a person who asked). */
  windowMs: number;
  /** Built no sooner than this after the mark (coalesces a burst of changes). */
  delayMs: number;
  /** Mark every viewer who opened the tab within this long (0: only `users`). */
  viewerAgeMs: number;
}

export class HomeStore {
  private readonly k: ReturnType<typeof homeKeys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = homeKeys(prefix);
  }

  /** Marks people (or every recent viewer) due; the generation of a drain job to add, if one must be. */
  async mark(users: readonly string[], o: MarkOptions): Promise<{ addJob: boolean; gen: string }> {
    const k = this.k;
    const [add, gen] = (await runScript(
      this.redis, MARK, [k.due, k.drain, k.gen, k.sent, k.viewers, k.marked], [o.nowMs, o.windowMs, o.delayMs, o.viewerAgeMs, ...users],
    )) as [number, string];
    return { addJob: add === 1, gen };
  }

  async next(gen: string, nowMs: number): Promise<NextHome> {
    const [kind, value, marked] = (await runScript(this.redis, NEXT, [this.k.due, this.k.drain, this.k.marked], [gen, nowMs])) as [string, string | undefined, string | undefined];
    if (kind === 'wait') return { kind, ms: Number(value) };
    if (kind === 'user') return { kind, user: value!, markedAtMs: Number(marked ?? 0) };
    return { kind: kind as 'stale' | 'done' };
  }

  /**
   * Puts a person back, due at `atMs` (or sooner if already due sooner): a publish that must wait.
   * Their mark time goes back too, unless a mark since has set a later one.
   */
  async again(user: string, atMs: number, markedAtMs: number): Promise<void> {
    await this.redis.multi().zadd(this.k.due, 'LT', atMs, user).hsetnx(this.k.marked, user, markedAtMs).exec();
  }

  async opened(user: string, nowMs: number): Promise<void> {
    await this.redis.zadd(this.k.viewers, nowMs, user);
  }

  async viewers(sinceMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.viewers, sinceMs, '+inf');
  }

  async state(user: string): Promise<unknown> {
    const raw = await this.redis.hget(this.k.state, user);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  }

  async setState(user: string, state: unknown): Promise<void> {
    await this.redis.hset(this.k.state, user, JSON.stringify(state));
  }

  async setNotice(user: string, text: string): Promise<void> {
    await this.redis.hset(this.k.notice, user, text);
  }

  /** The notice to show, if any; it is shown once (taken when the view that shows it was published). */
  async notice(user: string): Promise<string | null> {
    return this.redis.hget(this.k.notice, user);
  }

  /** Drops the notice if it is still the one shown. */
  async clearNotice(user: string, shown: string): Promise<void> {
    await this.redis.eval("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end return 1", 1, this.k.notice, user, shown);
  }

  /** The hash of the last view published to the person, if any. */
  async sentHash(user: string): Promise<string | null> {
    const sent = await this.redis.hget(this.k.sent, user);
    return sent === null ? null : sent.slice(sent.indexOf(':') + 1);
  }

  async forgetSent(user: string): Promise<void> {
    await this.redis.hdel(this.k.sent, user);
  }

  async recordSent(user: string, nowMs: number, hash: string): Promise<void> {
    await this.redis.hset(this.k.sent, user, `${nowMs}:${hash}`);
  }
}
