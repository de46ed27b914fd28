/**
 * Every BullMQ queue, named once. BullMQ's own `prefix` is PARTNERGATE_PREFIX, so all keys share
 * it. The composition root builds each queue once (createQueues); jobs and use cases get the
 * queues they add to from it.
 */
import { Queue, type ConnectionOptions, type DefaultJobOptions, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = {
  notify: 'notify',
  provision: 'provision',
  verify: 'verify',
  dispatch: 'dispatch',
  deliver: 'deliver',
  poll: 'poll',
  audit: 'audit',
  offboard: 'offboard',
  partnerChange: 'partner-change',
  reconcile: 'reconcile',
  lifecycleSweep: 'lifecycle-sweep',
  approvalSweep: 'approval-sweep',
  pickupDeadlines: 'pickup-deadlines',
  reviews: 'access-reviews',
  home: 'home',
} as const;
export type QueueKey = keyof typeof QUEUE_NAMES;
export type QueueName = (typeof QUEUE_NAMES)[QueueKey];

/** Keep finished jobs long enough to inspect, bounded so Redis does not grow without end. */
export const KEEP: Pick<DefaultJobOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Queues whose jobs set their own retention on add (notify lanes, audit, lifecycle changes) get no defaults. */
const OWN_RETENTION: ReadonlySet<QueueName> = new Set(['notify', 'audit', 'offboard', 'partner-change', 'home']);

/** A job under a deterministic id that BullMQ tries `attempts` times, with the worker's backoff between tries. */
export const retriedJob = (jobId: string, attempts: number): JobsOptions => ({ ...KEEP, jobId, attempts, backoff: { type: 'custom' } });

export function createQueue<T = unknown>(name: QueueName, connection: ConnectionOptions, prefix: string): Queue<T> {
  return new Queue<T>(name, { connection, prefix, ...(OWN_RETENTION.has(name) ? {} : { defaultJobOptions: KEEP }) });
}

/** A queue's backlog, for the operators' gauges. */
export interface QueueBacklog {
  /** Jobs not started: waiting (a paused queue's too), prioritized, delayed (retries in backoff, settle waits). */
  depth: number;
  /** How long the job first in line has been ready to run (0 when none is): wait list and priority order. */
  oldestJobAgeSeconds: number;
}

/**
 * Read at scrape time: one count script and two one-job range reads, however long the queue. A
 * job is ready from when it was added plus the delay it was added with; a retried job keeps that
 * time, so a job failing over and over shows its whole wait.
 */
export async function queueBacklog(queue: Queue, nowMs: number): Promise<QueueBacklog> {
  const [counts, oldest, next] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'delayed'),
    queue.getJobs(['wait'], 0, 0, true),
    queue.getJobs(['prioritized'], 0, 0, true),
  ]);
  const readySince = [...oldest, ...next].map((j) => j.timestamp + (j.opts.delay ?? 0));
  const first = readySince.length > 0 ? Math.min(...readySince) : nowMs;
  return {
    depth: Object.values(counts).reduce((a, b) => a + b, 0),
    oldestJobAgeSeconds: Math.max(0, (nowMs - first) / 1000),
  };
}

export type Queues = { [K in QueueKey]: Queue } & { close(): Promise<void> };

/** One Queue object per queue, on the command connection. */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const entries = Object.entries(QUEUE_NAMES).map(([key, name]) => [key, createQueue(name, connection, prefix)] as const);
  const queues = Object.fromEntries(entries) as { [K in QueueKey]: Queue };
  return { ...queues, close: async () => void (await Promise.all(entries.map(([, q]) => q.close()))) };
}
