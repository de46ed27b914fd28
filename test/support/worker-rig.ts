/**
 * The container in the worker role's wiring, for integration tests that call jobs and use cases
 * directly: real Redis under a prefix of the test's own, the audit records kept, the logs captured
 * at debug; with `slack`, the fake Slack server and the notify worker (no pacing), so what the
 * product posts can be read back. ./platform-events-rig.ts adds the platform events consumer.
 */
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { createContainer, type Container, type ContainerOverrides } from '../../src/container/container.js';
import { notifyWorkers } from '../../src/container/workers.js';
import type { AuditInput } from '../../src/actions/ports.js';
import type { PartnerRecord } from '../../src/domain/partner.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../tools/local/fake-slack.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import { partnerRecord } from './ports.js';

export interface WorkerRigOptions {
  /** Variables over testEnv() and the rig's prefix. */
  env?: Record<string, string | undefined>;
  /** The container's edges besides the audit recorder (a clock, a mocked SQS or CloudWatch Logs, the fake AWS account). */
  overrides?: (config: Config, redis: Redis) => ContainerOverrides;
  /** Start the fake Slack server (SLACK_API_URL) and the notify worker. */
  slack?: boolean;
}

export interface WorkerRig {
  c: Container;
  redis: Redis;
  prefix: string;
  logs: LogCapture;
  audits: AuditInput[];
  close(): Promise<void>;
}

export interface SlackWorkerRig extends WorkerRig {
  slack: FakeSlack;
  /** A LIVE partner (in channel C0PARTNERS) with its thread's card posted through notify; resolves with the card's ts. */
  livePartner(partnerId: string, over?: Partial<PartnerRecord>): Promise<string>;
  /** The replies Slack accepted in the thread of `ts`. */
  replies(ts: string): SlackCall[];
}

export async function startWorkerRig(tag: string, o?: WorkerRigOptions & { slack?: false }): Promise<WorkerRig>;
export async function startWorkerRig(tag: string, o: WorkerRigOptions & { slack: true }): Promise<SlackWorkerRig>;
export async function startWorkerRig(tag: string, o?: WorkerRigOptions): Promise<WorkerRig | SlackWorkerRig>;
export async function startWorkerRig(tag: string, o: WorkerRigOptions = {}): Promise<WorkerRig | SlackWorkerRig> {
  const slack = o.slack ? await startFakeSlack() : null;
  const prefix = testPrefix(tag);
  const redis = createTestRedis();
  const logs = captureLogs('debug');
  const audits: AuditInput[] = [];
  const config = loadConfig(testEnv({ PARTNERGATE_PREFIX: prefix, ...(slack ? { SLACK_API_URL: slack.apiUrl } : {}), ...o.env }));
  const over = o.overrides?.(config, redis) ?? {};
  const c = createContainer(config, logs.logger, {
    ...over, audit: async (a) => void audits.push(a),
    ...(slack ? { workerOptions: { ...over.workerOptions, notify: { paceMs: 0, ...over.workerOptions?.notify } } } : {}),
  });
  const rig: WorkerRig = {
    c, redis, prefix, logs, audits,
    async close() {
      await c.close();
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
    },
  };
  if (!slack) return rig;
  const notifying = notifyWorkers(c);
  return {
    ...rig, slack,
    async livePartner(partnerId, over = {}) {
      const record = partnerRecord({ partnerId, threadRef: `card:thread-${partnerId}`, channel: 'C0PARTNERS', ...over });
      await c.stores.partners.save(record);
      await c.notify({ op: 'post', channel: 'C0PARTNERS', ref: record.threadRef, text: `card of ${partnerId}`, priority: 'approval' });
      const card = await slack.waitFor((call) => call.method === 'chat.postMessage' && call.body['text'] === `card of ${partnerId}`);
      return String(card.answer!['ts']);
    },
    replies: (ts) => slack.accepted('chat.postMessage').filter((call) => call.body['thread_ts'] === ts),
    async close() {
      await notifying.close();
      await rig.close();
      await slack.close();
    },
  };
}
