/**
 * The delivery pipeline against real pieces: Redis (a fresh prefix), a local S3 (s3rver through
 * tools/local/s3.ts) with object versions emulated on the client, the notify worker talking to a
 * fake Slack, and createDeliveryWorkers. Plus a small Bolt app with the delivery listeners behind
 * the product's HTTP receiver (src/bot/transport/slack-receiver.ts), for signed slash commands and button clicks.
 */
import type { Audit } from '../../src/actions/ports.js';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackHttpReceiver } from '../../src/bot/transport/slack-receiver.js';
import { QueueEvents, type Job, type Queue } from 'bullmq';
import { DeleteObjectCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container/container.js';
import { bindUseCases } from '../../src/container/use-cases.js';
import { createBoltApp } from '../../src/bot/app.js';
import { deliveryWorkers, notifyWorkers } from '../../src/container/workers.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { Notify } from '../../src/actions/ports.js';
import type { DeliveryWorkers, DeliveryWorkersConfig } from '../../src/jobs/delivery/delivery-workers.js';
import type { DeliveryOptions } from '../../src/jobs/delivery/delivery-context.js';
import { PartnerStore } from '../../src/store/partners.js';
import { type PartnerRecord, type PartnerStatus } from '../../src/domain/partner.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../tools/local/s3.js';
import { recordRequests, type RecordedRequest } from './s3-client.js';

export const APPROVALS = 'C0APPROVALS';
export const DELIVERIES = 'C0DELIVERIES';
export const APPROVER = 'UAPPROVER1';
export const RESENDER = 'URESENDER1';
export const OUTSIDER = 'UOUTSIDER9';
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** The version id the emulation gives a content: `v` + its MD5 (s3rver's ETag). */
export function versionOfContent(body: string | Buffer): string {
  return `v${createHash('md5').update(body).digest('hex')}`;
}

/**
 * s3rver keeps no versions. This client middleware makes the bucket look versioned to the code
 * under test: HeadObject and CopyObject answers carry a version id derived from the ETag (so a new
 * content is a new version), and `versionId` is taken off requests before they reach s3rver (after
 * recordRequests saw them, so tests can assert the pinning the code sends).
 */
export function emulateVersions(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { query?: Record<string, unknown>; headers: Record<string, string> };
      if (request.query && 'versionId' in request.query) delete request.query['versionId'];
      const source = request.headers['x-amz-copy-source'];
      if (source?.includes('?versionId=')) request.headers['x-amz-copy-source'] = source.slice(0, source.indexOf('?versionId='));
      const result = await next(args);
      const output = result.output as unknown as Record<string, unknown> & { ETag?: string; CopyObjectResult?: { ETag?: string } };
      const etag = context.commandName === 'HeadObjectCommand' ? output.ETag : context.commandName === 'CopyObjectCommand' ? output.CopyObjectResult?.ETag : undefined;
      if (typeof etag === 'string') output['VersionId'] = `v${etag.replace(/"/g, '')}`;
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testEmulateVersions' },
  );
}

/**
 * s3rver ignores x-amz-tagging on writes (GetObjectTagging then answers no tags), while S3 stores
 * the tags a CopyObject names with TaggingDirective REPLACE. This middleware puts them after each
 * such copy, through `via` (so recordRequests on `client` sees only what the code sent). Multipart
 * copies are not covered: their tags stay unstored.
 */
export function keepCopyTags(client: S3Client, via: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { Bucket?: string; Key?: string; Tagging?: string; TaggingDirective?: string };
      if (context.commandName === 'CopyObjectCommand' && input.TaggingDirective === 'REPLACE' && input.Tagging) {
        const TagSet = [...new URLSearchParams(input.Tagging)].map(([Key, Value]) => ({ Key, Value }));
        await via.send(new PutObjectTaggingCommand({ Bucket: input.Bucket, Key: input.Key, Tagging: { TagSet } }));
      }
      return result;
    },
    { step: 'initialize', name: 'testKeepCopyTags' },
  );
}

