/**
 * Locks and stalls: how soon a job whose worker died runs again, and what happens to a job that
 * keeps dying with its worker. One table for every queue; every worker is built by createWorker
 * below, so nothing else sets BullMQ's lock options (docs/runbook.md "After a crash").
 *
 * How BullMQ hands a dead worker's job on: the worker holds a lock on each job it runs
 * (`lockDuration`) and renews it every half of that while the job runs, however long the job
 * takes. Every `stalledInterval` a worker of the queue marks the active jobs and moves to wait
 * those marked last time whose lock is gone. So after a worker dies its jobs run again within
 * lockDuration + stalledInterval on a live worker (the lock lapses 1/2 to 1 lockDuration after the
 * death, the next check follows within an interval), or one interval after the restarted worker
 * is up if that is later: 15 s here, measured 14.6–15.1 s; 68 s with BullMQ's defaults, 30 s and
 * 30 s (docs/benchmarks.md, benchmark 7).
 *
 * Why the lock is not sized to the job: a 5 GB CopyObject may take minutes, but the lock is
 * renewed meanwhile. What the lock must outlast is a live worker failing to renew it — its event
 * loop blocked, or Redis unreachable — or the job is handed to another worker while it still
 * runs, and runs twice. Measured (benchmark 7): the worker's event loop stalled at most 215 ms
 * during a 1,000-partner fan-out on a loaded machine, while deliver jobs took 0.3 s (p50) to 1.3 s
 * and the dispatch of 1,000 deliveries 4.5 s; a Redis restart from its AOF takes seconds. A 10 s
 * lock, renewed every 5 s, covers those many times over.
 *
 * Stalls: BullMQ fails a job that stalled more than `maxStalledCount` times ("job stalled more
 * than allowable limit") without running it — dropped, for a delivery: copied perhaps, with no
 * record and no receipt. Here BullMQ's limit is out of reach and the guard owns it: a job that
 * stalled more than `maxStalls` times (its worker died with it each time: a crash loop it may
 * cause) goes to the queue's `onStalledOut` — deliver and dispatch report it and do not run it
 * again — or, for queues without one, runs again with an error logged. The guard runs under the
 * job's lock like any run, so a report is made at least once, never dropped.
 */
import { Worker, type Job, type Processor, type WorkerOptions } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { QueueName } from './queues.js';

export interface StallSettings {
  /** The lock on a running job (ms), renewed every half of it: outlasts any stall of a live worker. */
  lockDurationMs: number;
  /** How often a worker looks for jobs whose lock lapsed (ms). */
  stalledIntervalMs: number;
  /** Deaths of its worker a job may go through and still run; one more goes to onStalledOut. */
  maxStalls: number;
}

/** Tests shorten the lock and the check (a worker killed on purpose); per queue. */
export type StallOverrides = Partial<Record<QueueName, Partial<StallSettings>>>;

const RECOVER_FAST = { lockDurationMs: 10_000, stalledIntervalMs: 5_000 } as const;

/**
 * Every queue. The jobs (docs/architecture.md "Queues") all wait on the network — S3, Slack, AWS
 * APIs — and none holds the event loop, so one lock fits all; what differs is what a stall-out
 * does. Three deaths of the worker while one job runs is no coincidence of deploys any more.
 */
export const STALL_SETTINGS: Readonly<Record<QueueName, StallSettings>> = {
  // Reported after three deaths: the file in the partner's thread with Resend; a dispatch in DELIVERIES_CHANNEL.
  deliver: { ...RECOVER_FAST, maxStalls: 3 },
  dispatch: { ...RECOVER_FAST, maxStalls: 3 },
  // Run again after an error log: idempotent step tables, sweeps and flushes, whose failures their
  // jobs report themselves; a notify job sends a message at least once in any case.
  notify: { ...RECOVER_FAST, maxStalls: 3 },
  provision: { ...RECOVER_FAST, maxStalls: 3 },
  verify: { ...RECOVER_FAST, maxStalls: 3 },
  audit: { ...RECOVER_FAST, maxStalls: 3 },
  offboard: { ...RECOVER_FAST, maxStalls: 3 },
  'partner-change': { ...RECOVER_FAST, maxStalls: 3 },
  reconcile: { ...RECOVER_FAST, maxStalls: 3 },
  // Scheduled: BullMQ never fails a repeatable job for stalling, and the next run comes anyway.
  poll: { ...RECOVER_FAST, maxStalls: 3 },
  'lifecycle-sweep': { ...RECOVER_FAST, maxStalls: 3 },
  'approval-sweep': { ...RECOVER_FAST, maxStalls: 3 },
  'pickup-deadlines': { ...RECOVER_FAST, maxStalls: 3 },
  'access-reviews': { ...RECOVER_FAST, maxStalls: 3 },
  // The Home's drain job: a person taken when the worker died is published at the next change or sweep.
  home: { ...RECOVER_FAST, maxStalls: 3 },
};

/** BullMQ's own stall limit, never reached: the guard decides first (see above). */
const BULLMQ_MAX_STALLED = 1_000_000;

export function stallSettings(queue: QueueName, overrides?: StallOverrides): StallSettings {
  return { ...STALL_SETTINGS[queue], ...overrides?.[queue] };
}

/** The longest a job waits, after its worker died, before a live worker runs it again (ms). */
export function recoveryBoundMs(s: Pick<StallSettings, 'lockDurationMs' | 'stalledIntervalMs'>): number {
  return s.lockDurationMs + s.stalledIntervalMs;
}

/** What a job that stalled out becomes instead of running again (a report); its result is the job's. */
export type OnStalledOut<T> = (job: Job<T>, stalls: number) => Promise<unknown>;

export interface StallGuard<T> {
  logger: Logger;
  overrides?: StallOverrides | undefined;
  onStalledOut?: OnStalledOut<T>;
}

/** The processor behind the guard: a job past its queue's maxStalls goes to onStalledOut, if any. */
export function guardStalls<T>(queue: QueueName, processor: Processor<T>, guard: StallGuard<T>): Processor<T> {
  const { maxStalls } = stallSettings(queue, guard.overrides);
  return async (job, token, signal) => {
    const stalls = job.stalledCounter;
    if (stalls <= maxStalls) return processor(job, token, signal);
    const fields = { queue, jobId: job.id, name: job.name, stalls, maxStalls };
    if (!guard.onStalledOut) {
      guard.logger.error(fields, 'job stalled out: its worker died with it more often than allowed; running it again');
      return processor(job, token, signal);
    }
    guard.logger.error(fields, 'job stalled out: its worker died with it more often than allowed; reported, not run again');
    return guard.onStalledOut(job, stalls);
  };
}

export type BaseWorkerOptions = Omit<WorkerOptions, 'lockDuration' | 'lockRenewTime' | 'stalledInterval' | 'maxStalledCount'>;

/** A BullMQ worker of `queue` with the table's lock and stall settings and its stall guard. */
export function createWorker<T>(queue: QueueName, processor: Processor<T>, options: BaseWorkerOptions, guard: StallGuard<T>): Worker<T> {
  const s = stallSettings(queue, guard.overrides);
  return new Worker<T>(queue, guardStalls(queue, processor, guard), {
    ...options,
    lockDuration: s.lockDurationMs,
    stalledInterval: s.stalledIntervalMs,
    maxStalledCount: BULLMQ_MAX_STALLED,
  });
}
