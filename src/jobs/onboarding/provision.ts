/**
 * The provision job (queue `provision`; docs/architecture.md "An onboarding, from /onboard-partner
 * to LIVE"). Payload and job id: src/actions/onboarding/contract.ts
 * (the first attempt's id is the request id; a Retry button adds `<id>-retry-<n>`).
 *
 * Before touching AWS it re-checks the stored request (two-person rule, plan hash) and that no other
 * partner holds one of its SSH keys (the key index: src/domain/ssh-key-holder.ts); a failed check
 * posts why in the thread and fails for good. Saving the record turns the request's key claims into
 * the partner's registrations (src/store/partners.ts). Then the steps of ./provision-steps.ts, each an
 * idempotent ensure, run by the step runner (../platform/step-runner.ts) with one progress message
 * in the thread updated as each step ends; a rerun checks every step again, a Retry's attempt skips
 * the steps before its step that an earlier attempt did. Throttling, 5xx and network errors are
 * retried by BullMQ with exponential backoff and jitter; anything else (AccessDenied, validation, a
 * resource that is not ours) fails at once. A final failure marks the partner provision_failed
 * and posts the step, the cause in words and a Retry button, and tells the requester by DM. On
 * success: the welcome (once: DMs to the requester, ./send-welcome.ts), and the verify job,
 * delayed until TRANSFER_SETTLE_SECONDS after the Transfer user was created.
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import type { Audit } from '../../actions/ports.js';
import type { ApproverDirectory, Clock, Notify } from '../../actions/ports.js';
import { checkApproval, integrityFailureLine, reportIntegrityFailure } from '../../actions/approval/index.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { specOf, type PlanRenderer } from '../../actions/onboarding/index.js';
import { cardRef } from '../../bot/messages/ids.js';
import { withMentions } from '../../bot/messages/mrkdwn.js';
import { buildProvisionFailure, buildProvisionProgress, provisionRefusedText, provisionStoppedText } from '../../bot/messages/provision.js';
import type { Approvers } from '../../domain/authorization.js';
import { buildFailedDm } from '../../bot/messages/requester.js';
import { directMessages, requesterAndOwner } from '../../actions/direct-message.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import { renderPartner, type RenderedPartner } from '../../aws/policies/index.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import type { RequestStore } from '../../store/requests.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import type { Run, RunStore } from '../../store/runs.js';
import { retriedJob } from '../platform/queues.js';
import { runSteps } from '../platform/step-runner.js';
import { provisionJobId, provisionPayload, type ProvisionPayload } from '../../actions/onboarding/index.js';
import { PROVISION_STEPS } from './provision-steps.js';
import { partnerThread, threadRefs, type PartnerThread } from '../../actions/partner-thread.js';
import { wantsTransferUser } from '../../domain/access.js';
import { welcomeSftp } from './welcome-sftp.js';
import { sendWelcome } from './send-welcome.js';
import { ErrorCode } from '../../domain/errors.js';
import { keyInUseLine } from '../../domain/ssh-key-holder.js';
import type { VerifyPayload } from '../../actions/onboarding/index.js';

export const PROVISION_JOB = 'provision';
/** Tries per attempt: throttling and 5xx back off 2 s, 4 s, … up to 5 min (about 10 min in all). */
export const PROVISION_TRIES = 8;

/** Queues a provision attempt. A second add of the same attempt is a no-op while BullMQ keeps the job. */
export async function addProvisionJob(queue: Queue<ProvisionPayload>, payload: ProvisionPayload, tries = PROVISION_TRIES): Promise<void> {
  await queue.add(PROVISION_JOB, payload, retriedJob(provisionJobId(payload), tries));
}

export interface ProvisionDeps {
  platform: PlatformConfig;
  transferHost: string | undefined;
  /** TRANSFER_STATIC_IPS, for the welcome text. */
  transferStaticIps: readonly string[];
  settleSeconds: number;
  requests: RequestStore;
  partners: PartnerStore;
  runs: RunStore;
  approvers: ApproverDirectory;
  /** Who can retry, as the failure names them (APPROVERS, APPROVER_USERGROUP). */
  approverNames: Approvers;
  /** Checks the request's seals before anything else (src/domain/approval-seal.ts). */
  seals: ApprovalSeals;
  /** APPROVALS_CHANNEL: where an integrity alert goes, besides the thread. */
  approvalsChannel: string;
  renderPlan: PlanRenderer;
  cp: ControlPlane;
  s3: S3Client;
  notify: Notify;
  clock: Clock;
  logger: Logger;
  enqueueVerify: (payload: VerifyPayload, delayMs: number) => Promise<void>;
  /** The audit trail: one `provision.step` record per step run, and one for a final failure (optional). */
  audit?: Audit;
}

