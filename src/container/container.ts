/**
 * The one place where the program is wired. `createContainer(config, logger, overrides)` builds, once, what
 * every role shares: the Redis connections, every queue (from the registry), the stores, the AWS
 * clients, the Slack Web API client and the ports the use cases and jobs take (notify, audit,
 * approvers, clock). The web role binds the use cases from it (./use-cases.ts), the worker role the
 * workers (./workers.ts). Tests build the same container (through run() or createContainer) and
 * override only the edges (a fake AWS account, a manual clock); the demo and the benchmarks run the
 * real CLI process instead, pointed at local stand-ins by its environment.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { boltLogger, type Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createRedis, type Redis } from '../redis.js';
import { systemClock, type ApproverDirectory, type MemberDirectory, type Audit, type Clock, type Notify } from '../actions/ports.js';
import { createApproverDirectory, createMemberDirectory } from '../actions/access/index.js';
import { approvalSeals, type ApprovalSeals } from '../domain/approval-seal.js';
import type { Approvers } from '../domain/authorization.js';
import type { DeliveryStorage } from '../actions/delivery/index.js';
import { createControlPlaneClients, type ControlPlaneClients } from '../aws/control-plane.js';
import { createS3Client } from '../aws/s3-client.js';
import { createQueues, type Queues } from '../jobs/platform/queues.js';
import type { StallOverrides } from '../jobs/platform/stalls.js';
import { createNotifySlackClient, enqueueNotify, type NotifyWorkerOptions } from '../jobs/notify/index.js';
import { createAudit, createAuditQueue, type AuditQueue } from '../jobs/audit/index.js';
import { DEFAULT_HOME_OPTIONS, markHome, viewerMarker, type HomePublishOptions } from '../jobs/home/index.js';
import { createS3DeliveryStorage, onLive, type DeliveryOptions, type S3DeliveryStorageOptions } from '../jobs/delivery/index.js';
import type { LifecycleWorkerOptions } from '../jobs/lifecycle/index.js';
import { createProbeS3Factory, type ProvisionWorkerOptions, type S3ForCredentials } from '../jobs/onboarding/index.js';
import { ChangeRequestStore } from '../store/change-requests.js';
import { DeliveryStore } from '../store/deliveries.js';
import { PartnerStore } from '../store/partners.js';
import { RequestStore } from '../store/requests.js';

/** What tests replace: the edges, never the wiring. */
export interface ContainerOverrides {
  clock?: Clock;
  metrics?: Metrics;
  /** IAM, Transfer, STS, Access Analyzer (tests: the fake account). */
  awsClients?: ControlPlaneClients;
  /** The bot's S3 client of the distribution bucket. */
  s3?: S3Client;
  /** S3 clients for the verifier's probe sessions. */
  s3ForCredentials?: S3ForCredentials;
  /** The SQS client of the event queues (tests: a mocked one). */
  sqs?: SQSClient;
  /** CloudWatch Logs, for Transfer's log of downloads (tests: a mocked one). */
  logs?: CloudWatchLogsClient;
  approvers?: ApproverDirectory;
  members?: MemberDirectory;
  /** The outbound files and the copies. */
  storage?: DeliveryStorage;
  /** The copies' thresholds (tests: multipart copies of small files). */
  copyThresholds?: Pick<S3DeliveryStorageOptions, 'multipartThreshold' | 'partSize'>;
  /** The audit trail (tests: a recorder). */
  audit?: Audit;
  /** Worker settings (tests shorten backoffs and pacing). */
  workerOptions?: WorkerOptionOverrides;
}

export interface WorkerOptionOverrides {
  notify?: Partial<NotifyWorkerOptions>;
  provision?: Partial<ProvisionWorkerOptions>;
  lifecycle?: Partial<LifecycleWorkerOptions>;
  delivery?: Partial<DeliveryOptions>;
  home?: Partial<HomePublishOptions>;
  /** Lock and stall settings per queue other than src/jobs/platform/stalls.ts's (tests kill workers). */
  stall?: StallOverrides;
}

export interface Container {
  config: Config;
  overrides: ContainerOverrides;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Commands (fail fast, auto-pipelined). */
  redis: Redis;
  /** The blocking connection BullMQ workers need (maxRetriesPerRequest: null), made on first use. */
  workerRedis(): Redis;
  /** Every queue on the command connection (fails fast while Redis is away): use cases add here, and so, today, do most jobs. */
  queues: Queues;
  /** Every queue on the worker connection (waits for Redis to come back): the delivery workers and onLive add here. */
  jobQueues(): Queues;
  auditQueue: AuditQueue;
  stores: { requests: RequestStore; partners: PartnerStore; changes: ChangeRequestStore; deliveries: DeliveryStore };
  aws: { clients: ControlPlaneClients; s3: S3Client; s3ForCredentials: S3ForCredentials; sqs: SQSClient | undefined; logs: CloudWatchLogsClient };
  /** The outbound files and the copies into partners' homes. */
  storage: DeliveryStorage;
  slack: ReturnType<typeof createNotifySlackClient>;
  notify: Notify;
  /** Queues a publish of these people's App Home (`now`: they asked), or of every recent viewer's after a change. */
  refreshHome(users: readonly string[] | 'viewers', o: { now: boolean }): Promise<void>;
  audit: Audit;
  approvers: ApproverDirectory;
  /** The approvers as configured (APPROVERS, APPROVER_USERGROUP): whom refusals and failures name. */
  approverNames: Approvers;
  /** Full members of the workspace (users.info, cached): the authorization table's `member`. */
  members: MemberDirectory;
  /** Seals and checks approvals with APPROVAL_SIGNING_KEY: the stores seal, the jobs check. */
  seals: ApprovalSeals;
  /** The partner is LIVE (or subscribed to more feeds): release what waited for it. Idempotent per occasion. */
  onLive(partnerId: string, occasion?: string): Promise<void>;
  close(): Promise<void>;
}

