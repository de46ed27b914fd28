/**
 * The worker role: each capability's BullMQ workers, built from the container. `startWorkers`
 * runs them all, instrumented (errors logged, jobs counted), with the repeatable jobs scheduled;
 * tests start only the capabilities they exercise. `close()` lets running jobs finish.
 */
import type { Worker } from 'bullmq';
import { changeApprovals, decide, requestApprovals } from '../actions/approval/index.js';
import { requestChange } from '../actions/lifecycle/index.js';
import type { ReviewDeps } from '../actions/reviews/index.js';
import { createReviewsWorker, scheduleReviews } from '../jobs/reviews/index.js';
import { createPlanRenderer } from '../actions/onboarding/index.js';
import { createApprovalSweepWorker, scheduleApprovalSweep } from '../jobs/approval/index.js';
import { createAuditWorker } from '../jobs/audit/index.js';
import { createDeliveryWorkers, type DeliveryWorkers } from '../jobs/delivery/index.js';
import {
  addEventCheckJob, addOffboardJob, addPartnerChangeJob, createLifecycleWorkers, platformDifference, type LifecycleQueues,
} from '../jobs/lifecycle/index.js';
import { createLifecyclePlane } from '../aws/lifecycle-plane.js';
import { createNotifyWorker } from '../jobs/notify/index.js';
import { createProvisionWorkers } from '../jobs/onboarding/index.js';
import { instrumentWorker } from '../jobs/platform/instrument.js';
import type { SqsPoller } from '../jobs/platform/sqs-poller.js';
import {
  createPickupDeadlinesWorker, createPlatformEventsSource, recordEarlyPickups, schedulePickupDeadlines, startPickupFlusher,
  type DeadlineDeps, type PickupDeps,
} from '../jobs/platform-events/index.js';
import { pickupEventScope, platformEventScope, STACK_NAMES } from '../aws/policies/index.js';
import { findLoggedDownloads } from '../aws/transfer-log.js';
import type { PartnerRecord } from '../domain/partner.js';
import type { ChangeRequest } from '../domain/requests.js';
import { PickupStore } from '../store/pickups.js';
import { ReviewStore } from '../store/reviews.js';
import type { Container } from './container.js';
import { homeWorkers } from './home.js';

export interface WorkerGroup {
  workers: Worker[];
  /** Schedules repeatable jobs and starts event sources. */
  start?(): Promise<void>;
  close(): Promise<void>;
}

const closing = (workers: Worker[], after?: () => Promise<unknown>): (() => Promise<void>) => async () => {
  await Promise.all(workers.map((w) => w.close()));
  await after?.();
};

/** Tests' lock and stall settings, when they set any (src/jobs/platform/stalls.ts owns the rest). */
const stall = (c: Container) => (c.overrides.workerOptions?.stall ? { stall: c.overrides.workerOptions.stall } : {});

/** The lifecycle queues as the lifecycle jobs and use cases take them, from the registry. */
export function lifecycleQueues(c: Container): LifecycleQueues {
  const { offboard, partnerChange, reconcile } = c.queues;
  return { offboard, partnerChange, reconcile, close: async () => undefined };
}

/** An approved lifecycle change goes to the job of its kind. */
export function applyChange(queues: LifecycleQueues) {
  return async (change: ChangeRequest): Promise<void> => {
    switch (change.spec.kind) {
      case 'offboard':
        return addOffboardJob(queues.offboard, change.id);
      case 'ssh-keys':
      case 'external-id':
      case 'edit':
      case 'reapply':
        return addPartnerChangeJob(queues.partnerChange, change.id);
    }
  };
}

export function notifyWorkers(c: Container): WorkerGroup {
  const worker = createNotifyWorker({
    redis: c.workerRedis(), prefix: c.config.prefix, logger: c.logger,
    slack: { apiCall: async (method, args) => ({ ...(await c.slack.apiCall(method, args)) }) },
    onSlackError: (code) => c.metrics.slackErrors.inc({ code }),
    ...(c.overrides.workerOptions?.notify ? { options: c.overrides.workerOptions.notify } : {}),
    ...stall(c),
  });
  return { workers: [worker], close: closing([worker]) };
}

