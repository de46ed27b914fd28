/**
 * Pending requests expire after REQUEST_TTL_HOURS: a repeatable job marks them expired (the card
 * says so, the partner id is released). Approval already refuses an expired request on its own;
 * this makes the card tell the truth without anyone clicking.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { expireRequest } from '../../actions/approval/index.js';
import type { Clock, Notify } from '../../actions/ports.js';
import type { Logger } from '../../logger.js';
import type { RequestStore } from '../../store/requests.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';
import type { Audit } from '../../actions/ports.js';

export const EXPIRY_QUEUE = QUEUE_NAMES.expireRequests;
const SCHEDULER_ID = 'expire-requests-every-minute';

export interface ExpiryDeps {
  store: RequestStore;
  notify: Notify;
  clock: Clock;
  logger: Logger;
  approvalReaction: string;
  audit?: Audit;
}

/** Expires every pending request past its expiry; returns how many it expired. */
export async function expireDueRequests(deps: ExpiryDeps): Promise<number> {
  let expired = 0;
  for (;;) {
    const due = await deps.store.expiredPending(deps.clock.now(), 100);
    let round = 0;
    for (const id of due) if (await expireRequest(deps, id)) round += 1;
    expired += round;
    if (round === 0) return expired; // nothing left that can expire (or only stale index entries)
  }
}

export async function scheduleExpiry(connection: ConnectionOptions, prefix: string, everyMs = 60_000): Promise<Queue> {
  const queue = new Queue(EXPIRY_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler(SCHEDULER_ID, { every: everyMs }, { name: 'expire' });
  return queue;
}

export function createExpiryWorker(connection: ConnectionOptions, prefix: string, deps: ExpiryDeps): Worker {
  return new Worker(EXPIRY_QUEUE, async () => ({ expired: await expireDueRequests(deps) }), { connection, prefix, concurrency: 1 });
}
