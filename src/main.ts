/**
 * The composition root: from a Config, build the logger's children, Redis connections, queues,
 * the Slack app and the workers, and hand each module the narrow dependencies it uses.
 * `web` runs the Slack listeners and HTTP routes; `worker` runs the BullMQ workers; `start` both.
 */
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Worker } from 'bullmq';
import type { Config } from './config.js';
import { boltLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createRedis, redisReachable, type Redis } from './redis.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { systemClock, type Clock, type Notify } from './actions/ports.js';
import { requestOnboarding } from './actions/request-onboarding.js';
import { decideRequest } from './actions/decide-request.js';
import { createPlanRenderer } from './actions/plan.js';
import { createBoltApp } from './bot/app.js';
import { createApproverDirectory } from './bot/approvers.js';
import { RequestStore } from './store/requests.js';
import { firstDelivery } from './store/deliveries-seen.js';
import { refAt } from './store/message-refs.js';
import { createNotifyQueue, createNotifyWorker, enqueueNotify } from './jobs/notify.js';
import { createNotifySlackClient } from './jobs/notify-send.js';
import { createQueue, QUEUE_NAMES } from './jobs/queues.js';
import { provisionJobId, type ProvisionPayload } from './jobs/provision-payload.js';
import { instrumentWorker } from './jobs/instrument.js';
import { createExpiryWorker, scheduleExpiry } from './jobs/expire-requests.js';

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
  const notify: Notify = (message) => enqueueNotify({ redis, prefix, queue: notifyQueue }, message);
  const slackForQueue = createNotifySlackClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
  });

  const closers: (() => Promise<void>)[] = [];
  const workers: Worker[] = [];
  let http: HttpServer | undefined;
  let socketApp: App | undefined;

  if (roles.web) {
    const store = new RequestStore(redis, prefix);
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
    const useCase = { logger: logger.child({ module: 'actions' }), clock };
    const receiver = config.slack.appToken
      ? new SocketModeReceiver({ appToken: config.slack.appToken, logger: boltLogger(logger) })
      : new HTTPReceiver({ signingSecret: config.slack.signingSecret, logger: boltLogger(logger), unhandledRequestTimeoutMillis: 2900 });
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
            },
            input,
          ),
        decide: (input) =>
          decideRequest(
            {
              ...useCase, store, approvers, notify,
              approvalReaction: config.slack.approvalReaction,
              enqueueProvision: async (request) => {
                const payload: ProvisionPayload = { requestId: request.id, attempt: 1 };
                await provisionQueue.add('provision', payload, { jobId: provisionJobId(payload) });
              },
            },
            input,
          ),
      },
      { botToken: config.slack.botToken, receiver, slackApiUrl: config.slack.apiUrl },
    );
    http = await startHttpServer(
      {
        metrics: metrics.registry,
        ready: () => redisReachable(redis),
        ...(receiver instanceof HTTPReceiver ? { slack: receiver.requestListener } : {}),
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
    const expiryQueue = await scheduleExpiry(redis, prefix);
    closers.push(() => expiryQueue.close());
    workers.push(
      createExpiryWorker(workerRedis, prefix, {
        store: new RequestStore(redis, prefix), notify, clock, logger: logger.child({ module: 'expiry' }),
        approvalReaction: config.slack.approvalReaction,
      }),
    );
    for (const w of workers) instrumentWorker(w, metrics, logger);
    logger.info({ queues: workers.map((w) => w.name) }, 'worker: running');
  }

  return {
    port: http.port,
    async stop() {
      logger.info('draining: no new requests; letting running jobs finish');
      await http?.close();
      if (socketApp) await socketApp.stop();
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([notifyQueue.close(), provisionQueue.close()]);
      for (const close of closers) await close();
      await redis.quit();
      logger.info('drained');
    },
  };
}
