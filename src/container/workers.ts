/**
 * The worker role: every BullMQ worker, built from the container, instrumented (errors logged, jobs
 * counted), and the repeatable jobs scheduled. `close()` lets running jobs finish.
 */
import type { Queue, Worker } from 'bullmq';
import { createExpiryWorker, scheduleExpiry } from '../jobs/approval/index.js';
import { createAuditWorker } from '../jobs/audit/index.js';
import { createDeliveryWorkers } from '../jobs/delivery/index.js';
import { createLifecycleWorkers, type LifecycleQueues } from '../jobs/lifecycle/index.js';
import { createNotifyWorker } from '../jobs/notify/index.js';
import { createProvisionWorkers } from '../jobs/onboarding/index.js';
import { instrumentWorker } from '../jobs/platform/instrument.js';
import type { Container } from './container.js';

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

/** The lifecycle queues as the lifecycle jobs and use cases take them, from the registry. */
export function lifecycleQueues(c: Container): LifecycleQueues {
  const { offboard, partnerChange, reconcile } = c.queues;
  return { offboard, partnerChange, reconcile, close: async () => undefined };
}

export async function startWorkers(c: Container): Promise<RunningWorkers> {
  const { config, logger, clock, metrics, notify, audit, approvers } = c;
  const { prefix, platform } = config;
  const connection = c.workerRedis();
  const jobs = c.jobQueues();
  const options = c.overrides.workerOptions ?? {};

  const notifyWorker = createNotifyWorker({
    redis: connection, prefix, logger,
    slack: { apiCall: async (method, args) => ({ ...(await c.slack.apiCall(method, args)) }) },
    onSlackError: (code) => metrics.slackErrors.inc({ code }),
    ...(options.notify ? { options: options.notify } : {}),
  });
  const expiryScheduler: Queue = await scheduleExpiry(c.redis, prefix);
  expiryScheduler.on('error', (err) => logger.warn({ err, queue: expiryScheduler.name }, 'queue: Redis error'));
  const expiry = createExpiryWorker(connection, prefix, {
    store: c.stores.requests, notify, clock, logger: logger.child({ module: 'expiry' }), approvalReaction: config.slack.approvalReaction, audit,
  });
  const auditWorker = createAuditWorker(connection, prefix, {
    s3: c.aws.s3, bucket: platform.bucket, kmsKeyArn: platform.kmsKeyArn, logger: logger.child({ module: 'audit' }), lock: config.auditLock,
  });
  const delivery = createDeliveryWorkers({
    redis: connection, prefix, notify, metrics, logger, clock, audit, storage: c.storage, sqs: c.aws.sqs,
    queues: { dispatch: jobs.dispatch, deliver: jobs.deliver, poll: jobs.poll },
    config: {
      bucket: platform.bucket, outboundPrefix: platform.outboundPrefix, feeds: platform.feeds,
      pollIntervalSeconds: config.pollIntervalSeconds, deliveryQueueUrl: config.deliveryQueueUrl,
      deliveriesChannel: config.slack.deliveriesChannel, fanoutThreadThreshold: config.fanoutThreadThreshold,
    },
    ...(options.delivery ? { options: options.delivery } : {}),
  });
  const provisioning = createProvisionWorkers({
    connection, redis: c.redis, prefix, platform, transferHost: config.transferHost, settleSeconds: config.transferSettleSeconds,
    approvers, notify, verifyQueue: c.queues.verify, aws: c.aws.clients, s3: c.aws.s3, s3ForCredentials: c.aws.s3ForCredentials,
    clock, logger, metrics, audit, onLive: (partnerId) => c.onLive(partnerId),
    ...(options.provision ? { options: options.provision } : {}),
  });
  const lifecycle = createLifecycleWorkers({
    connection, redis: c.redis, prefix, platform, approvers, notify, audit, clock, transferHost: config.transferHost,
    logger: logger.child({ module: 'lifecycle' }), aws: c.aws.clients, s3: c.aws.s3, s3ForCredentials: c.aws.s3ForCredentials,
    onAwsError: (service, code) => metrics.awsErrors.inc({ service, code }),
    approvalReaction: config.slack.approvalReaction, requestTtlHours: config.requestTtlHours,
    nudgeAfterHours: config.nudgeAfterHours, keyMaxAgeDays: config.keyMaxAgeDays,
    onFeedsAdded: (partnerId, changeId) => c.onLive(partnerId, `feeds-${changeId}`),
    ...(options.lifecycle ? { options: options.lifecycle } : {}),
  });
  await lifecycle.start();
  const workers = [notifyWorker, expiry, auditWorker, provisioning.provision, provisioning.verify, ...lifecycle.workers, ...delivery.workers];
  for (const w of workers) instrumentWorker(w, metrics, logger);
  await delivery.start();
  logger.info({ queues: workers.map((w) => w.name) }, 'worker: running');
  return {
    workers,
    async close() {
      await delivery.close();
      await Promise.all([notifyWorker.close(), expiry.close(), auditWorker.close(), provisioning.close()]);
      await lifecycle.close();
      await expiryScheduler.close();
    },
  };
}
