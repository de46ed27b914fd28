/**
 * The composition root: from a Config, build the logger's children, Redis connections, queues,
 * the Slack app and the workers, and hand each module the narrow dependencies it uses.
 * `web` runs the Slack listeners and HTTP routes; `worker` runs the BullMQ workers; `start` both.
 */
import type { App } from '@slack/bolt';
import type { Queue, Worker } from 'bullmq';
import type { Config } from './config.js';
import { boltLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createRedis, redisReachable, type Redis } from './redis.js';
import { startHttpServer, type HttpServer } from './bot/transport/server.js';
import { systemClock, type Clock, type Notify } from './actions/ports.js';
import { requestOnboarding } from './actions/onboarding/index.js';
import { changeApprovals, decide, requestApprovals } from './actions/approval/index.js';
import { createPlanRenderer } from './actions/onboarding/index.js';
import { createApproverDirectory } from './actions/approval/index.js';
import { RequestStore } from './store/requests.js';
import { firstDelivery } from './store/deliveries-seen.js';
import { refAt } from './store/message-refs.js';
import { createNotifyQueue, createNotifyWorker, enqueueNotify } from './jobs/notify/index.js';
import { createNotifySlackClient } from './jobs/notify/index.js';
import { createQueue, QUEUE_NAMES } from './jobs/platform/queues.js';
import type { ProvisionPayload } from './actions/onboarding/index.js';
import { instrumentWorker } from './jobs/platform/instrument.js';
import { createApprovalSweepWorker, scheduleApprovalSweep } from './jobs/approval/index.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client } from './aws/s3-client.js';
import { createControlPlaneClients } from './aws/control-plane.js';
import { addProvisionJob } from './jobs/onboarding/index.js';
import { addVerifyJob } from './jobs/onboarding/index.js';
import { type VerifyPayload } from './actions/onboarding/index.js';
import { createProvisionWorkers } from './jobs/onboarding/index.js';
import { createProbeS3Factory } from './jobs/onboarding/index.js';
import { createDeliveryWorkers } from './jobs/delivery/index.js';
import { createS3DeliveryStorage } from './jobs/delivery/index.js';
import { createDeliveryUseCases } from './container/delivery-use-cases.js';
import { retryProvisioning, retryVerification } from './actions/onboarding/index.js';
import { PartnerStore } from './store/partners.js';
import { ProvisionRuns } from './store/provision-runs.js';
import { createAudit, createAuditQueue, createAuditWorker } from './jobs/audit/index.js';
import { createLifecycleUseCases } from './container/lifecycle-use-cases.js';
import { createLifecycleQueues, createLifecycleWorkers } from './jobs/lifecycle/index.js';
import { ChangeRequestStore } from './store/change-requests.js';

export interface Roles {
  web: boolean;
  worker: boolean;
}

export interface Running {
  /** The HTTP port actually bound (PORT, or the OS's pick for PORT=0). */
  port: number;
  /** Drains: stops taking requests, lets running jobs finish, closes Redis. */
  stop(): Promise<void>;
}

export interface RunOptions {
  clock?: Clock;
  /** Overrides of worker settings (tests). */
  notifyWorker?: Parameters<typeof createNotifyWorker>[0]['options'];
}

