/**
 * The partner lifecycle's queues and workers, built from the composition root's pieces: `offboard`
 * (./offboard.ts), `partner-change` (./partner-change.ts), `lifecycle-sweep` (./lifecycle-sweep.ts)
 * and `reconcile` (./reconcile.ts), with the sweep's and reconcile's schedulers. Throttling, 5xx and
 * network errors back off exponentially with jitter; processors throw UnrecoverableError for what
 * retrying cannot fix. Reconcile's checks and probes go through the paced plane (the shared AWS
 * buckets, src/jobs/platform/aws-pace.ts); offboarding, changes and re-applies through the plain one.
 */
import { Queue, type Processor, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import type { ApproverDirectory, Clock, Notify } from '../../actions/ports.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import type { Audit } from '../../actions/ports.js';
import type { ControlPlaneClients } from '../../aws/control-plane.js';
import { createLifecyclePlane, dryRunLifecyclePlane, type LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { keys } from '../../store/keys.js';
import { ChangeRequestStore } from '../../store/change-requests.js';
import { RunStore } from '../../store/runs.js';
import { PartnerStore } from '../../store/partners.js';
import { retryDelayMs } from '../notify/index.js';
import type { QueueName } from '../platform/queues.js';
import { createWorker, type BaseWorkerOptions, type StallOverrides } from '../platform/stalls.js';
import { createOffboardProcessor, OFFBOARD_QUEUE, type OffboardPayload } from './offboard.js';
import { proveAccessGone } from './offboard-probes.js';
import { createPartnerChangeProcessor, PARTNER_CHANGE_QUEUE, type PartnerChangePayload } from './partner-change.js';
import { RequestStore } from '../../store/requests.js';
import { checkPartnerById, createReconcileProcessor, reapplyShownDrift, RECONCILE_QUEUE, scheduleReconcile, type ReconcileDeps, type ReconcilePayload } from './reconcile.js';
import { createAwsPacer, pacedLifecyclePlane, type AwsPacerOptions } from '../platform/aws-pace.js';
import { DEFAULT_PACE_RATES } from '../../domain/aws-pace.js';
import { createSweepProcessor, LIFECYCLE_SWEEP_QUEUE, scheduleLifecycleSweep } from './lifecycle-sweep.js';
import { runS3Probes, type S3ForCredentials } from '../onboarding/index.js';
import { intendedFor } from './drift.js';

export interface LifecycleQueues {
  offboard: Queue<OffboardPayload>;
  partnerChange: Queue<PartnerChangePayload>;
  reconcile: Queue<ReconcilePayload>;
  close(): Promise<void>;
}

export function createLifecycleQueues(connection: Redis, prefix: string): LifecycleQueues {
  const offboard = new Queue<OffboardPayload>(OFFBOARD_QUEUE, { connection, prefix });
  const partnerChange = new Queue<PartnerChangePayload>(PARTNER_CHANGE_QUEUE, { connection, prefix });
  const reconcile = new Queue<ReconcilePayload>(RECONCILE_QUEUE, { connection, prefix });
  return {
    offboard,
    partnerChange,
    reconcile,
    async close() {
      await Promise.all([offboard.close(), partnerChange.close(), reconcile.close()]);
    },
  };
}

export interface LifecycleWorkerOptions {
  backoffBaseMs: number;
  backoffMaxMs: number;
  concurrency: number;
  /** How often every partner is checked for drift (DRIFT_SWEEP_INTERVAL_HOURS). */
  reconcileEveryMs: number;
  /** How often the assurance tick runs (each re-proves its share of the live partners). */
  assuranceTickMs: number;
}

export const DEFAULT_LIFECYCLE_WORKER_OPTIONS: LifecycleWorkerOptions = {
  backoffBaseMs: 2000, backoffMaxMs: 5 * 60_000, concurrency: 2, reconcileEveryMs: 3_600_000, assuranceTickMs: 15 * 60_000,
};

export interface LifecycleWorkersDeps {
  /** For the workers: a connection with `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** For the stores (commands). */
  redis: Redis;
  prefix: string;
  platform: PlatformConfig;
  approvers: ApproverDirectory;
  /** Seals and checks approvals (the container's, from APPROVAL_SIGNING_KEY). */
  seals: ApprovalSeals;
  /** APPROVALS_CHANNEL: where integrity alerts go, besides the partner's thread. */
  approvalsChannel: string;
  notify: Notify;
  audit: Audit;
  /** AWS control-plane clients; in DRY_RUN nothing is sent through them. */
  aws: ControlPlaneClients;
  /** The bot's own S3 client: real in DRY_RUN too. */
  s3: S3Client;
  s3ForCredentials: S3ForCredentials;
  /** SFTP endpoint for welcome texts (TRANSFER_HOST). */
  transferHost?: string | undefined;
  /** TRANSFER_STATIC_IPS, for welcome texts. */
  transferStaticIps?: readonly string[];
  keyMaxAgeDays: number;
  /** ASSURANCE_INTERVAL_HOURS: every live partner's isolation re-proven at least this often (default 24). */
  assuranceIntervalHours?: number;
  /** AUTO_REVERT: a partner quarantined for drift is restored by the bot itself (./reconcile.ts `autoRevert`). */
  autoRevert?: boolean;
  clock: Clock;
  logger: Logger;
  onAwsError?: (service: string, code: string) => void;
  /**
   * The shared AWS buckets of the sweep, the probes and event checks (PACE_*_PER_SECOND; default:
   * DEFAULT_PACE_RATES). Provisioning, offboarding, changes and re-applies are not paced.
   */
  pace?: Omit<AwsPacerOptions, 'redis' | 'prefix'>;
  /** Queues the backfill of feeds a live partner was just subscribed to. */
  onFeedsAdded?: (partnerId: string, changeId: string) => Promise<void>;
  /** A quarantined partner was released: its parked deliveries go out (the delivery pipeline's onLive). */
  onReleased?: (partnerId: string) => Promise<void>;
  options?: Partial<LifecycleWorkerOptions>;
  /** Lock and stall settings other than the table's (tests). */
  stall?: StallOverrides;
}

export interface LifecycleWorkers {
  workers: Worker[];
  cp: LifecyclePlane;
  /** Schedules the repeatable jobs (drift checks, key reminders). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps the id reserved for good (SET NX of its reservation: 'held' when it is still reserved,
 * 'reserved' when it had to be restored); the partner's Transfer user and role no longer count
 * against capacity.
 */
export function partnerIdRetirer(redis: Redis, prefix: string, requests: Pick<RequestStore, 'releaseCapacity'>) {
  return async (partnerId: string, holder: string): Promise<'held' | 'reserved'> => {
    await requests.releaseCapacity(holder);
    return (await redis.set(keys(prefix).partnerIdReservation(partnerId), holder, 'NX')) === 'OK' ? 'reserved' : 'held';
  };
}

export function createLifecycleWorkers(deps: LifecycleWorkersDeps): LifecycleWorkers {
  const o = { ...DEFAULT_LIFECYCLE_WORKER_OPTIONS, ...deps.options };
  const cp = deps.platform.dryRun
    ? dryRunLifecyclePlane(deps.platform, deps.logger)
    : createLifecyclePlane(deps.aws, deps.platform, deps.onAwsError);
  const partners = new PartnerStore(deps.redis, deps.prefix);
  const changes = new ChangeRequestStore(deps.redis, deps.prefix, deps.seals);
  const sealed = { seals: deps.seals, approvalsChannel: deps.approvalsChannel };
  const runs = new RunStore(deps.redis, deps.prefix);
  const workerOptions: BaseWorkerOptions = {
    connection: deps.connection, prefix: deps.prefix, concurrency: o.concurrency,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, o.backoffBaseMs, o.backoffMaxMs) },
  };
  const worker = <T>(name: QueueName, processor: Processor<T>) => {
    const w = createWorker<T>(name, processor, workerOptions, { logger: deps.logger, overrides: deps.stall });
    w.on('error', (err) => deps.logger.error({ err, queue: name }, 'lifecycle worker error'));
    return w;
  };

  const offboard = worker<OffboardPayload>(
    OFFBOARD_QUEUE,
    createOffboardProcessor({
      cp, s3: deps.s3, platform: deps.platform, partners, runs, clock: deps.clock,
      retireId: partnerIdRetirer(deps.redis, deps.prefix, new RequestStore(deps.redis, deps.prefix, deps.seals)),
      changes, approvers: deps.approvers, ...sealed, notify: deps.notify, audit: deps.audit, logger: deps.logger.child({ module: 'offboard' }),
      prove: (partner, change) =>
        proveAccessGone({ cp, platform: deps.platform, s3: deps.s3, s3ForCredentials: deps.s3ForCredentials }, partner, change.spec.kind === 'offboard' ? change.spec.prefix : 'keep'),
    }),
  );

  const reconcileDeps: ReconcileDeps = {
    cp, platform: deps.platform, redis: deps.redis, prefix: deps.prefix, partners, notify: deps.notify, audit: deps.audit,
    logger: deps.logger.child({ module: 'reconcile' }), approvalsChannel: deps.approvalsChannel,
    ...(deps.onReleased ? { onReleased: deps.onReleased } : {}),
    changeApplying: (partnerId) => changes.applying(partnerId),
    prove: (p, neighbour) => runS3Probes({ cp, platform: deps.platform, s3ForCredentials: deps.s3ForCredentials, partners }, p, intendedFor(deps.platform, p), neighbour),
    assurance: { intervalMs: (deps.assuranceIntervalHours ?? 24) * 3_600_000, tickMs: o.assuranceTickMs },
    ...(deps.autoRevert ? { autoRevert: true } : {}),
  };
  // The sweep, the probes and event checks take from the shared buckets; the re-apply, a click, does not.
  const pacedCp = cp.dryRun ? cp : pacedLifecyclePlane(cp, createAwsPacer({
    rates: DEFAULT_PACE_RATES, ...deps.pace, redis: deps.redis, prefix: deps.prefix,
  }));
  const sweepDeps: ReconcileDeps = {
    ...reconcileDeps, cp: pacedCp,
    prove: (p, neighbour) => runS3Probes({ cp: pacedCp, platform: deps.platform, s3ForCredentials: deps.s3ForCredentials, partners }, p, intendedFor(deps.platform, p), neighbour),
  };
  const reconcileQueue = new Queue<ReconcilePayload>(RECONCILE_QUEUE, { connection: deps.redis, prefix: deps.prefix });
  reconcileQueue.on('error', (err) => deps.logger.warn({ err, queue: RECONCILE_QUEUE }, 'queue: Redis error'));

  const partnerChange = worker<PartnerChangePayload>(
    PARTNER_CHANGE_QUEUE,
    createPartnerChangeProcessor({
      cp, platform: deps.platform, transferHost: deps.transferHost, transferStaticIps: deps.transferStaticIps ?? [], changes, partners, runs,
      approvers: deps.approvers, ...sealed, notify: deps.notify, audit: deps.audit, clock: deps.clock, logger: deps.logger.child({ module: 'partner-change' }),
      ...(deps.onFeedsAdded ? { onFeedsAdded: deps.onFeedsAdded } : {}),
      reapply: (v) => reapplyShownDrift(reconcileDeps, v),
      checkAfter: async (partnerId) => {
        if (!cp.dryRun) await checkPartnerById(reconcileDeps, partnerId); // in DRY_RUN nothing was written to read back
      },
    }),
  );

  const sweep = worker<unknown>(
    LIFECYCLE_SWEEP_QUEUE,
    createSweepProcessor({ redis: deps.redis, prefix: deps.prefix, partners, notify: deps.notify, audit: deps.audit, clock: deps.clock, keyMaxAgeDays: deps.keyMaxAgeDays }),
  );

  const reconcile = worker<ReconcilePayload>(
    RECONCILE_QUEUE,
    createReconcileProcessor({ ...sweepDeps, ...sealed, queue: reconcileQueue, unpaced: reconcileDeps }),
  );

  const workers: Worker[] = [offboard, partnerChange, sweep, reconcile];
  let scheduler: Queue | null = null;
  let scheduled = false;
  return {
    workers,
    cp,
    async start() {
      scheduler ??= await scheduleLifecycleSweep(deps.redis, deps.prefix);
      if (!scheduled) await scheduleReconcile(reconcileQueue, o.reconcileEveryMs, o.assuranceTickMs);
      scheduled = true;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await scheduler?.close();
      await reconcileQueue.close();
    },
  };
}