export function auditWorkers(c: Container): WorkerGroup {
  const { platform } = c.config;
  const worker = createAuditWorker(c.workerRedis(), c.config.prefix, {
    s3: c.aws.s3, bucket: platform.bucket, kmsKeyArn: platform.kmsKeyArn, logger: c.logger.child({ module: 'audit' }), lock: c.config.auditLock,
    ...stall(c),
  });
  return { workers: [worker], close: closing([worker]) };
}

export function approvalWorkers(c: Container): WorkerGroup {
  const { config, logger } = c;
  const worker = createApprovalSweepWorker(c.workerRedis(), config.prefix, {
    kinds: [requestApprovals(c.stores.requests, createPlanRenderer(config.platform)), changeApprovals(c.stores.changes)],
    notify: c.notify, clock: c.clock, logger: logger.child({ module: 'approval-sweep' }), audit: c.audit,
    approvalReaction: config.slack.approvalReaction, nudgeAfterHours: config.nudgeAfterHours,
  }, c.overrides.workerOptions?.stall);
  let scheduler: Awaited<ReturnType<typeof scheduleApprovalSweep>> | undefined;
  return {
    workers: [worker],
    async start() {
      scheduler ??= await scheduleApprovalSweep(c.redis, config.prefix);
      scheduler.on('error', (err: Error) => logger.warn({ err, queue: scheduler?.name }, 'queue: Redis error'));
    },
    close: closing([worker], async () => scheduler?.close()),
  };
}

export function deliveryWorkers(c: Container): WorkerGroup & { delivery: DeliveryWorkers } {
  const { config } = c;
  const { platform } = config;
  const jobs = c.jobQueues();
  const delivery = createDeliveryWorkers({
    redis: c.workerRedis(), prefix: config.prefix, notify: c.notify, metrics: c.metrics, logger: c.logger, clock: c.clock, audit: c.audit,
    storage: c.storage, sqs: c.aws.sqs, queues: { dispatch: jobs.dispatch, deliver: jobs.deliver, poll: jobs.poll },
    config: {
      bucket: platform.bucket, outboundPrefix: platform.outboundPrefix, feeds: platform.feeds,
      pollIntervalSeconds: config.pollIntervalSeconds, deliveryQueueUrl: config.deliveryQueueUrl,
      deliveriesChannel: config.slack.deliveriesChannel, fanoutThreadThreshold: config.fanoutThreadThreshold,
    },
    ...(c.overrides.workerOptions?.delivery ? { options: c.overrides.workerOptions.delivery } : {}),
    ...stall(c),
    onEarlyPickups: (file, early) => recordEarlyPickups(pickupDeps(c), file, early),
  });
  return { delivery, workers: delivery.workers, start: () => delivery.start(), close: () => delivery.close() };
}

export function onboardingWorkers(c: Container): WorkerGroup {
  const { config } = c;
  const provisioning = createProvisionWorkers({
    connection: c.workerRedis(), redis: c.redis, prefix: config.prefix, platform: config.platform, transferHost: config.transferHost,
    transferStaticIps: config.transferStaticIps, settleSeconds: config.transferSettleSeconds, approvers: c.approvers, notify: c.notify, verifyQueue: c.queues.verify,
    approverNames: c.approverNames,
    seals: c.seals, approvalsChannel: config.slack.approvalsChannel,
    aws: c.aws.clients, s3: c.aws.s3, s3ForCredentials: c.aws.s3ForCredentials, clock: c.clock, logger: c.logger, metrics: c.metrics,
    audit: c.audit, onLive: (partnerId) => c.onLive(partnerId),
    ...(c.overrides.workerOptions?.provision ? { options: c.overrides.workerOptions.provision } : {}),
    ...stall(c),
  });
  return { workers: [provisioning.provision, provisioning.verify], close: () => provisioning.close() };
}

export function lifecycleWorkers(c: Container): WorkerGroup {
  const { config, metrics } = c;
  const lifecycle = createLifecycleWorkers({
    connection: c.workerRedis(), redis: c.redis, prefix: config.prefix, platform: config.platform, approvers: c.approvers, notify: c.notify,
    seals: c.seals, approvalsChannel: config.slack.approvalsChannel,
    audit: c.audit, clock: c.clock, transferHost: config.transferHost, transferStaticIps: config.transferStaticIps, logger: c.logger.child({ module: 'lifecycle' }),
    aws: c.aws.clients, s3: c.aws.s3, s3ForCredentials: c.aws.s3ForCredentials,
    onAwsError: (service, code) => metrics.awsErrors.inc({ service, code }),
    keyMaxAgeDays: config.keyMaxAgeDays, assuranceIntervalHours: config.assuranceIntervalHours, autoRevert: config.autoRevert, pace: { rates: config.pace },
    onFeedsAdded: (partnerId, changeId) => c.onLive(partnerId, `feeds-${changeId}`),
    onReleased: (partnerId) => c.onLive(partnerId, `released-${c.clock.now().toISOString()}`),
    options: { reconcileEveryMs: config.driftSweepIntervalHours * 3_600_000, ...c.overrides.workerOptions?.lifecycle },
    ...stall(c),
  });
  return { workers: lifecycle.workers, start: () => lifecycle.start(), close: () => lifecycle.close() };
}