export interface DeliveryHarness {
  prefix: string;
  redis: Redis;
  s3: LocalS3;
  /** Every S3 request the delivery code sent (with versionId as sent). */
  requests: RecordedRequest[];
  /** The S3 client the delivery code uses (for failNthCall). */
  deliveryClient: S3Client;
  slack: FakeSlack;
  metrics: Metrics;
  delivery: DeliveryWorkers;
  partners: PartnerStore;
  store: DeliveryStore;
  notify: Notify;
  config: DeliveryWorkersConfig;
  /** The Bolt app's /slack/events URL. */
  url: string;
  put(key: string, body: string | Buffer): Promise<string>;
  remove(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Saves a partner record and posts its thread's card; resolves with the card's ts. */
  addPartner(id: string, o?: { status?: PartnerStatus; feeds?: string[] }): Promise<string>;
  setStatus(id: string, status: PartnerStatus): Promise<void>;
  /** Resolves when the job with this id (queued now or later) has finished; with the job. */
  finished(queue: 'dispatch' | 'deliver', jobId: string): Promise<Job>;
  /** Runs one poll now and resolves with its result once it finished. */
  pollNow(): Promise<{ listed: number; looked: number; dispatched: number }>;
  /** Posts in a thread (chat.postMessage with thread_ts). */
  threadPosts(threadTs: string): SlackCall[];
  close(): Promise<void>;
}

export async function startDeliveryHarness(
  o: { options?: Partial<DeliveryOptions>; threshold?: number; multipartThreshold?: number; audit?: Audit; env?: Record<string, string> } = {},
): Promise<DeliveryHarness> {
  const prefix = testPrefix('dl');
  const redis = createTestRedis();
  const s3 = await startLocalS3();
  const deliveryClient = s3.newClient();
  const requests = recordRequests(deliveryClient);
  emulateVersions(deliveryClient);
  keepCopyTags(deliveryClient, s3.client);
  const slack = await startFakeSlack();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const metrics = createMetrics();
  const appConfig = loadConfig(testEnv({
    PARTNERGATE_PREFIX: prefix, SLACK_API_URL: slack.apiUrl, SLACK_SIGNING_SECRET: SIGNING_SECRET, APPROVERS: APPROVER, RESENDERS: RESENDER,
    APPROVALS_CHANNEL: APPROVALS, DELIVERIES_CHANNEL: DELIVERIES, DISTRIBUTION_BUCKET: s3.bucket, KMS_KEY_ARN: TEST_KMS_KEY_ARN,
    POLL_INTERVAL_SECONDS: '3600', FANOUT_THREAD_THRESHOLD: String(o.threshold ?? 50), ...o.env,
  }));
  const c = createContainer(appConfig, logger, {
    metrics, s3: deliveryClient,
    ...(o.multipartThreshold ? { copyThresholds: { multipartThreshold: o.multipartThreshold, partSize: o.multipartThreshold } } : {}),
    ...(o.audit ? { audit: o.audit } : {}),
    workerOptions: { notify: { paceMs: 0 }, delivery: { receiptWindowMs: 20, deliverAttempts: 3, retryBaseMs: 10, retryMaxMs: 50, ...o.options } },
  });
  const notify = c.notify;
  const notifying = notifyWorkers(c);
  const { delivery } = deliveryWorkers(c);
  const config: DeliveryWorkersConfig = {
    bucket: s3.bucket, outboundPrefix: appConfig.platform.outboundPrefix, feeds: appConfig.platform.feeds, pollIntervalSeconds: appConfig.pollIntervalSeconds,
    deliveryQueueUrl: undefined, deliveriesChannel: DELIVERIES, fanoutThreadThreshold: appConfig.fanoutThreadThreshold,
  };
  const eventConnections = [createTestRedis(), createTestRedis(), createTestRedis()] as const;
  const events = {
    dispatch: new QueueEvents('dispatch', { connection: eventConnections[0], prefix }),
    deliver: new QueueEvents('deliver', { connection: eventConnections[1], prefix }),
    poll: new QueueEvents('poll', { connection: eventConnections[2], prefix }),
  };
  await Promise.all(Object.values(events).map((e) => e.waitUntilReady()));

  // The Slack app half: the product's Bolt app (the gate included) behind a real HTTP receiver, on the container's use cases.
  const receiver = new SlackHttpReceiver({ signingSecret: SIGNING_SECRET, logger });
  const app = createBoltApp(bindUseCases(c), { botToken: 'xoxb-test', receiver, slackApiUrl: slack.apiUrl });
  const server: Server = createServer(receiver.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  const partners = new PartnerStore(redis, prefix);
  const store = new DeliveryStore(redis, prefix);
  const queues: Record<'dispatch' | 'deliver' | 'poll', Queue> = delivery.queues;

  async function finished(name: 'dispatch' | 'deliver' | 'poll', jobId: string): Promise<Job> {
    const ev = events[name];
    const queue = queues[name];
    const added = new Promise<void>((resolve) => {
      const on = ({ jobId: id }: { jobId: string }) => {
        if (id === jobId) {
          ev.off('added', on);
          resolve();
        }
      };
      ev.on('added', on);
    });
    let job = await queue.getJob(jobId);
    if (!job) {
      await added;
      job = await queue.getJob(jobId);
    }
    await job!.waitUntilFinished(ev).catch(() => undefined);
    return (await queue.getJob(jobId))!;
  }

  return {
    prefix, redis, s3, requests, deliveryClient, slack, metrics, delivery, partners, store, notify, config, url,
    async put(key, body) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
      return versionOfContent(body);
    },
    async remove(key) {
      await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    },
    async exists(key) {
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      return s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(() => true, () => false);
    },
    async addPartner(id, p = {}) {
      const now = new Date().toISOString();
      const record: PartnerRecord = {
        partnerId: id, requestId: `req_${'a'.repeat(26)}`, displayName: id.toUpperCase(), contactEmail: `${id}@example.com`,
        accountId: null, externalId: 'x'.repeat(32), feeds: p.feeds ?? [], sshKeys: [], status: p.status ?? 'live', steps: [],
        threadRef: `card:thread-${id}`, channel: APPROVALS, approvedBy: APPROVER, provisionedAt: now,
        verifiedAt: (p.status ?? 'live') === 'live' ? now : null, transferUserCreatedAt: now, dryRun: false, updatedAt: now,
      };
      await partners.save(record);
      await notify({ op: 'post', channel: APPROVALS, ref: record.threadRef, text: `card of ${id}`, priority: 'approval' });
      const card = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['text'] === `card of ${id}`);
      return String(card.answer!['ts']);
    },
    async setStatus(id, status) {
      const r = (await partners.get(id))!;
      await partners.save({ ...r, status, ...(status === 'live' ? { verifiedAt: new Date().toISOString() } : {}) });
    },
    finished: (name, jobId) => finished(name, jobId),
    async pollNow() {
      const job = await queues.poll.add('poll', {});
      const result = (await job.waitUntilFinished(events.poll)) as { listed: number; looked: number; dispatched: number };
      return result;
    },
    threadPosts: (ts) => slack.calls('chat.postMessage').filter((c) => c.body['thread_ts'] === ts),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await delivery.close();
      await notifying.close();
      await c.close();
      for (const e of Object.values(events)) await e.close();
      for (const c of eventConnections) await c.quit().catch(() => undefined);
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
      deliveryClient.destroy();
      await s3.close();
      await slack.close();
    },
  };
}
