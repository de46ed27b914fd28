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
  /** Drains: stops taking requests, lets running jobs finish, closes Redis. */
  stop(): Promise<void>;
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
    async stop() {
      logger.info('draining: no new requests; letting running jobs finish');
      await http.close();
      await metrics?.close();
      if (socketApp) await socketApp.stop();
      await workers?.close();
      await c.close();
      logger.info('drained');
    },
  };
}
