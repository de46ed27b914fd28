/**
 * The BullMQ workers of the provision and verify queues, built from the composition root's pieces.
 * Throttling, 5xx and network errors back off exponentially with jitter (the custom strategy);
 * the processors throw UnrecoverableError for everything retrying cannot fix.
 */
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { Audit } from '../../actions/ports.js';
import type { ApproverDirectory, Clock, Notify } from '../../actions/ports.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { createPlanRenderer } from '../../actions/onboarding/index.js';
import { createControlPlane, dryRunControlPlane, type ControlPlane, type ControlPlaneClients } from '../../aws/control-plane.js';
import { PartnerStore } from '../../store/partners.js';
import { RequestStore } from '../../store/requests.js';
import { RunStore } from '../../store/runs.js';
import { QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type BaseWorkerOptions, type StallOverrides } from '../platform/stalls.js';
import { retryDelayMs } from '../notify/index.js';
import { createProvisionProcessor } from './provision.js';
import type { Approvers } from '../../domain/authorization.js';
import type { ProvisionPayload } from '../../actions/onboarding/index.js';
import { addVerifyJob, createVerifyProcessor } from './verify.js';
import { type VerifyPayload } from '../../actions/onboarding/index.js';
import type { S3ForCredentials } from './verify-probes.js';
import type { SftpProbeOptions } from './sftp-probe.js';

export interface ProvisionWorkerOptions {
  /** Jobs run at once per worker (partners provisioned in parallel do not share state). */
  concurrency: number;
  /** Backoff between tries: half to all of min(max, base·2^(n-1)). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** SFTP probe settings besides the endpoint (TRANSFER_HOST). */
  sftp: Omit<SftpProbeOptions, 'endpoint'>;
}

export const DEFAULT_PROVISION_WORKER_OPTIONS: ProvisionWorkerOptions = {
  concurrency: 4,
  backoffBaseMs: 2000,
  backoffMaxMs: 5 * 60_000,
  sftp: {},
};

export interface ProvisionWorkersDeps {
  /** For the workers: a connection with `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** For the stores (commands). */
  redis: Redis;
  prefix: string;
  platform: PlatformConfig;
  transferHost: string | undefined;
  /** TRANSFER_STATIC_IPS, for the welcome text. */
  transferStaticIps: readonly string[];
  settleSeconds: number;
  approvers: ApproverDirectory;
  /** Who can retry, as failures name them (APPROVERS, APPROVER_USERGROUP). */
  approverNames: Approvers;
  /** Seals and checks approvals (the container's, from APPROVAL_SIGNING_KEY). */
  seals: ApprovalSeals;
  /** APPROVALS_CHANNEL: where integrity alerts go, besides the partner's thread. */
  approvalsChannel: string;
  notify: Notify;
  /** The verify queue (also used by the Retry verification use case). */
  verifyQueue: Queue<VerifyPayload>;
  /** AWS control-plane clients; in DRY_RUN nothing is sent through them. */
  aws: ControlPlaneClients;
  /** The bot's own S3 client (home marker): real in DRY_RUN too. */
  s3: S3Client;
  /** S3 clients for probe sessions, from assumed credentials. */
  s3ForCredentials: S3ForCredentials;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** The partner is LIVE: release what waited for it (backfill, parked deliveries). Must be idempotent. */
  onLive: (partnerId: string) => Promise<void>;
  /** The audit trail: provisioning steps and verification results (optional). */
  audit?: Audit;
  options?: Partial<ProvisionWorkerOptions>;
  /** Lock and stall settings other than the table's (tests). */
  stall?: StallOverrides;
}

export interface ProvisionWorkers {
  provision: Worker<ProvisionPayload>;
  verify: Worker<VerifyPayload>;
  /** The control plane the workers use (the DRY_RUN wrapper when platform.dryRun). */
  cp: ControlPlane;
  close(): Promise<void>;
}

export function createProvisionWorkers(deps: ProvisionWorkersDeps): ProvisionWorkers {
  if (deps.connection.options.maxRetriesPerRequest !== null) {
    throw new Error('createProvisionWorkers: the worker connection needs maxRetriesPerRequest: null');
  }
  const o = { ...DEFAULT_PROVISION_WORKER_OPTIONS, ...deps.options };
  const log = deps.logger.child({ module: 'provision-workers' });
  const cp = deps.platform.dryRun
    ? dryRunControlPlane(deps.platform, deps.logger)
    : createControlPlane(deps.aws, deps.platform, (service, code) => deps.metrics?.awsErrors.inc({ service, code }));
  const stores = {
    requests: new RequestStore(deps.redis, deps.prefix, deps.seals),
    partners: new PartnerStore(deps.redis, deps.prefix),
    runs: new RunStore(deps.redis, deps.prefix),
  };
  const workerOptions: BaseWorkerOptions = {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: o.concurrency,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, o.backoffBaseMs, o.backoffMaxMs) },
  };

  const guard = { logger: log, overrides: deps.stall };
  const provision = createWorker<ProvisionPayload>(
    QUEUE_NAMES.provision,
    createProvisionProcessor({
      ...stores,
      platform: deps.platform,
      transferHost: deps.transferHost,
      transferStaticIps: deps.transferStaticIps,
      settleSeconds: deps.settleSeconds,
      approvers: deps.approvers,
      approverNames: deps.approverNames,
      seals: deps.seals,
      approvalsChannel: deps.approvalsChannel,
      renderPlan: createPlanRenderer(deps.platform),
      cp,
      s3: deps.s3,
      notify: deps.notify,
      clock: deps.clock,
      logger: deps.logger,
      enqueueVerify: (payload, delayMs) => addVerifyJob(deps.verifyQueue, payload, delayMs),
      audit: deps.audit,
    }),
    workerOptions,
    guard,
  );
  const verify = createWorker<VerifyPayload>(
    QUEUE_NAMES.verify,
    createVerifyProcessor({
      ...stores,
      platform: deps.platform,
      settleSeconds: deps.settleSeconds,
      sftp: deps.transferHost ? { endpoint: deps.transferHost, ...o.sftp } : undefined,
      seals: deps.seals,
      approvalsChannel: deps.approvalsChannel,
      approverNames: deps.approverNames,
      cp,
      s3ForCredentials: deps.s3ForCredentials,
      notify: deps.notify,
      clock: deps.clock,
      logger: deps.logger,
      onLive: deps.onLive,
      audit: deps.audit,
    }),
    workerOptions,
    guard,
  );
  for (const w of [provision, verify]) {
    w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
  }
  return {
    provision,
    verify,
    cp,
    async close() {
      await Promise.all([provision.close(), verify.close()]);
    },
  };
}
