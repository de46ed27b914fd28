/**
 * The platform events consumer in the worker role's wiring, for its integration tests: the
 * container on real Redis (a unique prefix), SQS through aws-sdk-client-mock (deletes accepted), the
 * audit records kept, the logs captured at debug. `deliver` hands the consumer one receive of these
 * bodies, as SQS would.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container/container.js';
import { platformEventsWorkers } from '../../src/container/workers.js';
import type { SqsPoller } from '../../src/jobs/platform/sqs-poller.js';
import type { AuditInput } from '../../src/actions/ports.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import { captureLogs, type LogCapture } from './log-capture.js';

export const PLATFORM_EVENTS_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';

export interface PlatformEventsRig {
  c: Container;
  source: SqsPoller;
  redis: Redis;
  prefix: string;
  logs: LogCapture;
  audits: AuditInput[];
  sqsMock: ReturnType<typeof mockClient>;
  /** One receive of these bodies; resolves to how many messages were deleted. */
  deliver(...bodies: (string | Record<string, unknown>)[]): Promise<number>;
  /** The checks waiting on the reconcile queue. */
  checks(): Promise<{ name: string; data: unknown }[]>;
  close(): Promise<void>;
}

export function startPlatformEventsRig(tag: string): PlatformEventsRig {
  const sqsMock = mockClient(SQSClient);
  const prefix = testPrefix(tag);
  const redis = createTestRedis();
  const logs = captureLogs('debug');
  const audits: AuditInput[] = [];
  const config = loadConfig(testEnv({ PARTNERGATE_PREFIX: prefix, PLATFORM_EVENTS_QUEUE_URL }));
  const c = createContainer(config, logs.logger, { sqs: new SQSClient({ region: 'eu-west-1' }), audit: async (a) => void audits.push(a) });
  const source = platformEventsWorkers(c).source!;
  sqsMock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
  return {
    c, source, redis, prefix, logs, audits, sqsMock,
    async deliver(...bodies) {
      sqsMock.on(ReceiveMessageCommand).resolves({
        Messages: bodies.map((b, i) => ({ MessageId: `m${i}`, ReceiptHandle: `rh${i}`, Body: typeof b === 'string' ? b : JSON.stringify(b) })),
      });
      return source.receiveOnce();
    },
    checks: async () => (await c.queues.reconcile.getJobs(['delayed', 'waiting'])).map((j) => ({ name: j.name, data: j.data as unknown })),
    async close() {
      sqsMock.restore();
      await c.close();
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
    },
  };
}
