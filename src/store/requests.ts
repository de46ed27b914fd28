/**
 * Onboarding requests in Redis. A request is a hash: `data` (the submitted request, immutable JSON),
 * `status`, `expiresAt` (ms) and `decision` (JSON). Creating a request reserves its partner id in the
 * same Lua script, and every decision is one compare-and-set script, so racing submissions and
 * racing approvals resolve to exactly one winner.
 */
import type { Redis } from 'ioredis';
import { keys, type Keys } from './keys.js';
import { CREATE_PENDING as CREATE, DECIDE_PENDING as DECIDE } from './approval-scripts.js';
import type { Decision, OnboardingRequest, OnboardingRequestData, RequestStatus } from '../domain/requests.js';




export type CreateResult =
  | { ok: true }
  | { ok: false; reason: 'partner_id_taken'; heldBy: string }
  | { ok: false; reason: 'sftp_limit' | 'role_limit'; limit: number };

/**
 * What the platform can hold (DESIGN "Limits that follow"): Transfer users per server, and IAM roles
 * for partners (the account's role quota, 1,000 by default, 5,000 at most). A request counts from
 * submission until it is rejected or expires, or its partner is offboarded, so racing submissions
 * cannot overshoot.
 */
export interface CapacityLimits {
  sftpUsers: number;
  partnerRoles: number;
}

export const DEFAULT_LIMITS: CapacityLimits = { sftpUsers: 10_000, partnerRoles: 1_000 };
export type DecideResult =
  | { ok: true; request: OnboardingRequest }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'already_decided' | 'expired'; request: OnboardingRequest };


export class RequestStore {
  private readonly k: Keys;
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly limits: CapacityLimits = DEFAULT_LIMITS,
  ) {
    this.k = keys(prefix);
  }

  /** Stores a pending request, reserves its partner id and its share of capacity, atomically. */
  async create(data: OnboardingRequestData): Promise<CreateResult> {
    const capacity: { key: string; limit: number; reason: 'sftp_limit' | 'role_limit' }[] = [
      ...(data.sshKeys.length > 0 ? [{ key: this.k.sftpUsers(), limit: this.limits.sftpUsers, reason: 'sftp_limit' as const }] : []),
      ...(data.accountId ? [{ key: this.k.partnerRoles(), limit: this.limits.partnerRoles, reason: 'role_limit' as const }] : []),
    ];
    const held = (await this.redis.eval(
      CREATE,
      3 + capacity.length,
      this.k.partnerIdReservation(data.partnerId),
      this.k.request(data.id),
      this.k.pendingRequests(),
      ...capacity.map((c) => c.key),
      data.id,
      JSON.stringify(data),
      String(Date.parse(data.expiresAt)),
      ...capacity.map((c) => String(c.limit)),
    )) as string;
    if (held === '') return { ok: true };
    if (held.startsWith('!limit:')) {
      const full = capacity[Number(held.slice('!limit:'.length)) - 1]!;
      return { ok: false, reason: full.reason, limit: full.limit };
    }
    return { ok: false, reason: 'partner_id_taken', heldBy: held };
  }

  /** An offboarded partner no longer holds a Transfer user or a role (its id stays reserved). */
  async releaseCapacity(requestId: string): Promise<void> {
    await this.redis.multi().srem(this.k.sftpUsers(), requestId).srem(this.k.partnerRoles(), requestId).exec();
  }

  async get(requestId: string): Promise<OnboardingRequest | null> {
    const h = await this.redis.hgetall(this.k.request(requestId));
    if (!h['data']) return null;
    return {
      ...(JSON.parse(h['data']) as OnboardingRequestData),
      status: h['status'] as RequestStatus,
      decision: h['decision'] ? (JSON.parse(h['decision']) as Decision) : null,
    };
  }

  /** Who holds a partner id (a request id), or null when it is free. */
  async partnerIdHolder(partnerId: string): Promise<string | null> {
    return this.redis.get(this.k.partnerIdReservation(partnerId));
  }

  /** The one transition out of `pending`. Rejected and expired requests release their partner id. */
  async decide(requestId: string, decision: Decision, now: Date): Promise<DecideResult> {
    const outcome = (await this.redis.eval(
      DECIDE,
      5,
      this.k.request(requestId),
      this.k.pendingRequests(),
      await this.reservationKeyOf(requestId),
      this.k.sftpUsers(),
      this.k.partnerRoles(),
      decision.status,
      JSON.stringify(decision),
      String(now.getTime()),
      requestId,
    )) as string;
    if (outcome === 'not_found') return { ok: false, reason: 'not_found' };
    const request = (await this.get(requestId))!;
    if (outcome === 'ok') return { ok: true, request };
    return { ok: false, reason: outcome as 'already_decided' | 'expired', request };
  }

  /** Ids of pending requests whose expiry is at or before `now`. */
  async expiredPending(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.pendingRequests(), '-inf', now.getTime(), 'LIMIT', 0, limit);
  }

  private async reservationKeyOf(requestId: string): Promise<string> {
    const data = await this.redis.hget(this.k.request(requestId), 'data');
    const partnerId = data ? (JSON.parse(data) as OnboardingRequestData).partnerId : '-none-';
    return this.k.partnerIdReservation(partnerId);
  }
}
