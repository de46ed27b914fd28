/**
 * The approvals' repeatable job (queue `approval-sweep`, every minute), for onboarding requests and
 * lifecycle changes alike: each pending item that has waited NUDGE_AFTER_HOURS is nudged once in its
 * thread, and each one past its expiry is marked expired (the card says so, its partner id or kind
 * is free again). Deciding refuses an expired item on its own; this makes the cards tell the truth
 * without anyone clicking.
 */
import { Queue, type ConnectionOptions, type Worker } from 'bullmq';
import { expireDue, nudgeDue, type ApprovalDeps, type ApprovalKind } from '../../actions/approval/index.js';
import type { ApprovalItem } from '../../domain/approval.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';

export const APPROVAL_SWEEP_QUEUE = QUEUE_NAMES.approvalSweep;

/** The schedulers this sweep replaced: left in Redis, they would go on queuing jobs for workers that are gone. */
const REPLACED = [['expire-requests', 'expire-requests-every-minute'], ['lifecycle-sweep', 'lifecycle-sweep-every-minute']] as const;

export interface ApprovalSweepDeps extends Omit<ApprovalDeps<ApprovalItem>, 'kind'> {
  kinds: ApprovalKind<ApprovalItem>[];
  nudgeAfterHours: number;
}

export async function sweepApprovals(deps: ApprovalSweepDeps): Promise<{ nudged: number; expired: number }> {
  let nudged = 0;
  let expired = 0;
  for (const kind of deps.kinds) {
    nudged += await nudgeDue({ ...deps, kind });
    expired += await expireDue({ ...deps, kind });
  }
  return { nudged, expired };
}

export async function scheduleApprovalSweep(connection: ConnectionOptions, prefix: string, everyMs = 60_000): Promise<Queue> {
  for (const [name, id] of REPLACED) {
    const old = new Queue(name, { connection, prefix });
    await old.removeJobScheduler(id);
    await old.close();
  }
  const queue = new Queue(APPROVAL_SWEEP_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler('approval-sweep-every-minute', { every: everyMs }, { name: 'sweep' });
  return queue;
}

export function createApprovalSweepWorker(connection: ConnectionOptions, prefix: string, deps: ApprovalSweepDeps, stall?: StallOverrides): Worker {
  return createWorker(APPROVAL_SWEEP_QUEUE, () => sweepApprovals(deps), { connection, prefix, concurrency: 1 }, { logger: deps.logger, overrides: stall });
}
