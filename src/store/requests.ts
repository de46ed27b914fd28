/**
 * Onboarding requests in Redis. A request is a hash: `data` (the submitted request, immutable JSON),
 * `status`, `expiresAt` (ms) and `decision` (JSON). Creating a request reserves its partner id in the
 * same Lua script, and every decision is one compare-and-set script, so racing submissions and
 * racing approvals resolve to exactly one winner.
 */
import type { Redis } from 'ioredis';
import { keys, type Keys } from './keys.js';
import { createPending, PendingStore, readPending } from './approval-scripts.js';
import { ErrorCode } from '../domain/errors.js';
import { keyRefs } from '../domain/ssh-key-holder.js';
import type { ApprovalSeals } from '../domain/approval-seal.js';
import type { OnboardingRequest, OnboardingRequestData } from '../domain/requests.js';

/** `seal`: the content seal stored with the request. */
export type CreateResult =
  | { ok: true; seal: string }
  | { ok: false; reason: typeof ErrorCode.PartnerIdTaken; heldBy: string }
  | { ok: false; reason: typeof ErrorCode.SftpLimit | typeof ErrorCode.RoleLimit; limit: number }
  /** `holder`: as the SSH key index holds it (src/domain/ssh-key-holder.ts). */
  | { ok: false; reason: typeof ErrorCode.SshKeyInUse; fingerprint: string; holder: string };

/**
 * What the platform can hold (docs/security.md "Quotas and limits that cap the platform"): Transfer users per server, and IAM roles
 * for partners (the account's role quota, 1,000 by default, 5,000 at most). A request counts from
 * submission until it is rejected or expires, or its partner is offboarded, so racing submissions
 * cannot overshoot.
 */
export interface CapacityLimits {
  sftpUsers: number;
  partnerRoles: number;
}

export const DEFAULT_LIMITS: CapacityLimits = { sftpUsers: 10_000, partnerRoles: 1_000 };

export class RequestStore extends PendingStore<OnboardingRequest, Pick<OnboardingRequestData, 'id' | 'partnerId'>> {
  private readonly k: Keys;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    seals: ApprovalSeals,
    private readonly limits: CapacityLimits = DEFAULT_LIMITS,
  ) {
    super(redis, keys(prefix).request, keys(prefix).pendingRequests(), keys(prefix).sshKeyHolders(), seals, 'request');
    this.k = keys(prefix);
  }

  /**
   * Stores a pending request, sealed, and reserves its partner id, its share of capacity and its SSH
   * keys (refused when another partner holds or claims one), atomically.
   */
  async create(data: OnboardingRequestData): Promise<CreateResult> {
    const seal = this.seals.content('request', data);
    const capacity: { key: string; limit: number; reason: typeof ErrorCode.SftpLimit | typeof ErrorCode.RoleLimit }[] = [
      ...(data.sshKeys.length > 0 ? [{ key: this.k.sftpUsers(), limit: this.limits.sftpUsers, reason: ErrorCode.SftpLimit }] : []),
      ...(data.accountId ? [{ key: this.k.partnerRoles(), limit: this.limits.partnerRoles, reason: ErrorCode.RoleLimit }] : []),
    ];
    const created = await createPending(this.redis, {
      reservation: this.k.partnerIdReservation(data.partnerId), item: this.k.request(data.id), pending: this.k.pendingRequests(),
      keyIndex: this.k.sshKeyHolders(), id: data.id, partnerId: data.partnerId, data, expiresAt: data.expiresAt, seal,
      capacity, claims: keyRefs(data.sshKeys).map((k) => k.fingerprint),
    });
    if (created.ok) return { ok: true, seal };
    if (created.reason === 'limit') {
      const full = capacity[created.index]!;
      return { ok: false, reason: full.reason, limit: full.limit };
    }
    if (created.reason === ErrorCode.SshKeyInUse) return created;
    return { ok: false, reason: ErrorCode.PartnerIdTaken, heldBy: created.heldBy };
  }

  /** An offboarded partner no longer holds a Transfer user or a role (its id stays reserved). */
  async releaseCapacity(requestId: string): Promise<void> {
    await this.redis.multi().srem(this.k.sftpUsers(), requestId).srem(this.k.partnerRoles(), requestId).exec();
  }

  /** Who holds a partner id (a request id), or null when it is free. */
  async partnerIdHolder(partnerId: string): Promise<string | null> {
    return this.redis.get(this.k.partnerIdReservation(partnerId));
  }

  /** Rejected and expired requests release their partner id and their share of capacity. */
  protected held(request: Pick<OnboardingRequestData, 'partnerId'>): string[] {
    return [this.k.partnerIdReservation(request.partnerId), this.k.sftpUsers(), this.k.partnerRoles()];
  }

  /** Marks the request nudged; true the first time only (the flag outlives any request's wait). */
  async markNudged(requestId: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:nudged:${requestId}`, '1', 'EX', 31 * 86_400, 'NX')) === 'OK';
  }
}

/** Reading requests without the key (`reconcile --rebuild`): as stored, seals not checked. */
export function requestReader(redis: Redis, prefix: string): Pick<RequestStore, 'get'> {
  return { get: (id) => readPending<OnboardingRequest>(redis, keys(prefix).request(id), id) };
}
