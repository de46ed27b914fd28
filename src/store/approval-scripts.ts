/**
 * The two Lua scripts behind every approval (onboarding requests and lifecycle changes alike), and
 * PendingStore, what the stores of both kinds share.
 * A pending item is a hash — `data` (immutable JSON), `seal`, `status`, `expiresAt` (ms),
 * `decision` (JSON), `decisionSeal` — indexed by expiry in a sorted set, and holding a reservation
 * key (a partner id, or "one open change of this kind for this partner") that is set NX when the
 * item is created. The seals (src/domain/approval-seal.ts) are computed here, in TypeScript, before
 * each script runs, and stored by it: the key never goes to Redis.
 *
 * CREATE — KEYS: reservation, item hash, pending index, the capacity sets (n), the SSH key index;
 *   ARGV: item id, data JSON, expiresAt ms, content seal, n, one limit per capacity set, the key
 *   claim (`<partnerId>:<itemId>`), then the fingerprints the item claims (src/store/ssh-key-scripts.ts).
 *   Answers '' when created (the id joins each capacity set; each key unheld is claimed, and the item
 *   remembers its claims in `keyClaim` and `keyClaims`), '!limit:<i>' when capacity set i (1-based)
 *   is full, '!key:<fingerprint> <holder>' when another partner holds or claims a key, else the id
 *   that holds the reservation (nothing written in any refusal).
 * DECIDE — KEYS: item hash, pending index, SSH key index, reservation, then any capacity sets; ARGV:
 *   new status, decision JSON, now ms, id, decision seal, the seal of the first approval the
 *   decision completes ('' when it completes none).
 *   The one transition out of `pending`: answers 'ok', 'not_found', 'already_decided', 'expired'
 *   (an approval or rejection after expiresAt) or 'first_changed' (the item's first approval is not
 *   the one named). Rejected and expired items release the reservation
 *   if it is still theirs, leave the capacity sets and release their key claims; approved ones keep
 *   all three (the job that applies the item turns the claims into registrations and releases the
 *   rest, or never does: a partner id is reserved for good).
 * FIRST — KEYS: item hash; ARGV: the first approval JSON, now ms, its seal. The first of the two
 *   approvals an item the bot asked for needs (src/domain/approval.ts `approvalsNeeded`), recorded
 *   once: answers 'ok', 'not_found', 'already_decided', 'expired' or 'first_changed' (one is
 *   recorded already, never replaced). The item stays pending; DECIDE, given this seal, completes it.
 */
import type { Redis } from 'ioredis';
import type { DecideOutcome } from '../domain/approval.js';
import type { ApprovalSeals, SealKind } from '../domain/approval-seal.js';
import type { Decision, FirstApproval } from '../domain/requests.js';
import { ErrorCode } from '../domain/errors.js';
import { claimedBy } from '../domain/ssh-key-holder.js';
import { KEY_HOLDER_LUA } from './ssh-key-scripts.js';

/** What CREATE_PENDING writes, and the SSH keys (fingerprints) the item claims for `partnerId`. */
export interface PendingItem {
  reservation: string;
  item: string;
  pending: string;
  keyIndex: string;
  id: string;
  partnerId: string;
  data: unknown;
  expiresAt: string;
  seal: string;
  capacity: { key: string; limit: number }[];
  claims: string[];
}

export type CreatePendingOutcome =
  | { ok: true }
  | { ok: false; reason: 'held'; heldBy: string }
  | { ok: false; reason: 'limit'; index: number }
  | { ok: false; reason: typeof ErrorCode.SshKeyInUse; fingerprint: string; holder: string };

/** Runs CREATE_PENDING for `p` and reads its answer. */
export async function createPending(redis: Redis, p: PendingItem): Promise<CreatePendingOutcome> {
  const answer = (await redis.eval(
    CREATE_PENDING, 4 + p.capacity.length,
    p.reservation, p.item, p.pending, ...p.capacity.map((c) => c.key), p.keyIndex,
    p.id, JSON.stringify(p.data), String(Date.parse(p.expiresAt)), p.seal, p.capacity.length, ...p.capacity.map((c) => String(c.limit)),
    claimedBy(p.partnerId, p.id), ...p.claims,
  )) as string;
  if (answer === '') return { ok: true };
  if (answer.startsWith('!limit:')) return { ok: false, reason: 'limit', index: Number(answer.slice('!limit:'.length)) - 1 };
  if (answer.startsWith('!key:')) {
    const [fingerprint = '', holder = ''] = answer.slice('!key:'.length).split(' ');
    return { ok: false, reason: ErrorCode.SshKeyInUse, fingerprint, holder };
  }
  return { ok: false, reason: 'held', heldBy: answer };
}

export const CREATE_PENDING = `${KEY_HOLDER_LUA}
local held = redis.call('GET', KEYS[1])
if held then return held end
local n = tonumber(ARGV[5])
for i = 1, n do
  if redis.call('SCARD', KEYS[3 + i]) >= tonumber(ARGV[5 + i]) then return '!limit:' .. i end
end
local index, claim = KEYS[4 + n], ARGV[6 + n]
for j = 7 + n, #ARGV do
  local v = redis.call('HGET', index, ARGV[j])
  if v and owner(v) ~= owner(claim) then return '!key:' .. ARGV[j] .. ' ' .. v end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'data', ARGV[2], 'status', 'pending', 'expiresAt', ARGV[3], 'seal', ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
for i = 1, n do redis.call('SADD', KEYS[3 + i], ARGV[1]) end
if #ARGV >= 7 + n then
  redis.call('HSET', KEYS[2], 'keyClaim', claim, 'keyClaims', table.concat(ARGV, ' ', 7 + n, #ARGV))
  for j = 7 + n, #ARGV do redis.call('HSETNX', index, ARGV[j], claim) end
end
return ''
`;