function newRecord(request: OnboardingRequest, dryRun: boolean, at: string): PartnerRecord {
  return {
    partnerId: request.partnerId,
    requestId: request.id,
    displayName: request.displayName,
    contactEmail: request.contactEmail,
    accountId: request.accountId,
    externalId: request.externalId,
    feeds: request.feeds,
    sshKeys: request.sshKeys,
    status: 'provisioning',
    steps: [],
    threadRef: cardRef(request.id),
    channel: request.channel,
    approvedBy: request.decision?.by ?? '',
    owner: request.requestedBy,
    provisionedAt: null,
    verifiedAt: null,
    transferUserCreatedAt: null,
    dryRun,
    updatedAt: at,
  };
}

/** The verify job waits until the Transfer user has settled: TRANSFER_SETTLE_SECONDS after it was created. */
export function settleGate(record: Pick<PartnerRecord, 'transferUserCreatedAt' | 'provisionedAt' | 'dryRun'>, settleSeconds: number): number {
  if (record.dryRun) return 0;
  const since = record.transferUserCreatedAt ?? record.provisionedAt;
  return since ? Date.parse(since) + settleSeconds * 1000 : 0;
}

export function createProvisionProcessor(deps: ProvisionDeps) {
  const { platform, cp } = deps;

  // The welcome goes by DM to the requester and the owner (the ExternalId in its own); the thread hears only that it was sent.
  const welcome = (thread: PartnerThread, run: Run, request: OnboardingRequest, rendered: RenderedPartner, log: Logger) =>
    run.once('welcome', async () => {
      const owner = (await deps.partners.get(request.partnerId))?.owner;
      await sendWelcome(deps.notify, thread, {
        view: {
          partnerId: request.partnerId,
          displayName: request.displayName,
          contactEmail: request.contactEmail,
          contact: owner ?? request.requestedBy,
          region: platform.region,
          bucket: platform.bucket,
          homePrefix: rendered.homePrefix,
          feeds: request.feeds,
          dryRun: cp.dryRun,
          sftp: wantsTransferUser(request)
            ? await welcomeSftp({ ...deps, hostKeyFingerprints: () => cp.hostKeyFingerprints(), logger: log }, rendered.transferUser.UserName, request.sshKeys)
            : null,
          role: rendered.partnerRole ? { arn: rendered.partnerRole.arn, partnerSidePolicy: rendered.partnerSidePolicy } : null,
        },
        externalId: rendered.partnerRole ? request.externalId : null,
        to: requesterAndOwner(request.requestedBy, owner),
      });
    });

  const queueVerification = async (request: OnboardingRequest) => {
    const record = await deps.partners.get(request.partnerId);
    if (!record) return;
    const verifyRun = await deps.runs.of('verify', request.id).get();
    const delay = Math.max(0, settleGate(record, deps.settleSeconds) - deps.clock.now().getTime());
    await deps.enqueueVerify({ requestId: request.id, attempt: Math.max(1, verifyRun?.attempt ?? 0) }, delay);
    return delay;
  };

  return async function processProvision(job: Job<ProvisionPayload>): Promise<string> {
    const parsed = provisionPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`provision: bad payload (${parsed.error.issues[0]?.message})`);
    const payload = parsed.data;
    const { attempt } = payload;
    const request = await deps.requests.get(payload.requestId);
    if (!request) {
      deps.logger.warn({ requestId: payload.requestId, jobId: job.id }, 'provision: unknown request; nothing done');
      throw new UnrecoverableError('unknown request');
    }
    const log = deps.logger.child({ module: 'provision', requestId: request.id, partnerId: request.partnerId, jobId: job.id, attempt });
    const thread = partnerThread(deps.notify, request.channel, cardRef(request.id));

    const refusal = await checkApproval(
      { approvers: deps.approvers, seals: deps.seals, renderPlan: deps.renderPlan, partnerIdHolder: (id) => deps.requests.partnerIdHolder(id) },
      request,
    );
    if (refusal?.integrity) {
      const failure = { noun: 'request', id: request.id, partnerId: request.partnerId, thread: { ref: cardRef(request.id) }, stage: 'provision', problem: refusal.integrity } as const;
      await reportIntegrityFailure({ ...deps, logger: log }, failure);
      throw new UnrecoverableError(integrityFailureLine(failure));
    }
    if (refusal) {
      log.warn({ refusal: refusal.code }, 'provision refused; nothing done on AWS');
      await thread.post({ text: provisionRefusedText(request.partnerId, withMentions(refusal.message)) });
      throw new UnrecoverableError(`refused: ${refusal.code}`);
    }
    const rendered = renderPartner(platform, specOf(request));

    const now = deps.clock.now().toISOString();
    const existing = await deps.partners.get(request.partnerId);
    if (existing && existing.requestId !== request.id) {
      await thread.post({ text: provisionRefusedText(request.partnerId, `the registry already holds ${request.partnerId} for another request`) });
      throw new UnrecoverableError('partner record of another request');
    }
    if (existing && (existing.status === 'live' || existing.status === 'offboarded')) {
      log.info({ status: existing.status }, 'provision: partner already past provisioning; nothing to do');
      return existing.status;
    }
    // Defence in depth: a key of this request that another partner holds is never registered with Transfer.
    const held = await deps.partners.keysHeldElsewhere(request.partnerId, request.sshKeys);
    if (held.length > 0) {
      log.warn({ keys: held.map((k) => ({ key: k.fingerprint, heldBy: k.heldBy })) }, 'provision refused: SSH key held by another partner; nothing done on AWS');
      await thread.post({ text: provisionRefusedText(request.partnerId, withMentions(held.map(keyInUseLine).join('; '))) });
      await deps.audit?.({
        type: 'provision.refused', partnerId: request.partnerId, requestId: request.id, actor: 'partnergate',
        details: { code: ErrorCode.SshKeyInUse, keys: held.map((k) => ({ key: k.fingerprint, heldBy: k.heldBy })), attempt },
      });
      throw new UnrecoverableError(`refused: ${ErrorCode.SshKeyInUse}`);
    }
    const run = deps.runs.of('provision', request.id);
    const record = await run.start(attempt);
    // Every step done (a rerun after the last step): only the welcome and the verify job may be missing.
    const resumed = existing !== null && record.steps['registry'] !== undefined && payload.fromStep === undefined;
    if (!existing) {
      await deps.partners.save(newRecord(request, cp.dryRun, now));
    } else if (!resumed && !(await deps.partners.apply(request.partnerId, 'provision-started', { updatedAt: now }))) {
      throw new UnrecoverableError('partner past provisioning (live or offboarded meanwhile)');
    }

    if (!resumed) {
      const audit = async (step: string, details: Record<string, unknown>) =>
        deps.audit?.({ type: 'provision.step', partnerId: request.partnerId, requestId: request.id, actor: 'partnergate', details: { step, ...details, attempt, dryRun: cp.dryRun } });
      const steps = await runSteps({
        steps: PROVISION_STEPS,
        ctx: { cp, s3: deps.s3, platform, partners: deps.partners, clock: deps.clock, request, rendered },
        run, record, job, clock: deps.clock, log, attempt, from: payload.fromStep, recheck: true,
        checklist: {
          thread,
          ref: threadRefs.progress(request.id, attempt),
          render: (views, outcome) =>
            buildProvisionProgress({ partnerId: request.partnerId, attempt, dryRun: cp.dryRun, steps: views, outcome: outcome === 'done' ? 'provisioned' : outcome }),
          failure: (f, final) =>
            final
              ? { state: 'failed', detail: failureAdvice(f.code).what }
              : { state: 'retrying', detail: `${failureAdvice(f.code).what}: ${f.message} — retrying (try ${job.attemptsMade + 2} of ${job.opts.attempts ?? 1})` },
        },
        // Offboarded (say) while this ran: create nothing more.
        before: async (step) => {
          const status = (await deps.partners.get(request.partnerId))?.status;
          if (status === 'provisioning') return;
          log.warn({ step: step.name, status }, 'provision: the partner left provisioning meanwhile; stopped before this step');
          await thread.post({ text: provisionStoppedText(request.partnerId, step.label, status ?? 'gone') });
          throw new UnrecoverableError(`partner is ${status ?? 'gone'}`);
        },
        done: (step, result) => audit(step.name, { state: result.state, ...(result.detail !== undefined ? { detail: result.detail } : {}) }),
        failed: async (step, f) => {
          await deps.partners.apply(request.partnerId, 'provision-failed', { updatedAt: deps.clock.now().toISOString() });
          await audit(step.name, { state: 'failed', code: f.code, message: f.message, tries: job.attemptsMade + 1 });
          await thread.post(
            buildProvisionFailure({
              requestId: request.id, partnerId: request.partnerId, attempt, step: step.name, stepLabel: step.label, code: f.code, message: f.message, approvers: deps.approverNames,
            }),
            threadRefs.provisionFailure(request.id, attempt),
          );
          const { what, why } = failureAdvice(f.code);
          await deps.notify(directMessages([request.requestedBy], buildFailedDm({
            partnerId: request.partnerId, stage: 'provisioning', failed: step.label, cause: what, why, approvers: deps.approverNames, channel: request.channel,
          })));
        },
      });
      await steps.finish('done');
    }

    await welcome(thread, run, request, rendered, log);
    const delay = await queueVerification(request);
    log.info({ verifyInMs: delay, dryRun: cp.dryRun }, 'provisioned; verification queued');
    return 'provisioned';
  };
}
