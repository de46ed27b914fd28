/**
 * The provision job (queue `provision`): DESIGN.md "Flows" 3. Payload and job id: ./provision-payload.ts
 * (the first attempt's id is the request id; a Retry button adds `<id>-retry-<n>`).
 *
 * Before touching AWS it re-checks the stored request (two-person rule, plan hash); a failed check
 * posts why in the thread and fails for good. Then the steps of ./provision-steps.ts, each an
 * idempotent ensure, with one progress message in the thread updated as each step ends. Throttling,
 * 5xx and network errors are retried by BullMQ with exponential backoff and jitter; anything else
 * (AccessDenied, validation, a resource that is not ours) fails at once. A final failure marks the
 * partner provision_failed and posts the step, the AWS error and a Retry button. On success: the
 * welcome text (once), and the verify job, delayed until TRANSFER_SETTLE_SECONDS after the Transfer
 * user was created.
 */
import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Audit } from '../../actions/ports.js';
import type { ApproverDirectory, Clock, Notify } from '../../actions/ports.js';
import { checkApproval } from '../../actions/approval/index.js';
import { specOf, type PlanRenderer } from '../../actions/onboarding/index.js';
import { cardRef } from '../../bot/messages/ids.js';
import {
  buildProvisionFailure, buildProvisionProgress, buildWelcome, provisionRefusedText, type StepView,
} from '../../bot/messages/provision.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import { renderPartner, type RenderedPartner } from '../../aws/policies/index.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { RequestStore } from '../../store/requests.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import type { ProvisionRuns } from '../../store/provision-runs.js';
import { KEEP } from '../platform/queues.js';
import { provisionJobId, provisionPayload, type ProvisionPayload } from '../../actions/onboarding/index.js';
import { STEP_RUNNERS, type StepContext } from './provision-steps.js';
import { isProvisionStep, PROVISION_STEPS, STEP_LABELS, type ProvisionStep } from '../../domain/provision-steps.js';
import { partnerThread, threadRefs, type PartnerThread } from '../../actions/partner-thread.js';
import { wantsTransferUser } from '../../domain/access.js';
import type { VerifyPayload } from '../../actions/onboarding/index.js';

export const PROVISION_JOB = 'provision';
/** Tries per attempt: throttling and 5xx back off 2 s, 4 s, … up to 5 min (about 10 min in all). */
export const PROVISION_TRIES = 8;

export function provisionJobOptions(payload: ProvisionPayload, tries = PROVISION_TRIES): JobsOptions {
  return { ...KEEP, jobId: provisionJobId(payload), attempts: tries, backoff: { type: 'custom' } };
}

/** Queues a provision attempt. A second add of the same attempt is a no-op while BullMQ keeps the job. */
export async function addProvisionJob(queue: Queue<ProvisionPayload>, payload: ProvisionPayload, tries?: number): Promise<void> {
  await queue.add(PROVISION_JOB, payload, provisionJobOptions(payload, tries));
}

