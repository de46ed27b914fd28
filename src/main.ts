/**
 * The roles of a process: `web` runs the Slack listeners and the HTTP routes, `worker` the BullMQ
 * workers, `start` both. What they share is built once by the container (src/container).
 */
import type { App } from '@slack/bolt';
import type { Config } from './config.js';
import { boltLogger, type Logger } from './logger.js';
import { redisExposureWarning, redisReachable } from './redis.js';
import { startHttpServer, type HttpServer } from './bot/transport/server.js';
import { createContainer, type ContainerOverrides } from './container/container.js';
import { bindUseCases } from './container/use-cases.js';
import { startWorkers, type WorkerGroup } from './container/workers.js';
import { operatorReadings } from './container/operator-readings.js';
import { watchOperatorState } from './metrics.js';

export interface Roles {
  web: boolean;
  worker: boolean;
}

export interface Running {
  /** The HTTP port actually bound (PORT, or the OS's pick for PORT=0). */
  port: number;
  /**
   * Drains: stops taking requests, lets running jobs finish, closes Redis. Rejects with a
   * DrainTimeout when that takes longer than `deadlineMs` (default DRAIN_TIMEOUT_MS).
   */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * How long a drain waits for running jobs. ECS sends SIGTERM and kills the container once its
 * stopTimeout has passed (120 s at most on Fargate), and docker compose after stop_grace_period:
 * the drain gives up first, so the process says what it left and exits by itself instead of being
 * killed mid-line. Jobs still running stay active in Redis; when their lock runs out, BullMQ's
 * stalled-job check hands them to another worker, and every job step is idempotent
 * (docs/operations.md "A worker killed"). manifests/runtime.yaml's stopTimeout is tested against it.
 */
export const DRAIN_TIMEOUT_MS = 90_000;

export class DrainTimeout extends Error {
  override readonly name = 'DrainTimeout';
}

/** `work`, or a DrainTimeout once `ms` have passed without it settling. */
export async function drainWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DrainTimeout(`the drain did not finish within ${ms / 1000} s; running jobs are left to BullMQ's stalled-job recovery`)), ms);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export type RunOptions = ContainerOverrides;

export async function run(config: Config, roles: Roles, logger: Logger, overrides: RunOptions = {}): Promise<Running> {
  const exposed = redisExposureWarning(config.redisUrl);
  if (exposed) logger.warn(exposed);
  const c = createContainer(config, logger, overrides);
  const ready = () => redisReachable(c.redis);
  let http: HttpServer;
  let socketApp: App | undefined;

  if (roles.web) {
    // Bolt and the listeners are loaded by the web half only: a worker process never carries them.
    const [{ SocketModeReceiver }, { SlackHttpReceiver }, { createBoltApp }] = await Promise.all([
      import('@slack/bolt'), import('./bot/transport/slack-receiver.js'), import('./bot/app.js'),
    ]);
    const receiver = config.slack.appToken
      ? new SocketModeReceiver({ appToken: config.slack.appToken, logger: boltLogger(logger) })
      : new SlackHttpReceiver({ signingSecret: config.slack.signingSecret, logger, unhandledRequestTimeoutMillis: 2900 });
    const app = createBoltApp(bindUseCases(c), { botToken: config.slack.botToken, receiver, slackApiUrl: config.slack.apiUrl, teamId: config.slack.teamId });
    http = await startHttpServer({ ready, ...(receiver instanceof SlackHttpReceiver ? { slack: receiver.requestListener } : {}) }, config.port);
    if (receiver instanceof SocketModeReceiver) {
      socketApp = app;
      await app.start();
    }
    logger.info({ port: http.port, mode: socketApp ? 'socket' : 'http' }, 'web: listening');
  } else {
    http = await startHttpServer({ ready }, config.port);
    logger.info({ port: http.port }, 'worker: health listening');
  }
  if (config.metricsPort !== null) {
    watchOperatorState(c.metrics, operatorReadings(c), (err, gauge) => logger.warn({ err, gauge }, 'metrics: a gauge could not be read'));
  }
  const metrics = config.metricsPort === null ? undefined : await startHttpServer({ metrics: c.metrics.registry, ready }, config.metricsPort);
  if (metrics) logger.info({ port: metrics.port }, 'metrics: listening');
  const workers: WorkerGroup | undefined = roles.worker ? await startWorkers(c) : undefined;

  return {
    port: http.port,
    async stop(deadlineMs = DRAIN_TIMEOUT_MS) {
      logger.info({ deadlineSeconds: deadlineMs / 1000 }, 'draining: no new requests; letting running jobs finish');
      await drainWithin((async () => {
        await http.close();
        await metrics?.close();
        if (socketApp) await socketApp.stop();
        await workers?.close();
        await c.close();
      })(), deadlineMs);
      logger.info('drained');
    },
  };
}
