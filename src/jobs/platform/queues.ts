/** Queue names and construction. BullMQ's own `prefix` is PARTNERGATE_PREFIX, so all keys share it. */
import { Queue, type ConnectionOptions, type DefaultJobOptions, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = {
  notify: 'notify',
  provision: 'provision',
  verify: 'verify',
  dispatch: 'dispatch',
  deliver: 'deliver',
  poll: 'poll',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Keep finished jobs long enough to inspect, bounded so Redis does not grow without end. */
export const KEEP: Pick<DefaultJobOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** A job under a deterministic id that BullMQ tries `attempts` times, with the worker's backoff between tries. */
export const retriedJob = (jobId: string, attempts: number): JobsOptions => ({ ...KEEP, jobId, attempts, backoff: { type: 'custom' } });

export function createQueue<T = unknown>(name: QueueName, connection: ConnectionOptions, prefix: string): Queue<T> {
  return new Queue<T>(name, { connection, prefix, defaultJobOptions: KEEP });
}
