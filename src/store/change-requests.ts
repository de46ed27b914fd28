/**
 * Lifecycle change requests (offboarding, SSH keys, ExternalId rotation, added feeds) in Redis,
 * approved exactly like onboarding requests: the same Lua scripts (./approval-scripts.ts), so a
 * change is decided once, atomically, and expires. Each partner has at most one open change of a
 * kind: the reservation `P:chg:open:<partnerId>:<kind>` is taken when the change is requested,
 * released when it is rejected or expires, and released by the job once an approved change is
 * applied (never, for offboarding: a partner is offboarded once).
 *
 *   P:chg:<changeId>                  hash   data, status, expiresAt, decision, nudgedAt
 *   P:chg:pending                     zset   pending change ids by expiry (ms)
 *   P:chg:open:<partnerId>:<kind>     string the change id holding the kind open
 */
import type { Redis } from 'ioredis';
import { CREATE_PENDING, decidePending, readPending } from './approval-scripts.js';
import type { DecideOutcome } from '../domain/approval.js';
import { CHANGE_ID_PATTERN, type ChangeKind, type ChangeRequest, type ChangeRequestData, type Decision } from '../domain/requests.js';

export type CreateChangeResult = { ok: true } | { ok: false; reason: 'already_open'; heldBy: string };

export const changeKeys = (prefix: string) => ({
  change: (id: string) => `${prefix}:chg:${id}`,
  pending: () => `${prefix}:chg:pending`,
  open: (partnerId: string, kind: ChangeKind) => `${prefix}:chg:open:${partnerId}:${kind}`,
});

export class ChangeRequestStore {
  private readonly k: ReturnType<typeof changeKeys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = changeKeys(prefix);
  }

  /** Stores a pending change, unless one of its kind is already open for the partner. */
  async create(data: ChangeRequestData): Promise<CreateChangeResult> {
    const held = (await this.redis.eval(
      CREATE_PENDING, 3,
      this.k.open(data.partnerId, data.spec.kind), this.k.change(data.id), this.k.pending(),
      data.id, JSON.stringify(data), String(Date.parse(data.expiresAt)),
    )) as string;
    return held === '' ? { ok: true } : { ok: false, reason: 'already_open', heldBy: held };
  }

  async get(id: string): Promise<ChangeRequest | null> {
    return CHANGE_ID_PATTERN.test(id) ? readPending<ChangeRequest>(this.redis, this.k.change(id)) : null;
  }

  /** The one transition out of `pending` (see DECIDE_PENDING). */
  async decide(change: Pick<ChangeRequestData, 'id' | 'partnerId' | 'spec'>, decision: Decision, now: Date): Promise<DecideOutcome<ChangeRequest>> {
    const held = [this.k.change(change.id), this.k.pending(), this.k.open(change.partnerId, change.spec.kind)];
    return decidePending(this.redis, held, change.id, decision, now);
  }

  /** After an approved change was applied: its kind is open for a new change again. */
  async release(change: Pick<ChangeRequestData, 'id' | 'partnerId' | 'spec'>): Promise<void> {
    const key = this.k.open(change.partnerId, change.spec.kind);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, key, change.id);
  }

  /** The change holding `kind` open for the partner, if any. */
  async openChange(partnerId: string, kind: ChangeKind): Promise<string | null> {
    return this.redis.get(this.k.open(partnerId, kind));
  }

  /** Ids of pending changes whose expiry is at or before `now`. */
  async expiredPending(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.pending(), '-inf', now.getTime(), 'LIMIT', 0, limit);
  }

  /** Every pending change id (the index holds only undecided changes). */
  async pendingIds(limit = 1000): Promise<string[]> {
    return this.redis.zrange(this.k.pending(), 0, limit - 1);
  }

  /** Marks the change nudged; true the first time only. */
  async markNudged(id: string, at: Date): Promise<boolean> {
    return (await this.redis.hsetnx(this.k.change(id), 'nudgedAt', at.toISOString())) === 1;
  }
}
