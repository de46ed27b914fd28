/**
 * Everything the provision and verify jobs run against in tests: the real Redis (own prefix), the
 * real notify queue and worker posting to a fake Slack, a real local S3 (s3rver, with the canary
 * object), the fake AWS control plane (./fake-aws.ts) and approved requests stored as the approval
 * flow stores them. `startWorkers()` builds the workers exactly as the composition root does.
 */
import { Writable } from 'node:stream';
import { Queue, type Job, type Worker } from 'bullmq';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { webApi } from '@slack/bolt';
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ApproverDirectory, Notify } from '../../src/actions/ports.js';
import { createPlanRenderer } from '../../src/actions/onboarding/plan.js';
import { newExternalId } from '../../src/actions/onboarding/request-onboarding.js';
import { cardRef } from '../../src/bot/messages/ids.js';
import { createNotifyQueue, createNotifySlackClient, createNotifyWorker, enqueueNotify, type NotifyJobData } from '../../src/jobs/notify/notify.js';
import { createQueue, QUEUE_NAMES } from '../../src/jobs/platform/queues.js';
import type { StallOverrides } from '../../src/jobs/platform/stalls.js';
import { addProvisionJob } from '../../src/jobs/onboarding/provision.js';
import type { ProvisionPayload } from '../../src/actions/onboarding/contract.js';
import { addVerifyJob } from '../../src/jobs/onboarding/verify.js';
import { type VerifyPayload } from '../../src/actions/onboarding/contract.js';
import type { RetryDeps } from '../../src/actions/onboarding/retry-provisioning.js';
import { CANARY_OBJECT_KEY } from '../../src/jobs/onboarding/verify-probes.js';
import { createProvisionWorkers, type ProvisionWorkerOptions, type ProvisionWorkers } from '../../src/jobs/onboarding/provision-workers.js';
import { PartnerStore } from '../../src/store/partners.js';
import type { Audit } from '../../src/actions/ports.js';
import { RunStore } from '../../src/store/runs.js';
import { RequestStore } from '../../src/store/requests.js';
import { newRequestId, type OnboardingRequest } from '../../src/domain/requests.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../../tools/local/fake-slack.js';

export { APPROVER, CHANNEL, PARTNER_ACCOUNT, REQUESTER, platformFor };
import { FakeAws } from './fake-aws.js';
import { startLocalS3, type LocalS3 } from '../../tools/local/s3.js';
import { testPrefix } from '../../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { APPROVER, CHANNEL, PARTNER_ACCOUNT, platformFor, REQUESTER, sshPublicKey } from './provision-fixtures.js';
import { fixedApprovers, manualClock, type ManualClock } from './ports.js';
import { testSeals } from './seals.js';
import type { ApprovalSeals } from '../../src/domain/approval-seal.js';

/** The button with `actionId` in a Slack call's blocks, if any. */
export function buttonIn(call: SlackCall, actionId: string): { action_id?: string; value?: string } | undefined {
  const blocks = call.body.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[] | undefined;
  return blocks?.flatMap((b) => (b.type === 'actions' ? b.elements ?? [] : [])).find((e) => e.action_id === actionId);
}

export interface RequestOptions {
  partnerId: string;
  sshKeys?: number;
  accountId?: string | null;
  approvedBy?: string;
  /** Render the plan with this platform instead of the harness's (a plan that changed since). */
  planPlatform?: PlatformConfig;
}

export interface ProvisionHarness {
  prefix: string;
  redis: Redis;
  worker: Redis;
  slack: FakeSlack;
  s3: LocalS3;
  platform: PlatformConfig;
  fake: FakeAws;
  clock: ManualClock;
  approvers: ApproverDirectory & { set: Set<string> };
  logger: Logger;
  notify: Notify;
  provisionQueue: Queue<ProvisionPayload>;
  verifyQueue: Queue<VerifyPayload>;
  requests: RequestStore;
  partners: PartnerStore;
  /** The seals the stores and workers use (testEnv's key). */
  seals: ApprovalSeals;
  live: string[];
  /** An approved request, stored and with its card posted (the partner's thread exists). */
  approvedRequest(o: RequestOptions): Promise<OnboardingRequest>;
  provision(payload: ProvisionPayload): Promise<void>;
  /** What the Retry buttons' use cases get from the composition root. */
  retryDeps(): RetryDeps;
  startWorkers(o?: { settleSeconds?: number; transferHost?: string; transferStaticIps?: string[]; platform?: PlatformConfig; options?: Partial<ProvisionWorkerOptions>; audit?: Audit; stall?: StallOverrides }): ProvisionWorkers;
  /** Waits until the job is completed or failed (for good), and answers which, with the job. */
  settled(queue: Queue, jobId: string): Promise<{ state: 'completed' | 'failed'; job: Job }>;
  /** Posts and updates Slack accepted whose text names the partner, in order. */
  messages(partnerId: string): SlackCall[];
  close(): Promise<void>;
}