export const DECIDE_PENDING = `${KEY_HOLDER_LUA}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
if status ~= 'pending' then return 'already_decided' end
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if ARGV[1] ~= 'expired' and expiresAt <= tonumber(ARGV[3]) then return 'expired' end
if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'firstApprovalSeal') ~= ARGV[6] then return 'first_changed' end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decision', ARGV[2], 'decisionSeal', ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[1] ~= 'approved' then
  if redis.call('GET', KEYS[4]) == ARGV[4] then redis.call('DEL', KEYS[4]) end
  for i = 5, #KEYS do redis.call('SREM', KEYS[i], ARGV[4]) end
  release_claims(KEYS[1], KEYS[3])
end
return 'ok'
`;

export const FIRST_APPROVAL = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
if status ~= 'pending' then return 'already_decided' end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[2]) then return 'expired' end
if redis.call('HEXISTS', KEYS[1], 'firstApproval') == 1 then return 'first_changed' end
redis.call('HSET', KEYS[1], 'firstApproval', ARGV[1], 'firstApprovalSeal', ARGV[3])
return 'ok'
`;

/**
 * The item `id` under `key` (its data, status, decision and seals) as stored, or null when there is
 * none. Unchecked: jobs check the seals (src/actions/approval/check-approval.ts). The id is the
 * key's, not the data's, so a sealed item copied under another id fails its content check.
 */
export async function readPending<T>(redis: Redis, key: string, id: string): Promise<T | null> {
  const h = await redis.hgetall(key);
  if (!h['data']) return null;
  return {
    ...JSON.parse(h['data']), id, status: h['status'], decision: h['decision'] ? JSON.parse(h['decision']) : null,
    seal: h['seal'], decisionSeal: h['decisionSeal'],
    ...(h['firstApproval'] !== undefined || h['firstApprovalSeal'] !== undefined
      ? { firstApproval: h['firstApproval'] ? JSON.parse(h['firstApproval']) : undefined, firstApprovalSeal: h['firstApprovalSeal'] }
      : {}),
  } as T;
}

/** Items kept as the scripts keep them, with their pending index. `H`: what `decide` needs to know of an item. */
export abstract class PendingStore<T, H extends { id: string } = T & { id: string }> {
  constructor(
    protected readonly redis: Redis,
    private readonly itemKey: (id: string) => string,
    private readonly pendingKey: string,
    /** The SSH key index, whose claims DECIDE_PENDING releases. */
    private readonly keyIndex: string,
    /** Seals what is created and decided (src/domain/approval-seal.ts); `sealKind` separates the kinds' seals. */
    protected readonly seals: ApprovalSeals,
    private readonly sealKind: SealKind,
  ) {}

  /** What DECIDE_PENDING releases besides the item's key claims: its reservation, then any capacity sets. */
  protected abstract held(item: H): string[];

  /** True the first time only. */
  abstract markNudged(id: string, at: Date): Promise<boolean>;

  async get(id: string): Promise<T | null> {
    return readPending<T>(this.redis, this.itemKey(id), id);
  }

  /**
   * The one transition out of `pending` (see DECIDE_PENDING), and the item as it stands after. The
   * decision is sealed with the content seal stored now: content changed in Redis before or after
   * this still fails the job's check, because the content no longer matches that seal.
   */
  async decide(item: H, decision: Decision, now: Date): Promise<DecideOutcome<T>> {
    const keys = [this.itemKey(item.id), this.pendingKey, this.keyIndex, ...this.held(item)];
    const contentSeal = (await this.redis.hget(keys[0]!, 'seal')) ?? undefined;
    const decisionSeal = this.seals.decision(this.sealKind, item.id, contentSeal, decision);
    const firstSeal = decision.first ? this.seals.first(this.sealKind, item.id, contentSeal, decision.first) : '';
    const outcome = (await this.redis.eval(
      DECIDE_PENDING, keys.length, ...keys, decision.status, JSON.stringify(decision), String(now.getTime()), item.id, decisionSeal, firstSeal,
    )) as string;
    return this.outcome(keys[0]!, item.id, outcome);
  }

  /**
   * Records the first of two approvals (see FIRST_APPROVAL), sealed with the content seal stored
   * now; the item stays pending. Once only: a second call answers `first_changed`.
   */
  async approveFirst(item: H, first: FirstApproval, now: Date): Promise<DecideOutcome<T>> {
    const key = this.itemKey(item.id);
    const contentSeal = (await this.redis.hget(key, 'seal')) ?? undefined;
    const seal = this.seals.first(this.sealKind, item.id, contentSeal, first);
    const outcome = (await this.redis.eval(FIRST_APPROVAL, 1, key, JSON.stringify(first), String(now.getTime()), seal)) as string;
    return this.outcome(key, item.id, outcome);
  }

  /** A script's answer, with the item as it stands after. */
  private async outcome(key: string, id: string, answer: string): Promise<DecideOutcome<T>> {
    const stored = await readPending<T>(this.redis, key, id);
    if (answer === 'not_found' || !stored) return { ok: false, reason: 'not_found' };
    return answer === 'ok' ? { ok: true, item: stored } : { ok: false, reason: answer as 'already_decided' | 'expired' | 'first_changed', item: stored };
  }

  /** Ids of pending items whose expiry is at or before `now`. */
  async expiredPending(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.pendingKey, '-inf', now.getTime(), 'LIMIT', 0, limit);
  }

  /** Every pending id (the index holds only undecided items). */
  async pendingIds(limit = 1000): Promise<string[]> {
    return this.redis.zrange(this.pendingKey, 0, limit - 1);
  }
}
