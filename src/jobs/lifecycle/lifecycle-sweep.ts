/**
 * The lifecycle's repeatable jobs (queue `lifecycle-sweep`):
 * - `sweep`, every minute: pending approvals — onboarding requests and lifecycle changes — that
 *   have waited NUDGE_AFTER_HOURS are nudged once in their thread; lifecycle changes past their
 *   expiry are marked expired (onboarding requests have their own expiry job).
 * - `key-reminders`, weekly: each live partner with SSH keys older than KEY_MAX_AGE_DAYS gets one
 *   reminder in its thread per week.
 * Every message is guarded by a Redis flag set before it is queued, so duplicated or overlapping
 * runs post nothing twice.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock, Notify } from '../../actions/ports.js';
import type { Audit } from '../../actions/ports.js';
import { expireChange } from '../../actions/approval/index.js';
import type { ChangeDeps } from '../../actions/lifecycle/index.js';
import { changeTitle } from '../../bot/messages/change-card.js';
import { cardRef } from '../../bot/messages/ids.js';
import { code, when } from '../../bot/messages/mrkdwn.js';
import { describeKeys } from '../../domain/key-ages.js';
import type { Logger } from '../../logger.js';
import { keys } from '../../store/keys.js';
import type { ChangeRequestStore } from '../../store/change-requests.js';
import type { PartnerStore } from '../../store/partners.js';
import type { RequestStore } from '../../store/requests.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';

export const LIFECYCLE_SWEEP_QUEUE = QUEUE_NAMES.lifecycleSweep;
export const SWEEP_JOB = 'sweep';
export const KEY_REMINDERS_JOB = 'key-reminders';
const WEEK_MS = 7 * 86_400_000;

export async function scheduleLifecycleSweep(connection: ConnectionOptions, prefix: string, o: { sweepEveryMs?: number; remindEveryMs?: number } = {}): Promise<Queue> {
  const queue = new Queue(LIFECYCLE_SWEEP_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler('lifecycle-sweep-every-minute', { every: o.sweepEveryMs ?? 60_000 }, { name: SWEEP_JOB });
  await queue.upsertJobScheduler('key-reminders-weekly', { every: o.remindEveryMs ?? WEEK_MS }, { name: KEY_REMINDERS_JOB });
  return queue;
}

export interface SweepDeps extends ChangeDeps {
  redis: Redis;
  prefix: string;
  requests: RequestStore;
  changes: ChangeRequestStore;
  partners: PartnerStore;
  notify: Notify;
  audit?: Audit;
  clock: Clock;
  logger: Logger;
  nudgeAfterHours: number;
  keyMaxAgeDays: number;
}

const hoursSince = (iso: string, now: Date) => Math.floor((now.getTime() - Date.parse(iso)) / 3_600_000);

/** SET NX with a TTL: true the first time only. */
async function firstTime(redis: Redis, key: string, ttlSeconds: number): Promise<boolean> {
  return (await redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
}

/** Nudges every pending approval that has waited long enough; answers how many were nudged. */
export async function nudgePendingApprovals(deps: SweepDeps): Promise<number> {
  const now = deps.clock.now();
  const due = (requestedAt: string) => hoursSince(requestedAt, now) >= deps.nudgeAfterHours;
  let nudged = 0;
  for (const id of await deps.redis.zrange(keys(deps.prefix).pendingRequests(), 0, 999)) {
    const r = await deps.requests.get(id);
    if (!r || r.status !== 'pending' || !due(r.requestedAt)) continue;
    if (!(await firstTime(deps.redis, `${deps.prefix}:nudged:${id}`, 31 * 86_400))) continue;
    await deps.notify({
      op: 'post', channel: r.channel, thread: { ref: cardRef(r.id) }, priority: 'approval',
      text: `:bell: Onboarding of ${code(r.partnerId)} has waited ${hoursSince(r.requestedAt, now)} hours for a second person to approve (it expires ${when(r.expiresAt)}). Approvers: use the buttons on the card above.`,
    });
    await deps.audit?.({ type: 'approval.nudged', partnerId: r.partnerId, requestId: r.id, actor: 'partnergate', details: { kind: 'onboarding', waitedHours: hoursSince(r.requestedAt, now) } });
    nudged += 1;
  }
  for (const id of await deps.changes.pendingIds()) {
    const c = await deps.changes.get(id);
    if (!c || c.status !== 'pending' || !due(c.requestedAt)) continue;
    if (!(await deps.changes.markNudged(id, now))) continue;
    await deps.notify({
      op: 'post', channel: c.channel, thread: { ref: c.threadRef }, priority: 'approval',
      text: `:bell: "${changeTitle(c.spec)}" for ${code(c.partnerId)} has waited ${hoursSince(c.requestedAt, now)} hours for a second person to approve (it expires ${when(c.expiresAt)}).`,
    });
    await deps.audit?.({ type: 'approval.nudged', partnerId: c.partnerId, requestId: c.id, actor: 'partnergate', details: { kind: c.spec.kind, waitedHours: hoursSince(c.requestedAt, now) } });
    nudged += 1;
  }
  return nudged;
}

/** Marks every lifecycle change past its expiry expired; answers how many. */
export async function expireDueChanges(deps: SweepDeps): Promise<number> {
  let expired = 0;
  for (;;) {
    let round = 0;
    for (const id of await deps.changes.expiredPending(deps.clock.now(), 100)) if (await expireChange(deps, id)) round += 1;
    expired += round;
    if (round === 0) return expired;
  }
}

/** One reminder per partner per week about keys older than KEY_MAX_AGE_DAYS; answers how many partners were reminded. */
export async function remindOldKeys(deps: SweepDeps): Promise<number> {
  const now = deps.clock.now();
  const week = Math.floor(now.getTime() / WEEK_MS);
  let reminded = 0;
  for (const id of (await deps.partners.liveIds()).sort()) {
    const p = await deps.partners.get(id);
    if (!p || p.status !== 'live') continue;
    const old = describeKeys(p, now, deps.keyMaxAgeDays).filter((k) => k.old);
    if (old.length === 0) continue;
    if (!(await firstTime(deps.redis, `${deps.prefix}:key-reminder:${id}:${week}`, 8 * 86_400))) continue;
    const list = old.map((k) => `${code(k.fingerprint)} (${k.ageDays} days)`).join(', ');
    await deps.notify({
      op: 'post', channel: p.channel, thread: { ref: p.threadRef }, priority: 'progress',
      text: `:warning: ${old.length} SSH key${old.length === 1 ? '' : 's'} of ${code(id)} ${old.length === 1 ? 'is' : 'are'} older than ${deps.keyMaxAgeDays} days: ${list}. Ask the partner for a new key and change it with \`/partner-keys ${id}\`.`,
    });
    await deps.audit?.({ type: 'keys.reminded', partnerId: id, actor: 'partnergate', details: { old: old.map((k) => k.fingerprint), maxAgeDays: deps.keyMaxAgeDays } });
    reminded += 1;
  }
  return reminded;
}

export function createSweepProcessor(deps: SweepDeps) {
  return async (job: { name: string }): Promise<Record<string, number>> => {
    if (job.name === KEY_REMINDERS_JOB) return { reminded: await remindOldKeys(deps) };
    return { nudged: await nudgePendingApprovals(deps), expired: await expireDueChanges(deps) };
  };
}