export async function run(config: Config, roles: Roles, logger: Logger, options: RunOptions = {}): Promise<Running> {
  const clock = options.clock ?? systemClock;
  const metrics: Metrics = createMetrics();
  const redis: Redis = createRedis(config.redisUrl, 'command');
  const prefix = config.prefix;
  const notifyQueue = createNotifyQueue(redis, prefix);
  const provisionQueue = createQueue<ProvisionPayload>(QUEUE_NAMES.provision, redis, prefix);
  const verifyQueue = createQueue<VerifyPayload>(QUEUE_NAMES.verify, redis, prefix);
  const deliverQueue = createQueue(QUEUE_NAMES.deliver, redis, prefix);
  const notify: Notify = (message) => enqueueNotify({ redis, prefix, queue: notifyQueue }, message);
  const slackForQueue = createNotifySlackClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
  });

  // Web approves; the worker re-checks at run time that the approver still is one.
  const approvers = createApproverDirectory({
    approvers: config.slack.approvers,
    usergroup: config.slack.approverUsergroup,
    fetchGroup: async (usergroup) => {
      const res = await slackForQueue.usergroups.users.list({ usergroup });
      return res.users ?? [];
    },
    clock,
    logger,
  });
  const s3 = createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle });
  const storage = createS3DeliveryStorage(s3, { bucket: config.platform.bucket, kmsKeyArn: config.platform.kmsKeyArn, logger });

  const closers: (() => Promise<void>)[] = [];
  // Audit trail (docs/lifecycle.md): records are queued here; the audit worker writes them to the bucket.
  const auditQueue = createAuditQueue(redis, prefix);
  closers.push(() => auditQueue.close());
  const audit = createAudit({ queue: auditQueue, clock, logger: logger.child({ module: 'audit' }) });
  // Partner lifecycle (docs/lifecycle.md): change requests approved in the partner's thread, and their jobs.
  const lifecycleQueues = createLifecycleQueues(redis, prefix);
  // A queue without an 'error' listener prints raw connection errors while Redis is away: log them.
  const logQueueErrors = (queue: Queue) => queue.on('error', (err) => logger.warn({ err, queue: queue.name }, 'queue: Redis error'));
  for (const q of [notifyQueue, provisionQueue, verifyQueue, deliverQueue, auditQueue, lifecycleQueues.offboard, lifecycleQueues.partnerChange, lifecycleQueues.reconcile]) {
    logQueueErrors(q as unknown as Queue);
  }
  closers.push(() => lifecycleQueues.close());
  const workers: Worker[] = [];
  let http: HttpServer | undefined;
  let socketApp: App | undefined;

  if (roles.web) {
    // Bolt and the listeners are loaded by the web half only: a worker process never carries them.
    const [{ SocketModeReceiver }, { SlackHttpReceiver }, { createBoltApp }] = await Promise.all([
      import('@slack/bolt'), import('./bot/transport/slack-receiver.js'), import('./bot/app.js'),
    ]);
    const store = new RequestStore(redis, prefix, config.limits);
    const useCase = { logger: logger.child({ module: 'actions' }), clock };
    const retryDeps = {
      ...useCase, requests: store, partners: new PartnerStore(redis, prefix), runs: new ProvisionRuns(redis, prefix), approvers, notify,
      enqueueProvision: (p: ProvisionPayload) => addProvisionJob(provisionQueue, p),
      enqueueVerify: (p: VerifyPayload) => addVerifyJob(verifyQueue, p, 0),
    };
    const receiver = config.slack.appToken
      ? new SocketModeReceiver({ appToken: config.slack.appToken, logger: boltLogger(logger) })
      : new SlackHttpReceiver({ signingSecret: config.slack.signingSecret, logger, unhandledRequestTimeoutMillis: 2900 });
    const app = createBoltApp(
      {
        logger: logger.child({ module: 'bot' }),
        metrics,
        feeds: config.platform.feeds,
        approvalReaction: config.slack.approvalReaction,
        notify,
        firstDelivery: (kind, id) => firstDelivery(redis, prefix, kind, id),
        refAt: async (channel, ts) => (await refAt(redis, prefix, channel, ts)) ?? null,
        requestOnboarding: (input) =>
          requestOnboarding(
            {
              ...useCase, store, notify,
              renderPlan: createPlanRenderer(config.platform),
              approvalsChannel: config.slack.approvalsChannel,
              approvalReaction: config.slack.approvalReaction,
              enterpriseAccountId: config.platform.accountId,
              feeds: config.platform.feeds,
              requestTtlHours: config.requestTtlHours,
              audit,
            },
            input,
          ),
        decide: ({ requestId, ...input }) =>
          decide(
            {
              ...useCase, kind: requestApprovals(store), approvers, notify,
              approvalReaction: config.slack.approvalReaction,
              audit,
              onApproved: async (request) => {
                await addProvisionJob(provisionQueue, { requestId: request.id, attempt: 1 });
              },
            },
            { id: requestId, ...input },
          ),
        ...createDeliveryUseCases({
          ...useCase, redis, prefix, storage, approvers, deliverQueue,
          resenders: config.slack.resenders, keyMaxAgeDays: config.keyMaxAgeDays,
          routing: { outboundPrefix: config.platform.outboundPrefix, feeds: config.platform.feeds },
          audit,
        }),
        retryProvisioning: (input) => retryProvisioning(retryDeps, input),
        retryVerification: (input) => retryVerification(retryDeps, input),
        lifecycle: createLifecycleUseCases({
          logger: logger.child({ module: 'lifecycle' }), clock, notify, audit, approvers, queues: lifecycleQueues,
          changes: new ChangeRequestStore(redis, prefix), partners: new PartnerStore(redis, prefix),
          approvalReaction: config.slack.approvalReaction, requestTtlHours: config.requestTtlHours, keyMaxAgeDays: config.keyMaxAgeDays,
          feeds: config.platform.feeds, redis, prefix,
        }),
      },
      { botToken: config.slack.botToken, receiver, slackApiUrl: config.slack.apiUrl },
    );
    http = await startHttpServer(
      {
        metrics: metrics.registry,
        ready: () => redisReachable(redis),
        ...(receiver instanceof SlackHttpReceiver ? { slack: receiver.requestListener } : {}),
      },
      config.port,
    );
    if (receiver instanceof SocketModeReceiver) {
      socketApp = app;
      await app.start();
    }
    logger.info({ port: http.port, mode: socketApp ? 'socket' : 'http' }, 'web: listening');
  } else {
    http = await startHttpServer({ metrics: metrics.registry, ready: () => redisReachable(redis) }, config.port);
    logger.info({ port: http.port }, 'worker: health and metrics listening');
  }

  if (roles.worker) {
    const workerRedis = createRedis(config.redisUrl, 'worker');
    closers.push(async () => void (await workerRedis.quit()));
    workers.push(
      createNotifyWorker({
        redis: workerRedis, prefix, logger,
        slack: { apiCall: async (method, args) => ({ ...(await slackForQueue.apiCall(method, args)) }) },
        onSlackError: (code) => metrics.slackErrors.inc({ code }),
        ...(options.notifyWorker ? { options: options.notifyWorker } : {}),
      }),
    );
    const approvalSweep = await scheduleApprovalSweep(redis, prefix);
    logQueueErrors(approvalSweep);
    closers.push(() => approvalSweep.close());
    workers.push(
      createApprovalSweepWorker(workerRedis, prefix, {
        kinds: [requestApprovals(new RequestStore(redis, prefix)), changeApprovals(new ChangeRequestStore(redis, prefix))],
        notify, clock, logger: logger.child({ module: 'approval-sweep' }),
        approvalReaction: config.slack.approvalReaction, audit, nudgeAfterHours: config.nudgeAfterHours,
      }),
    );
    workers.push(createAuditWorker(workerRedis, prefix, { s3, bucket: config.platform.bucket, kmsKeyArn: config.platform.kmsKeyArn, logger: logger.child({ module: 'audit' }) }));
    const delivery = createDeliveryWorkers({
      redis: workerRedis, prefix, notify, metrics, logger, clock, audit,
      storage,
      sqs: config.deliveryQueueUrl ? new SQSClient({ region: config.platform.region }) : undefined,
      config: {
        bucket: config.platform.bucket,
        outboundPrefix: config.platform.outboundPrefix,
        feeds: config.platform.feeds,
        pollIntervalSeconds: config.pollIntervalSeconds,
        deliveryQueueUrl: config.deliveryQueueUrl,
        deliveriesChannel: config.slack.deliveriesChannel,
        fanoutThreadThreshold: config.fanoutThreadThreshold,
      },
    });
    closers.unshift(() => delivery.close());
    const provisioning = createProvisionWorkers({
      connection: workerRedis, redis, prefix,
      platform: config.platform, transferHost: config.transferHost, settleSeconds: config.transferSettleSeconds,
      approvers, notify, verifyQueue,
      aws: createControlPlaneClients(config.platform.region),
      s3,
      s3ForCredentials: createProbeS3Factory(config.platform, { forcePathStyle: config.s3ForcePathStyle }),
      clock, logger, metrics,
      onLive: (partnerId) => delivery.onLive(partnerId),
      audit,
    });
    workers.push(provisioning.provision, provisioning.verify);
    const lifecycle = createLifecycleWorkers({
      connection: workerRedis, redis, prefix, platform: config.platform, approvers, notify, audit, s3, clock, transferHost: config.transferHost,
      logger: logger.child({ module: 'lifecycle' }),
      aws: createControlPlaneClients(config.platform.region),
      s3ForCredentials: createProbeS3Factory(config.platform, { forcePathStyle: config.s3ForcePathStyle }),
      onAwsError: (service, code) => metrics.awsErrors.inc({ service, code }),
      keyMaxAgeDays: config.keyMaxAgeDays,
      onFeedsAdded: (partnerId, changeId) => delivery.onLive(partnerId, `feeds-${changeId}`),
    });
    workers.push(...lifecycle.workers);
    closers.push(() => lifecycle.close());
    await lifecycle.start();
    for (const w of [...workers, ...delivery.workers]) instrumentWorker(w, metrics, logger);
    for (const q of [delivery.queues.dispatch, delivery.queues.deliver, delivery.queues.poll]) logQueueErrors(q as unknown as Queue);
    await delivery.start();
    logger.info({ queues: workers.map((w) => w.name) }, 'worker: running');
  }

  return {
    port: http.port,
    async stop() {
      logger.info('draining: no new requests; letting running jobs finish');
      await http?.close();
      if (socketApp) await socketApp.stop();
      await Promise.all(workers.map((w) => w.close()));
      for (const close of closers) await close();
      await Promise.all([notifyQueue.close(), provisionQueue.close(), verifyQueue.close(), deliverQueue.close()]);
      await redis.quit();
      logger.info('drained');
    },
  };
}