export interface ProvisionDeps {
  platform: PlatformConfig;
  transferHost: string | undefined;
  settleSeconds: number;
  requests: RequestStore;
  partners: PartnerStore;
  runs: ProvisionRuns;
  approvers: ApproverDirectory;
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

interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

export function failureOf(err: unknown): Failure {
  if (err instanceof AppError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof UnrecoverableError) return { code: 'UNRECOVERABLE', message: err.message, retryable: false };
  return { code: 'INTERNAL', message: errorMessage(err), retryable: true };
}

/** True when this failure ends the job: not retryable, or the last try. */
export function isFinal(job: Job, failure: Failure): boolean {
  return !failure.retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** The checklist message of one attempt: posted once, then updated by ref. */
class Progress {
  private readonly views = new Map<ProvisionStep, StepView>();
  private readonly ref: string;
  constructor(
    private readonly thread: PartnerThread,
    private readonly runs: ProvisionRuns,
    private readonly request: OnboardingRequest,
    private readonly attempt: number,
    private readonly dryRun: boolean,
  ) {
    this.ref = threadRefs.progress(request.id, attempt);
    for (const step of PROVISION_STEPS) this.views.set(step, { label: STEP_LABELS[step], state: 'pending' });
  }

  private message(outcome: 'running' | 'provisioned' | 'failed') {
    return buildProvisionProgress({ partnerId: this.request.partnerId, attempt: this.attempt, dryRun: this.dryRun, steps: [...this.views.values()], outcome });
  }

  /** Posts the checklist unless this attempt already did (a rerun after a crash updates it instead). */
  async begin(): Promise<void> {
    const fact = `progress:provision:${this.attempt}`;
    if (await this.runs.has(this.request.id, fact)) return;
    await this.thread.post(this.message('running'), this.ref);
    await this.runs.mark(this.request.id, fact);
  }

  async set(step: ProvisionStep, view: Omit<StepView, 'label'>, outcome: 'running' | 'provisioned' | 'failed' = 'running'): Promise<void> {
    this.views.set(step, { label: STEP_LABELS[step], ...view });
    await this.thread.update(this.ref, this.message(outcome));
  }

  async finish(outcome: 'provisioned' | 'failed'): Promise<void> {
    await this.thread.update(this.ref, this.message(outcome));
  }
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

  const welcome = async (thread: PartnerThread, request: OnboardingRequest, rendered: RenderedPartner) => {
    if (await deps.runs.has(request.id, 'welcome')) return;
    await thread.post(
      buildWelcome({
        partnerId: request.partnerId,
        displayName: request.displayName,
        region: platform.region,
        bucket: platform.bucket,
        homePrefix: rendered.homePrefix,
        feeds: request.feeds,
        dryRun: cp.dryRun,
        sftp: wantsTransferUser(request) ? { host: deps.transferHost, userName: rendered.transferUser.UserName } : null,
        role: rendered.partnerRole
          ? { arn: rendered.partnerRole.arn, externalId: request.externalId, partnerSidePolicy: rendered.partnerSidePolicy }
          : null,
      }),
    );
    await deps.runs.mark(request.id, 'welcome');
  };

  const queueVerification = async (request: OnboardingRequest) => {
    const record = await deps.partners.get(request.partnerId);
    if (!record) return;
    const runs = await deps.runs.get(request.id);
    const delay = Math.max(0, settleGate(record, deps.settleSeconds) - deps.clock.now().getTime());
    await deps.enqueueVerify({ requestId: request.id, attempt: Math.max(1, runs.verifyAttempt) }, delay);
    return delay;
  };

  return async function processProvision(job: Job<ProvisionPayload>): Promise<string> {
    const parsed = provisionPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`provision: bad payload (${parsed.error.issues[0]?.message})`);
    const payload = parsed.data;
    const request = await deps.requests.get(payload.requestId);
    if (!request) {
      deps.logger.warn({ requestId: payload.requestId, jobId: job.id }, 'provision: unknown request; nothing done');
      throw new UnrecoverableError('unknown request');
    }
    const log = deps.logger.child({ module: 'provision', requestId: request.id, partnerId: request.partnerId, jobId: job.id, attempt: payload.attempt });
    const thread = partnerThread(deps.notify, request.channel, request.id);

    const refusal = await checkApproval(
      { approvers: deps.approvers, renderPlan: deps.renderPlan, partnerIdHolder: (id) => deps.requests.partnerIdHolder(id) },
      request,
    );
    if (refusal) {
      log.warn({ refusal: refusal.code }, 'provision refused; nothing done on AWS');
      await thread.post({ text: provisionRefusedText(request.partnerId, refusal.message) });
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
    const resumed = existing !== null && existing.steps.includes('registry') && payload.fromStep === undefined;
    if (!existing) {
      await deps.partners.save(newRecord(request, cp.dryRun, now));
    } else if (!resumed) {
      const resumable = await deps.partners.apply(request.partnerId, 'provision-started', { updatedAt: now });
      if (!resumable) throw new UnrecoverableError('partner past provisioning (live or offboarded meanwhile)');
    }
    await deps.runs.start(request.id, 'provision', payload.attempt);

    if (!resumed) {
      const progress = new Progress(thread, deps.runs, request, payload.attempt, cp.dryRun);
      await progress.begin();
      const ctx: StepContext = { cp, s3: deps.s3, platform, partners: deps.partners, clock: deps.clock, request, rendered };
      const doneBefore = existing?.steps ?? [];
      const from = isProvisionStep(payload.fromStep) ? PROVISION_STEPS.indexOf(payload.fromStep) : 0;
      for (const [index, step] of PROVISION_STEPS.entries()) {
        if (index < from && doneBefore.includes(step)) {
          await progress.set(step, { state: 'unchanged', detail: 'done in an earlier attempt' });
          continue;
        }
        const status = (await deps.partners.get(request.partnerId))?.status;
        if (status !== 'provisioning') {
          // Offboarded (say) while this ran: create nothing more.
          log.warn({ step, status }, 'provision: the partner left provisioning meanwhile; stopped before this step');
          await thread.post({ text: `:no_entry: Provisioning of \`${request.partnerId}\` stopped before "${STEP_LABELS[step]}": the partner is now ${status ?? 'gone'}. Steps before it stay as they are.` });
          throw new UnrecoverableError(`partner is ${status ?? 'gone'}`);
        }
        let result;
        try {
          result = await STEP_RUNNERS[step](ctx);
        } catch (err) {
          const failure = failureOf(err);
          if (!isFinal(job, failure)) {
            log.warn({ step, code: failure.code, tries: job.attemptsMade + 1 }, 'provision step failed; BullMQ retries it with backoff');
            await progress.set(step, { state: 'retrying', detail: `${failure.code}: ${failure.message} — retrying (try ${job.attemptsMade + 2} of ${job.opts.attempts ?? 1})` });
            throw err;
          }
          log.error({ step, code: failure.code, err }, 'provisioning failed');
          const at = deps.clock.now().toISOString();
          await deps.partners.apply(request.partnerId, 'provision-failed', { updatedAt: at });
          await deps.runs.recordFailure(request.id, { stage: 'provision', attempt: payload.attempt, step, code: failure.code, message: failure.message, at });
          await progress.set(step, { state: 'failed', detail: failure.code }, 'failed');
          await deps.audit?.({
            type: 'provision.step', partnerId: request.partnerId, requestId: request.id, actor: 'partnergate',
            details: { step, state: 'failed', code: failure.code, message: failure.message, attempt: payload.attempt, tries: job.attemptsMade + 1, dryRun: cp.dryRun },
          });
          await thread.post(
            buildProvisionFailure({
              requestId: request.id, partnerId: request.partnerId, attempt: payload.attempt,
              step, stepLabel: STEP_LABELS[step], code: failure.code, message: failure.message,
            }),
            threadRefs.provisionFailure(request.id, payload.attempt),
          );
          throw new UnrecoverableError(`${step}: ${failure.code}: ${failure.message}`);
        }
        await deps.partners.update(request.partnerId, (r) =>
          r.steps.includes(step) ? r : { ...r, steps: [...r.steps, step], updatedAt: deps.clock.now().toISOString() },
        );
        await progress.set(step, result);
        await deps.audit?.({
          type: 'provision.step', partnerId: request.partnerId, requestId: request.id, actor: 'partnergate',
          details: { step, state: result.state, ...(result.detail !== undefined ? { detail: result.detail } : {}), attempt: payload.attempt, dryRun: cp.dryRun },
        });
        log.info({ step, state: result.state }, 'provision step ended');
      }
      await progress.finish('provisioned');
    }

    await welcome(thread, request, rendered);
    const delay = await queueVerification(request);
    log.info({ verifyInMs: delay, dryRun: cp.dryRun }, 'provisioned; verification queued');
    return 'provisioned';
  };
}
