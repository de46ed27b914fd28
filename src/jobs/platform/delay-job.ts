/** Ends this run of a job and puts it back, delayed `ms` (0: it takes its turn again): BullMQ's DelayedError pattern. */
import { DelayedError, type Job } from 'bullmq';

export async function delayJob(job: Pick<Job, 'moveToDelayed'>, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(0, Math.ceil(ms)), token);
  throw new DelayedError();
}
