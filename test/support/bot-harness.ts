/** The real bot process pieces (run() from src/main.ts) on a random port, against a fake Slack and the real Redis. */
import { afterEach, beforeEach } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { run, type Roles, type RunOptions } from '../../src/main.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../tools/local/fake-slack.js';
import { testEnv } from '../../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { startLocalS3, TEST_BUCKET, type LocalS3 } from '../../tools/local/s3.js';
import { buttonClick, onboardSubmission, postToBot, type PostResult, type SlackRequest } from '../../tools/local/slack-requests.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { until } from './notify-outbox.js';

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
  /** A request to the app, signed with its signing secret, as Slack sends it. */
  post(request: SlackRequest): Promise<PostResult>;
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
  const url = `http://127.0.0.1:${running.port}/slack/events`;
  return {
    url,
    config,
    slack,
    s3,
    redis,
    queue(name) {
      const q = new Queue(name, { connection: redis, prefix: config.prefix });
      queues.push(q);
      return q;
    },
    post: (request) => postToBot(url, request, config.slack.signingSecret),
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

/**
 * startBot for every test of the file: registers the hooks that start the bot before each test and
 * close it after. The harness answered reads through to the running test's. `args` may instead be a
 * function that gives startBot's arguments afresh for each test (e.g. a log capture of its own).
 */
export function botPerTest(...args: Parameters<typeof startBot> | [() => Parameters<typeof startBot>]): Harness {
  let current: Harness | null = null;
  beforeEach(async () => {
    const [first] = args;
    current = await startBot(...(typeof first === 'function' ? first() : args as Parameters<typeof startBot>));
  });
  afterEach(async () => {
    const h = current!;
    current = null;
    await h.close();
  });
  const running = () => {
    if (!current) throw new Error('botPerTest: the bot runs only while a test does');
    return current;
  };
  return {
    get url() { return running().url; },
    get config() { return running().config; },
    get slack() { return running().slack; },
    get s3() { return running().s3; },
    get redis() { return running().redis; },
    queue: (name) => running().queue(name),
    post: (request) => running().post(request),
    close: () => running().close(),
  };
}

/**
 * A message the bot posted (and Slack accepted) in the thread of `ts` whose text or blocks match;
 * with `updates`, an update of the message `ts` itself counts too.
 */
export const inThread = (ts: string, pattern: RegExp, { updates = false } = {}) => (c: SlackCall) =>
  c.ok && (c.method === 'chat.postMessage' || (updates && c.method === 'chat.update')) &&
  (c.body['thread_ts'] === ts || (updates && c.body['ts'] === ts)) &&
  pattern.test(String(c.body['text']) + JSON.stringify(c.body['blocks'] ?? ''));

/** An onboarding request's card in the approvals channel (the first one, or the first whose blocks contain `naming`). */
export const requestCard = (h: Harness, naming = '') =>
  h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0APPROVALS' && !c.body['thread_ts'] && JSON.stringify(c.body['blocks'] ?? '').includes(naming));

/** The request id a card's buttons carry. */
export const requestIdOf = (card: SlackCall) => JSON.stringify(card.body['blocks']).match(/"value":"(req_[a-z2-7]{26})"/)![1]!;

/** Another approver (UAPPROVER2) presses Approve on a request's card; resolves, with the card's ts, once the thread says the partner is LIVE. */
export async function approveToLive(h: Harness, card: SlackCall, responseId = 'a'): Promise<string> {
  const ts = String(card.answer!['ts']);
  await h.post(buttonClick('UAPPROVER2', 'request_approve', requestIdOf(card), { channel: 'C0APPROVALS', ts }, h.slack.responseUrl(responseId)));
  await h.slack.waitFor(inThread(ts, /is LIVE/), 20_000);
  return ts;
}

/**
 * `acme` (or the partner of `fields`) requested by UREQUESTER1 through the onboarding modal — one new
 * SSH key, the price-lists feed — and approved; resolves with its thread's ts once it is LIVE.
 */
export async function onboardLive(h: Harness, fields: Parameters<typeof onboardSubmission>[1] = {}, responseId = 'a'): Promise<string> {
  const partnerId = fields.partnerId ?? 'acme';
  await h.post(onboardSubmission('UREQUESTER1', { displayName: 'Acme', partnerId, contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'], ...fields }));
  return approveToLive(h, await requestCard(h, partnerId), responseId);
}

let jobRuns = 0;
/** One run of a queue's job (a sweep), through its queue and worker, at the bot's clock's time. */
export async function runJob(h: Harness, queue: string, name: string): Promise<void> {
  const q = h.queue(queue);
  const jobId = `test-${name}-${(jobRuns += 1)}`;
  await q.add(name, {}, { jobId });
  await until(`${queue} ${jobId}`, async () => Boolean((await q.getJob(jobId))?.finishedOn));
}
