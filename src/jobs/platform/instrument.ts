/**
 * Every worker: errors logged (never unhandled), jobs counted by queue and outcome — `stalled`: a
 * job whose worker died (or stopped renewing its lock) went back to wait (src/jobs/platform/stalls.ts).
 */
import type { Worker } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';

export function instrumentWorker(worker: Worker, metrics: Metrics, logger: Logger): void {
  const log = logger.child({ queue: worker.name });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('completed', () => metrics.jobs.inc({ queue: worker.name, outcome: 'completed' }));
  worker.on('stalled', (jobId) => {
    metrics.jobs.inc({ queue: worker.name, outcome: 'stalled' });
    log.warn({ jobId }, 'job stalled: its worker died or lost its lock; it runs again');
  });
  worker.on('failed', (job, err) => {
    metrics.jobs.inc({ queue: worker.name, outcome: 'failed' });
    log.warn({ err, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'job failed');
  });
}