/** `logLines`: collect every log line (at debug level) instead of discarding them. */
export async function startProvisionHarness(o: { dryRun?: boolean; logLines?: string[] } = {}): Promise<ProvisionHarness> {
  const prefix = testPrefix('prov');
  const redis = createTestRedis();
  const worker = createTestRedis();
  const slack = await startFakeSlack();
  const s3 = await startLocalS3();
  const platform = platformFor(o.dryRun ? { DRY_RUN: 'true' } : {});
  const fake = new FakeAws({ redis, ns: `${prefix}:fakeaws`, platform });
  const clock = manualClock();
  const approvers = fixedApprovers(APPROVER, 'UAPPROVER2');
  const sink = o.logLines;
  const logger = sink
    ? createLogger('debug', new Writable({ write: (chunk: Buffer, _enc, done) => { sink.push(chunk.toString()); done(); } }))
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const notifyQueue: Queue<NotifyJobData> = createNotifyQueue(redis, prefix);
  const notify: Notify = (m) => enqueueNotify({ redis, prefix, queue: notifyQueue }, m);
  const notifyWorker: Worker = createNotifyWorker({
    redis: worker, prefix, logger,
    slack: createNotifySlackClient('xoxb-test', { slackApiUrl: slack.apiUrl, logLevel: webApi.LogLevel.ERROR }),
    options: { paceMs: 0, retryBaseMs: 10, retryMaxMs: 40 },
  });
  const provisionQueue = createQueue<ProvisionPayload>(QUEUE_NAMES.provision, redis, prefix);
  const verifyQueue = createQueue<VerifyPayload>(QUEUE_NAMES.verify, redis, prefix);
  const requests = new RequestStore(redis, prefix, testSeals);
  const partners = new PartnerStore(redis, prefix);
  const live: string[] = [];
  const started: ProvisionWorkers[] = [];

  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: CANARY_OBJECT_KEY, Body: 'canary: no partner may read this' }));

  // The state first, then the job: a job read before its state (as it finishes) is a stale snapshot.
  const settled = async (queue: Queue, jobId: string) => {
    for (;;) {
      const state = await queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') return { state, job: (await queue.getJob(jobId))! } as { state: 'completed' | 'failed'; job: Job };
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  return {
    prefix, redis, worker, slack, s3, platform, fake, clock, approvers, logger, notify, provisionQueue, verifyQueue, requests,
    partners,
    seals: testSeals,
    live,
    async approvedRequest(r) {
      const now = clock.now();
      const draft = {
        id: newRequestId(),
        partnerId: r.partnerId,
        displayName: `${r.partnerId} Ltd`,
        contactEmail: `files@${r.partnerId}.example`,
        sshKeys: Array.from({ length: r.sshKeys ?? 2 }, () => sshPublicKey()),
        accountId: r.accountId === undefined ? PARTNER_ACCOUNT : r.accountId,
        externalId: newExternalId(),
        feeds: ['price-lists'],
        notes: '',
        requestedBy: REQUESTER,
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 72 * 3_600_000).toISOString(),
        channel: CHANNEL,
      };
      const planHash = createPlanRenderer(r.planPlatform ?? platform)(draft).hash;
      const created = await requests.create({ ...draft, planHash });
      if (!created.ok) throw new Error(`partner id ${r.partnerId} taken`);
      await notify({ op: 'post', channel: CHANNEL, ref: cardRef(draft.id), priority: 'approval', text: `card ${r.partnerId}` });
      const decided = await requests.decide(draft, { status: 'approved', by: r.approvedBy ?? APPROVER, at: now.toISOString(), via: 'button' }, now);
      if (!decided.ok) throw new Error(`could not approve: ${decided.reason}`);
      return decided.item;
    },
    provision: (payload) => addProvisionJob(provisionQueue, payload),
    retryDeps() {
      return {
        logger, clock, requests, notify, partners, runs: new RunStore(redis, prefix),
        enqueueProvision: (p) => addProvisionJob(provisionQueue, p),
        enqueueVerify: (p) => addVerifyJob(verifyQueue, p, 0),
      };
    },
    startWorkers(w = {}) {
      const workers = createProvisionWorkers({
        connection: worker, redis, prefix,
        platform: w.platform ?? platform,
        transferHost: w.transferHost,
        transferStaticIps: w.transferStaticIps ?? [],
        settleSeconds: w.settleSeconds ?? 0,
        approvers, approverNames: { users: [APPROVER] }, notify, verifyQueue, seals: testSeals, approvalsChannel: CHANNEL,
        aws: fake.clients(),
        s3: s3.client,
        s3ForCredentials: fake.policyGatedS3(s3.endpoint),
        clock, logger,
        onLive: async (partnerId) => void live.push(partnerId),
        audit: w.audit,
        options: { backoffBaseMs: 10, backoffMaxMs: 40, sftp: { loginTries: 1, readyTimeoutMs: 5000 }, ...w.options },
        ...(w.stall ? { stall: w.stall } : {}),
      });
      started.push(workers);
      return workers;
    },
    settled,
    messages(partnerId) {
      return slack.calls().filter((c) => c.ok && (c.method === 'chat.postMessage' || c.method === 'chat.update') && String(c.body.text ?? '').includes(partnerId));
    },
    async close() {
      for (const w of started) await w.close();
      await notifyWorker.close();
      await Promise.all([notifyQueue.close(), provisionQueue.close(), verifyQueue.close()]);
      fake.restore();
      await slack.close();
      await s3.close();
      await deleteKeysUnder(redis, prefix);
      await worker.quit();
      await redis.quit();
    },
  };
}
