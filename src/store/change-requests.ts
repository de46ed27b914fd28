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
import { CREATE_PENDING, PendingStore } from './approval-scripts.js';
import type { ApprovalSeals } from '../domain/approval-seal.js';
import { CHANGE_ID_PATTERN, type ChangeKind, type ChangeRequest, type ChangeRequestData } from '../domain/requests.js';

/** `seal`: the content seal stored with the change. */
export type CreateChangeResult = { ok: true; seal: string } | { ok: false; reason: 'already_open'; heldBy: string };

export const changeKeys = (prefix: string) => ({
  change: (id: string) => `${prefix}:chg:${id}`,
  pending: () => `${prefix}:chg:pending`,
  open: (partnerId: string, kind: ChangeKind) => `${prefix}:chg:open:${partnerId}:${kind}`,
});

type Held = Pick<ChangeRequestData, 'id' | 'partnerId' | 'spec'>;

export class ChangeRequestStore extends PendingStore<ChangeRequest, Held> {
  private readonly k: ReturnType<typeof changeKeys>;
  constructor(redis: Redis, prefix: string, seals: ApprovalSeals) {
    super(redis, changeKeys(prefix).change, changeKeys(prefix).pending(), seals, 'change');
    this.k = changeKeys(prefix);
  }

  /** Stores a pending change, sealed, unless one of its kind is already open for the partner. */
  async create(data: ChangeRequestData): Promise<CreateChangeResult> {
    const seal = this.seals.content('change', data);
    const held = (await this.redis.eval(
      CREATE_PENDING, 3,
      this.k.open(data.partnerId, data.spec.kind), this.k.change(data.id), this.k.pending(),
      data.id, JSON.stringify(data), String(Date.parse(data.expiresAt)), seal,
    )) as string;
    return held === '' ? { ok: true, seal } : { ok: false, reason: 'already_open', heldBy: held };
  }

  override async get(id: string): Promise<ChangeRequest | null> {
    return CHANGE_ID_PATTERN.test(id) ? super.get(id) : null;
  }

  /** Rejected and expired changes leave their kind open for a new change. */
  protected held(change: Held): string[] {
    return [this.k.open(change.partnerId, change.spec.kind)];
  }

  /** After an approved change was applied: its kind is open for a new change again. */
  async release(change: Held): Promise<void> {
    const key = this.k.open(change.partnerId, change.spec.kind);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, key, change.id);
  }

  /** The change holding `kind` open for the partner, if any. */
  async openChange(partnerId: string, kind: ChangeKind): Promise<string | null> {
    return this.redis.get(this.k.open(partnerId, kind));
  }

  /** Marks the change nudged; true the first time only. */
  async markNudged(id: string, at: Date): Promise<boolean> {
    return (await this.redis.hsetnx(this.k.change(id), 'nudgedAt', at.toISOString())) === 1;
  }
}
