/**
 * Access reviews (docs/reviews.md "The job"), queue `access-reviews`: one job scheduler runs the
 * `sweep` job every minute (deterministic scheduler id, concurrency 1); the sweep is the use case's
 * (src/actions/reviews `sweepReviews`), idempotent: each stage is claimed in Redis before its
 * messages are queued.
 */
import { Queue, type ConnectionOptions, type Worker } from 'bullmq';
import { sweepReviews, type ReviewDeps, type ReviewSweepResult } from '../../actions/reviews/index.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';

export const REVIEWS_QUEUE = QUEUE_NAMES.reviews;
export const REVIEW_SWEEP_JOB = 'sweep';
export const REVIEW_SCHEDULER_ID = 'access-reviews-every-minute';

export async function scheduleReviews(connection: ConnectionOptions, prefix: string, o: { everyMs?: number } = {}): Promise<Queue> {
  const queue = new Queue(REVIEWS_QUEUE, { connection, prefix, defaultJobOptions: KEEP });
  await queue.upsertJobScheduler(REVIEW_SCHEDULER_ID, { every: o.everyMs ?? 60_000 }, { name: REVIEW_SWEEP_JOB });
  return queue;
}

export function createReviewsWorker(connection: ConnectionOptions, prefix: string, deps: ReviewDeps, stall?: StallOverrides): Worker<unknown, ReviewSweepResult> {
  return createWorker<unknown>(REVIEWS_QUEUE, async () => sweepReviews(deps), { connection, prefix, concurrency: 1 }, { logger: deps.logger, overrides: stall }) as Worker<unknown, ReviewSweepResult>;
}
