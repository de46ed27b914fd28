/**
 * The lifecycle's repeatable job (queue `lifecycle-sweep`): `key-reminders`, weekly — each live
 * partner with SSH keys older than KEY_MAX_AGE_DAYS gets one reminder in its thread per week. The
 * reminder is guarded by a Redis flag set before it is queued, so duplicated or overlapping runs
 * post nothing twice. (Nudges and expiry of pending approvals: src/jobs/approval.)
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Audit, Clock, Notify } from '../../actions/ports.js';
import { oldKeysText } from '../../bot/messages/lifecycle.js';
import { describeKeys } from '../../domain/key-ages.js';
import type { PartnerStore } from '../../store/partners.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';

export const LIFECYCLE_SWEEP_QUEUE = QUEUE_NAMES.lifecycleSweep;
export const KEY_REMINDERS_JOB = 'key-reminders';
const WEEK_MS = 7 * 86_400_000;

export async function scheduleLifecycleSweep(connection: ConnectionOptions, prefix: string, o: { remindEveryMs?: number } = {}): Promise<Queue> {
  const queue = new Queue(LIFECYCLE_SWEEP_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler('key-reminders-weekly', { every: o.remindEveryMs ?? WEEK_MS }, { name: KEY_REMINDERS_JOB });
  return queue;
}

export interface SweepDeps {
  redis: Redis;
  prefix: string;
  partners: Pick<PartnerStore, 'liveRecords'>;
  notify: Notify;
  audit?: Audit;
  clock: Clock;
  keyMaxAgeDays: number;
}

/** One reminder per partner per week about keys older than KEY_MAX_AGE_DAYS; answers how many partners were reminded. */
export async function remindOldKeys(deps: SweepDeps): Promise<number> {
  const now = deps.clock.now();
  const week = Math.floor(now.getTime() / WEEK_MS);
  let reminded = 0;
  for (const p of await deps.partners.liveRecords()) {
    const id = p.partnerId;
    const old = describeKeys(p, now, deps.keyMaxAgeDays).filter((k) => k.old);
    if (old.length === 0) continue;
    // SET NX with a TTL: the first run of the week only.
    if ((await deps.redis.set(`${deps.prefix}:key-reminder:${id}:${week}`, '1', 'EX', 8 * 86_400, 'NX')) !== 'OK') continue;
    await deps.notify({
      op: 'post', channel: p.channel, thread: { ref: p.threadRef }, priority: 'progress',
      text: oldKeysText({ partnerId: id, keys: old, maxAgeDays: deps.keyMaxAgeDays }),
    });
    await deps.audit?.({ type: 'keys.reminded', partnerId: id, actor: 'partnergate', details: { old: old.map((k) => k.fingerprint), maxAgeDays: deps.keyMaxAgeDays } });
    reminded += 1;
  }
  return reminded;
}

export function createSweepProcessor(deps: SweepDeps) {
  return async (): Promise<Record<string, number>> => ({ reminded: await remindOldKeys(deps) });
}