/** What the pickup handler needs (docs/pickups.md): the platform events consumer and the deliver job share it. */
export function pickupDeps(c: Container): PickupDeps {
  return {
    redis: c.redis, prefix: c.config.prefix, scope: pickupEventScope(c.config.platform), partners: c.stores.partners,
    notify: c.notify, audit: c.audit, clock: c.clock, logger: c.logger.child({ module: 'pickups' }), metrics: c.metrics,
  };
}

/** The partner's owner: set by an approved edit, else who requested the partner. */
export function ownerOf(c: Container): (partner: PartnerRecord) => Promise<string | null> {
  return async (partner) => partner.owner ?? (await c.stores.requests.get(partner.requestId))?.requestedBy ?? null;
}

/** What the pickup deadlines need (docs/pickups.md "Deadlines"): the sweep, the digest, /partner-status. */
export function deadlineDeps(c: Container): DeadlineDeps {
  const { config } = c;
  return {
    pickups: pickupDeps(c), partners: c.stores.partners, ownerOf: ownerOf(c), notify: c.notify, audit: c.audit, clock: c.clock,
    logger: c.logger.child({ module: 'pickup-deadlines' }), metrics: c.metrics, sla: config.pickupSla, bucket: config.platform.bucket,
    deliveriesChannel: config.slack.deliveriesChannel,
    findDownloads: config.platform.dryRun ? undefined : (q) => findLoggedDownloads(c.aws.logs, { ...q, logGroupName: STACK_NAMES.transferLogGroup }),
    noLogReason: config.platform.dryRun ? 'dry run: AWS is not read' : undefined,
    // FilterLogEvents is limited per account and region (5 a second by default): keep well under it.
    pace: () => new Promise((resolve) => setTimeout(resolve, 250)),
  };
}

/** The deadline sweep (every minute) and the daily digest. */
export function pickupDeadlineWorkers(c: Container): WorkerGroup {
  const { config, logger } = c;
  const worker = createPickupDeadlinesWorker(c.workerRedis(), config.prefix, deadlineDeps(c), c.overrides.workerOptions?.stall);
  let scheduler: Awaited<ReturnType<typeof schedulePickupDeadlines>> | undefined;
  return {
    workers: [worker],
    async start() {
      scheduler ??= await schedulePickupDeadlines(c.redis, config.prefix);
      scheduler.on('error', (err: Error) => logger.warn({ err, queue: scheduler?.name }, 'queue: Redis error'));
    },
    close: closing([worker], async () => scheduler?.close()),
  };
}

/**
 * What the access reviews need (docs/reviews.md): the sweep and the answers. The lapse's offboarding
 * request is the lifecycle's `requestChange` (asked by `partnergate`); a Keep after the lapse
 * withdraws it through the approval module, as its requester, and queues the drift check that
 * releases the partner.
 */
