/**
 * The lifecycle jobs against the provision harness (./provision-harness.ts): a partner provisioned
 * and verified for real in the fake AWS account (state in Redis), the lifecycle commands installed
 * on the same fake (./fake-aws-lifecycle.ts), the audit pipeline writing to the same local S3, and
 * the lifecycle use cases and workers built as the composition root builds them.
 */
import { ListObjectsV2Command, PutObjectCommand, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { createControlPlane } from '../../src/aws/control-plane.js';
import { partnerRoleArn, type PolicyDocument } from '../../src/aws/policies/index.js';
import type { LifecycleUseCases } from '../../src/bot/deps.js';
import { lifecycleUseCases } from '../../src/container/use-cases.js';
import { readDrift } from '../../src/jobs/lifecycle/index.js';
import { createLifecycleQueues, createLifecycleWorkers, type LifecycleQueues, type LifecycleWorkerOptions, type LifecycleWorkers } from '../../src/jobs/lifecycle/lifecycle-workers.js';
import { verifyJobId } from '../../src/actions/onboarding/contract.js';
import { ChangeRequestStore } from '../../src/store/change-requests.js';
import type { OnboardingRequest } from '../../src/domain/requests.js';
import { startAuditPipeline, type AuditPipeline } from './audit.js';
import { installLifecycleCommands, type LifecycleFake } from './fake-aws-lifecycle.js';
import { CHANNEL, startProvisionHarness, type ProvisionHarness, type RequestOptions } from './provision-harness.js';

export interface LifecycleHarness {
  h: ProvisionHarness;
  lc: LifecycleFake;
  audit: AuditPipeline;
  queues: LifecycleQueues;
  changes: ChangeRequestStore;
  useCases: LifecycleUseCases;
  /** A partner provisioned and verified: LIVE in the registry, its resources in the fake account. */
  livePartner(o: RequestOptions): Promise<OnboardingRequest>;
  /** `autoRevert`: AUTO_REVERT=true. */
  startLifecycleWorkers(o?: Partial<LifecycleWorkerOptions>, settings?: { autoRevert?: boolean }): LifecycleWorkers;
  putFile(key: string, body: string): Promise<void>;
  /** S3 as the partner's own role (assumed through the verifier with its ExternalId), every request judged by the deployed documents. */
  partnerS3(request: OnboardingRequest): Promise<S3Client>;
  close(): Promise<void>;
}

/** `logLines`: collect every log line (debug level), e.g. to prove no secret is logged. */
export async function startLifecycleHarness(o: { dryRun?: boolean; keyMaxAgeDays?: number; logLines?: string[] } = {}): Promise<LifecycleHarness> {
  const h = await startProvisionHarness({ ...(o.dryRun ? { dryRun: true } : {}), ...(o.logLines ? { logLines: o.logLines } : {}) });
  const lc = installLifecycleCommands(h.fake, { redis: h.redis, ns: `${h.prefix}:fakeaws`, platform: h.platform });
  const audit = startAuditPipeline({
    redis: h.redis, worker: h.worker, prefix: h.prefix, s3: h.s3.client, bucket: h.s3.bucket, kmsKeyArn: h.platform.kmsKeyArn, clock: h.clock, logger: h.logger,
  });
  const queues = createLifecycleQueues(h.redis, h.prefix);
  const changes = new ChangeRequestStore(h.redis, h.prefix, h.seals);
  const useCases = lifecycleUseCases({
    logger: h.logger, clock: h.clock, notify: h.notify, audit: audit.audit, approvers: h.approvers, queues, changes, partners: h.partners,
    approvalReaction: 'white_check_mark', requestTtlHours: 72, keyMaxAgeDays: o.keyMaxAgeDays ?? 365, feeds: h.platform.feeds,
    currentDrift: (partnerId) => readDrift(h.redis, h.prefix, partnerId),
    seals: h.seals, approvalsChannel: CHANNEL,
  });
  const started: LifecycleWorkers[] = [];
  let provisioning: { close(): Promise<void> } | null = null;
  return {
    h, lc, audit, queues, changes, useCases,
    async livePartner(r) {
      const request = await h.approvedRequest(r);
      provisioning ??= h.startWorkers({ settleSeconds: 0 });
      await h.provision({ requestId: request.id, attempt: 1 });
      const verify = await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }));
      const record = await h.partners.get(request.partnerId);
      if (verify.state !== 'completed' || record?.status !== 'live') throw new Error(`${request.partnerId} did not go live (${record?.status})`);
      return request;
    },
    startLifecycleWorkers(options = {}, settings = {}) {
      const w = createLifecycleWorkers({
        connection: h.worker, redis: h.redis, prefix: h.prefix, platform: h.platform, approvers: h.approvers, notify: h.notify,
        seals: h.seals, approvalsChannel: CHANNEL,
        audit: audit.audit, aws: h.fake.clients(), s3: h.s3.client, s3ForCredentials: h.fake.policyGatedS3(h.s3.endpoint),
        clock: h.clock, logger: h.logger, options: { backoffBaseMs: 5, backoffMaxMs: 20, ...options },
        keyMaxAgeDays: o.keyMaxAgeDays ?? 365, ...(settings.autoRevert ? { autoRevert: true } : {}),
      });
      started.push(w);
      return w;
    },
    async putFile(key, body) {
      await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: key, Body: body }));
    },
    async partnerS3(request) {
      const cp = createControlPlane(h.fake.clients(), h.platform);
      const verifier = await cp.assumeRole({ roleArn: h.platform.verifierRoleArn, sessionName: 'partner' });
      const credentials = await cp.assumeRole({ roleArn: partnerRoleArn(h.platform, request.partnerId), sessionName: 'partner', externalId: request.externalId }, verifier);
      return h.fake.policyGatedS3(h.s3.endpoint)(credentials);
    },
    async close() {
      for (const w of started) await w.close();
      await queues.close();
      await audit.close();
      await h.close();
    },
  };
}

/**
 * The hole issue 16 found, set up: `acme` and `globex` live, a file in globex's home, and
 * AmazonS3ReadOnlyAccess attached to acme's role by hand (the boundary covers all of partners/).
 * Answers acme's request and acme's listing of globex's home (which succeeds now).
 */
export async function acmeWithReadOnlyAttached(t: LifecycleHarness, policy: { arn: string; document: PolicyDocument }): Promise<{ acme: OnboardingRequest; neighbour: () => Promise<ListObjectsV2CommandOutput> }> {
  const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
  await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
  await t.putFile('partners/globex/prices.csv', 'globex only\n');
  await t.h.fake.attachManagedPolicy('partnergate-partner-acme', policy.arn, policy.document);
  const session = await t.partnerS3(acme);
  return { acme, neighbour: () => session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: 'partners/globex/' })) };
}
