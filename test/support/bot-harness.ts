/** The real bot process pieces (run() from src/main.ts) on a random port, against a fake Slack and the real Redis. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { run, type Roles, type RunOptions } from '../../src/main.js';
import { startFakeSlack, type FakeSlack } from '../../tools/local/fake-slack.js';
import { testEnv } from '../../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET, type LocalS3 } from '../../tools/local/s3.js';

/** A guest of the workspace (users.info: is_restricted), who may not use the bot. */
export const GUEST = 'UGUEST1';

export interface Harness {
  url: string;
  config: Config;
  slack: FakeSlack;
  /** The distribution bucket: a local S3 server (the harness runs in DRY_RUN, so no AWS call leaves the machine). */
  s3: LocalS3;
  redis: Redis;
  queue(name: string): Queue;
  close(): Promise<void>;
}

/**
 * `options.logger`: the process's logger (default: TEST_LOG_LEVEL, silent), e.g. to assert log lines;
 * `options.notifyWorker`: notify worker settings over the harness's `{ paceMs: 0 }`;
 * `options.overrides`: the edges the process gets instead of its own (the fake AWS account, a mocked
 * SQS), from its configuration and the local S3.
 */
export async function startBot(
  env: Record<string, string | undefined> = {},
  roles: Roles = { web: true, worker: true },
  options: {
    logger?: Logger;
    notifyWorker?: NonNullable<RunOptions['workerOptions']>['notify'];
    overrides?: (config: Config, s3: LocalS3) => RunOptions | Promise<RunOptions>;
  } = {},
): Promise<Harness> {
  const slack = await startFakeSlack({
    usergroups: { S0APPROVERS: ['UGROUPAPPROVER'] }, guests: [GUEST], ...(env['SLACK_TEAM_ID'] ? { teamId: env['SLACK_TEAM_ID'] } : {}),
  });
  const s3 = await startLocalS3();
  // The SDK reads these itself (the product's clients follow the SDK's own settings).
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const config = loadConfig(testEnv({
    SLACK_API_URL: slack.apiUrl, PORT: '0', DRY_RUN: 'true', S3_FORCE_PATH_STYLE: 'true', DISTRIBUTION_BUCKET: TEST_BUCKET, ...env,
  }));
  const overrides = (await options.overrides?.(config, s3)) ?? {};
  const running = await run(config, roles, options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), {
    ...overrides,
    workerOptions: { ...overrides.workerOptions, notify: { paceMs: 0, ...options.notifyWorker } },
  });
  const redis = createTestRedis();
  const queues: Queue[] = [];
  return {
    url: `http://127.0.0.1:${running.port}/slack/events`,
    config,
    slack,
    s3,
    redis,
    queue(name) {
      const q = new Queue(name, { connection: redis, prefix: config.prefix });
      queues.push(q);
      return q;
    },
    async close() {
      await running.stop();
      await Promise.all(queues.map((q) => q.close()));
      await deleteKeysUnder(redis, config.prefix);
      await redis.quit();
      await slack.close();
      await s3.close();
    },
  };
}