export function reviewDeps(c: Container): ReviewDeps {
  const { config } = c;
  const logger = c.logger.child({ module: 'reviews' });
  const base = { logger, clock: c.clock, notify: c.notify, audit: c.audit };
  const changes = {
    ...base, changes: c.stores.changes, partners: c.stores.partners, approvalReaction: config.slack.approvalReaction, requestTtlHours: config.requestTtlHours,
  };
  return {
    ...base,
    reviews: new ReviewStore(c.redis, config.prefix),
    partners: c.stores.partners,
    pickups: new PickupStore(c.redis, config.prefix),
    ownerOf: ownerOf(c),
    approvers: c.approvers,
    approverNames: c.approverNames,
    rules: config.reviews,
    keyMaxAgeDays: config.keyMaxAgeDays,
    approvalsChannel: config.slack.approvalsChannel,
    async requestOffboarding({ partnerId, requestedBy, reason }) {
      const asked = await requestChange(changes, { partnerId, requestedBy, spec: { kind: 'offboard', prefix: 'keep', reason } });
      return asked.ok ? { ok: true, changeId: asked.change.id } : asked;
    },
    async withdrawChange(changeId) {
      const withdrawn = await decide({
        ...changes, kind: changeApprovals(c.stores.changes), approvers: c.approvers, seals: c.seals, approvalsChannel: config.slack.approvalsChannel,
        onApproved: applyChange(lifecycleQueues(c)),
      }, { id: changeId, actor: 'partnergate', decision: 'reject', via: 'button' });
      if (!withdrawn.ok) logger.info({ changeId, refusal: withdrawn.code }, 'reviews: the lapse\'s offboarding request was not withdrawn (decided already)');
    },
    recheck: (partnerId) => addEventCheckJob(c.queues.reconcile, partnerId),
  };
}

/** The review sweep, every minute. */
export function reviewWorkers(c: Container): WorkerGroup {
  const { config, logger } = c;
  const worker = createReviewsWorker(c.workerRedis(), config.prefix, reviewDeps(c), c.overrides.workerOptions?.stall);
  let scheduler: Awaited<ReturnType<typeof scheduleReviews>> | undefined;
  return {
    workers: [worker],
    async start() {
      scheduler ??= await scheduleReviews(c.redis, config.prefix);
      scheduler.on('error', (err: Error) => logger.warn({ err, queue: scheduler?.name }, 'queue: Redis error'));
    },
    close: closing([worker], async () => scheduler?.close()),
  };
}

/**
 * The platform events consumer (PLATFORM_EVENTS_QUEUE_URL): no BullMQ worker of its own, an SQS
 * loop that queues checks on the reconcile queue (the lifecycle workers run them), posts alerts and
 * records pickups; a ticker flushes the threads' coalesced pickup lines.
 */
export function platformEventsWorkers(c: Container): WorkerGroup & { source?: SqsPoller } {
  const { config } = c;
  const queueUrl = config.platformEventsQueueUrl;
  const sqs = c.aws.sqs;
  if (!queueUrl || !sqs) return { workers: [], close: async () => undefined };
  // The alert's difference is read at once, through the bot's own control plane (nothing is read in DRY_RUN).
  const cp = createLifecyclePlane(c.aws.clients, config.platform, (service, code) => c.metrics.awsErrors.inc({ service, code }));
  const difference = config.platform.dryRun
    ? {}
    : { platformDifference: platformDifference({ cp, platform: config.platform, redis: c.redis, prefix: config.prefix, logger: c.logger.child({ module: 'platform-events' }) }) };
  const source = createPlatformEventsSource({
    sqs, queueUrl, redis: c.redis, prefix: config.prefix, scope: platformEventScope(config.platform), ...difference,
    checkPartner: (partnerId) => addEventCheckJob(c.queues.reconcile, partnerId),
    notify: c.notify, approvalsChannel: config.slack.approvalsChannel, audit: c.audit, logger: c.logger, metrics: c.metrics,
    partners: c.stores.partners,
    pickups: pickupDeps(c),
  });
  let flusher: ReturnType<typeof startPickupFlusher> | undefined;
  return {
    source, workers: [],
    start: async () => {
      source.start();
      flusher ??= startPickupFlusher(pickupDeps(c));
    },
    close: async () => {
      await source.stop();
      await flusher?.stop();
    },
  };
}

/** Every capability's workers, instrumented and started; closed in reverse. */
export async function startWorkers(c: Container, groups: WorkerGroup[] = [
  notifyWorkers(c), approvalWorkers(c), auditWorkers(c), onboardingWorkers(c), lifecycleWorkers(c), deliveryWorkers(c), platformEventsWorkers(c),
  pickupDeadlineWorkers(c), reviewWorkers(c), homeWorkers(c),
]): Promise<WorkerGroup> {
  const workers = groups.flatMap((g) => g.workers);
  for (const w of workers) instrumentWorker(w, c.metrics, c.logger);
  for (const g of groups) await g.start?.();
  c.logger.info({ queues: workers.map((w) => w.name) }, 'worker: running');
  return {
    workers,
    async close() {
      for (const g of [...groups].reverse()) await g.close();
    },
  };
}
