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
 *
 * An ssh-keys change also claims the keys it adds in the SSH key index (src/store/ssh-key-scripts.ts)
 * from its creation until it is rejected, expires or is released.
 */
import type { Redis } from 'ioredis';
import { createPending, PendingStore } from './approval-scripts.js';
import { keys } from './keys.js';
import { KEY_HOLDER_LUA } from './ssh-key-scripts.js';
import type { ErrorCode } from '../domain/errors.js';
import { keyRefs } from '../domain/ssh-key-holder.js';
import type { ApprovalSeals } from '../domain/approval-seal.js';
import { CHANGE_ID_PATTERN, type ChangeKind, type ChangeRequest, type ChangeRequestData } from '../domain/requests.js';

/** `seal`: the content seal stored with the change. */
export type CreateChangeResult =
  | { ok: true; seal: string }
  | { ok: false; reason: 'already_open'; heldBy: string }
  /** A key to add is held or claimed by another partner; `holder` as the SSH key index holds it. */
  | { ok: false; reason: typeof ErrorCode.SshKeyInUse; fingerprint: string; holder: string };

/** Releases the change's kind (if still held by it) and, unless ARGV[2] is 'keep', its SSH key claims. KEYS open, change hash, key index; ARGV id. */
const RELEASE = `${KEY_HOLDER_LUA}
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= 'keep' then release_claims(KEYS[2], KEYS[3]) end
return 1
`;

export const changeKeys = (prefix: string) => ({
  change: (id: string) => `${prefix}:chg:${id}`,
  pending: () => `${prefix}:chg:pending`,
  open: (partnerId: string, kind: ChangeKind) => `${prefix}:chg:open:${partnerId}:${kind}`,
  keyIndex: () => keys(prefix).sshKeyHolders(),
});

type Held = Pick<ChangeRequestData, 'id' | 'partnerId' | 'spec'>;

export class ChangeRequestStore extends PendingStore<ChangeRequest, Held> {
  private readonly k: ReturnType<typeof changeKeys>;
  constructor(redis: Redis, prefix: string, seals: ApprovalSeals) {
    super(redis, changeKeys(prefix).change, changeKeys(prefix).pending(), changeKeys(prefix).keyIndex(), seals, 'change');
    this.k = changeKeys(prefix);
  }

  /**
   * Stores a pending change, sealed, unless one of its kind is already open for the partner; an
   * ssh-keys change claims the keys it adds, refused when another partner holds or claims one.
   */
  async create(data: ChangeRequestData): Promise<CreateChangeResult> {
    const seal = this.seals.content('change', data);
    const created = await createPending(this.redis, {
      reservation: this.k.open(data.partnerId, data.spec.kind), item: this.k.change(data.id), pending: this.k.pending(),
      keyIndex: this.k.keyIndex(), id: data.id, partnerId: data.partnerId, data, expiresAt: data.expiresAt, seal, capacity: [],
      claims: data.spec.kind === 'ssh-keys' ? keyRefs(data.spec.add).map((k) => k.fingerprint) : [],
    });
    if (created.ok) return { ok: true, seal };
    if (created.reason === 'held') return { ok: false, reason: 'already_open', heldBy: created.heldBy };
    if (created.reason === 'limit') throw new Error('a change has no capacity sets');
    return created;
  }

  override async get(id: string): Promise<ChangeRequest | null> {
    return CHANGE_ID_PATTERN.test(id) ? super.get(id) : null;
  }

  /** Rejected and expired changes leave their kind open for a new change. */
  protected held(change: Held): string[] {
    return [this.k.open(change.partnerId, change.spec.kind)];
  }

  /**
   * After an approved change was applied, failed or was refused: its kind is open for a new change
   * again, and the keys it claimed and did not register are free — unless `keepKeyClaims` (a key
   * change that failed after it may have imported them).
   */
  async release(change: Held, o: { keepKeyClaims?: boolean } = {}): Promise<void> {
    await this.redis.eval(RELEASE, 3, this.k.open(change.partnerId, change.spec.kind), this.k.change(change.id), this.k.keyIndex(), change.id, o.keepKeyClaims ? 'keep' : 'free');
  }

  /** The change holding `kind` open for the partner, if any. */
  async openChange(partnerId: string, kind: ChangeKind): Promise<string | null> {
    return this.redis.get(this.k.open(partnerId, kind));
  }

  /**
   * The kinds of approved changes that write AWS (keys, the ExternalId) held open for the partner:
   * their jobs are between writing AWS and the registry, or about to, so a check may see the two
   * apart for a moment.
   */
  async applying(partnerId: string): Promise<ChangeKind[]> {
    const kinds: ChangeKind[] = [];
    for (const kind of ['ssh-keys', 'external-id'] as const) {
      const id = await this.openChange(partnerId, kind);
      if (id && (await this.get(id))?.status === 'approved') kinds.push(kind);
    }
    return kinds;
  }

  /** Marks the change nudged; true the first time only. */
  async markNudged(id: string, at: Date): Promise<boolean> {
    return (await this.redis.hsetnx(this.k.change(id), 'nudgedAt', at.toISOString())) === 1;
  }
}