export function createContainer(config: Config, logger: Logger, overrides: ContainerOverrides = {}): Container {
  const clock = overrides.clock ?? systemClock;
  const { prefix, platform } = config;
  const redis = createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command');
  let workerRedis: Redis | undefined;
  let jobQueues: Queues | undefined;
  const queuesOn = (connection: Redis): Queues => {
    const made = createQueues(connection, prefix);
    // A queue without an 'error' listener prints raw connection errors while Redis is away: log them.
    for (const [name, queue] of Object.entries(made)) {
      if (typeof queue === 'object') (queue as Queue).on('error', (err) => logger.warn({ err, queue: name }, 'queue: Redis error'));
    }
    return made;
  };
  const queues = queuesOn(redis);
  const worker = () => (workerRedis ??= createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'worker'));
  const auditQueue = createAuditQueue(redis, prefix, queues.audit);
  const slack = createNotifySlackClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: boltLogger(logger),
  });
  const s3 = overrides.s3 ?? createS3Client(platform, { forcePathStyle: config.s3ForcePathStyle });
  const partners = new PartnerStore(redis, prefix);
  // The one place the key is used from: every store and job gets this, never the key or the config.
  const seals = approvalSeals(config.approvalSigningKey);
  const home = { redis, prefix, queue: queues.home, ...(overrides.workerOptions?.home ? { options: overrides.workerOptions.home } : {}) };
  const refreshHome = (users: readonly string[] | 'viewers', o: { now: boolean }) => markHome(home, users, o);
  // A quarter of the change delay: a burst of messages marks the viewers a few times a second, not once each.
  const markViewers = viewerMarker(
    () => refreshHome('viewers', { now: false }),
    Math.min(250, (overrides.workerOptions?.home?.changeDelayMs ?? DEFAULT_HOME_OPTIONS.changeDelayMs) / 4),
    (err) => logger.warn({ err }, 'home: marking the App Homes stale failed'),
  );
  return {
    config, overrides, logger, clock, redis, queues, auditQueue, slack,
    metrics: overrides.metrics ?? createMetrics(),
    workerRedis: worker,
    seals,
    jobQueues: () => (jobQueues ??= queuesOn(worker())),
    stores: {
      requests: new RequestStore(redis, prefix, seals, config.limits),
      partners,
      changes: new ChangeRequestStore(redis, prefix, seals),
      deliveries: new DeliveryStore(redis, prefix),
    },
    aws: {
      clients: overrides.awsClients ?? createControlPlaneClients(platform.region),
      s3,
      s3ForCredentials: overrides.s3ForCredentials ?? createProbeS3Factory(platform, { forcePathStyle: config.s3ForcePathStyle }),
      sqs: overrides.sqs ?? (config.deliveryQueueUrl || config.platformEventsQueueUrl ? new SQSClient({ region: platform.region }) : undefined),
      logs: overrides.logs ?? new CloudWatchLogsClient({ region: platform.region }),
    },
    storage: overrides.storage ?? createS3DeliveryStorage(s3, {
      bucket: platform.bucket, kmsKeyArn: platform.kmsKeyArn, metadataAllowlist: config.deliveryMetadataAllowlist, logger, ...overrides.copyThresholds,
    }),
    // Nearly everything the App Home shows is announced in a thread first: each message marks the
    // Homes of recent viewers stale (coalesced; published only where the view changed). Not awaited:
    // the caller's next step (an approval's job) does not wait for the Homes; the minute's sweep
    // catches a mark that failed.
    notify: async (message) => {
      await enqueueNotify({ redis, prefix, queue: queues.notify }, message);
      markViewers.changed();
    },
    refreshHome,
    audit: overrides.audit ?? createAudit({ queue: auditQueue, clock, logger: logger.child({ module: 'audit' }) }),
    approverNames: { users: config.slack.approvers, usergroup: config.slack.approverUsergroup },
    // Web approves; the worker re-checks at run time that the approver still is one.
    approvers: overrides.approvers ?? createApproverDirectory({
      approvers: config.slack.approvers,
      usergroup: config.slack.approverUsergroup,
      fetchGroup: async (usergroup) => (await slack.usergroups.users.list({ usergroup })).users ?? [],
      clock,
      logger,
    }),
    members: overrides.members ?? createMemberDirectory({
      fetchUser: async (user) => (await slack.users.info({ user })).user ?? {},
      teamId: config.slack.teamId,
      clock,
      logger,
    }),
    onLive: (partnerId, occasion) =>
      onLive({ queue: (jobQueues ??= queuesOn(worker())).dispatch, partners, logger: logger.child({ module: 'delivery' }) }, partnerId, occasion),
    async close() {
      markViewers.stop();
      await queues.close();
      await jobQueues?.close();
      await workerRedis?.quit();
      await redis.quit();
    },
  };
}
