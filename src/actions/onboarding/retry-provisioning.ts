/**
 * The Retry buttons: an approver re-runs a failed provisioning from the step that failed, or a
 * failed verification. Each press claims the retry of that one failed attempt atomically, so two
 * approvers pressing at once start one new attempt (a new job id, since BullMQ ignores one it
 * still holds). The failure message loses its button and the thread says who retried.
 */
import { user } from '../../bot/messages/mrkdwn.js';
import { buildProvisionFailureRetried } from '../../bot/messages/provision.js';
import { buildVerifyRetried } from '../../bot/messages/verify.js';
import { partnerThread, threadRefs } from '../partner-thread.js';
import { isProvisionStep, STEP_LABELS } from '../../domain/provision-steps.js';
import type { ProvisionPayload } from './contract.js';
import type { VerifyPayload } from './contract.js';
import type { PartnerStore } from '../../store/partners.js';
import type { ProvisionRuns, RunStage } from '../../store/provision-runs.js';
import type { RequestStore } from '../../store/requests.js';
import type { ApproverDirectory, Notify, UseCaseDeps } from '../ports.js';
import { ErrorCode } from '../../domain/errors.js';

export interface RetryDeps extends UseCaseDeps {
  requests: RequestStore;
  partners: PartnerStore;
  runs: ProvisionRuns;
  approvers: ApproverDirectory;
  notify: Notify;
  enqueueProvision: (payload: ProvisionPayload) => Promise<void>;
  enqueueVerify: (payload: VerifyPayload) => Promise<void>;
}


export type RetryResult =
  | { ok: true; attempt: number }
  | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): { ok: false; refusal: RetryResult } => ({ ok: false, refusal: { ok: false, code, message } });

const STAGES = {
  provision: { what: 'provisioning', failedStatus: 'provision_failed' },
  verify: { what: 'verification', failedStatus: 'verify_failed' },
} as const;

/** The checks both buttons share, then the atomic claim of the retry of the failed attempt. */
async function claim(deps: RetryDeps, input: { requestId: string; actor: string }, stage: RunStage) {
  const { what, failedStatus } = STAGES[stage];
  if (!(await deps.approvers.isApprover(input.actor))) return refuse(ErrorCode.NotApprover, `Only approvers can retry ${what}.`);
  const request = await deps.requests.get(input.requestId);
  const record = request ? await deps.partners.get(request.partnerId) : null;
  if (!request || !record || record.requestId !== request.id) return refuse(ErrorCode.UnknownRequest, `There is no ${what} of this request to retry.`);
  if (record.status !== failedStatus) {
    return refuse(ErrorCode.NotFailed, `${request.partnerId} is ${record.status.replace('_', ' ')}; there is no failed ${what} to retry.`);
  }
  const run = await deps.runs.get(request.id);
  const next = await deps.runs.claimRetry(request.id, stage, stage === 'provision' ? run.provisionAttempt : run.verifyAttempt);
  if (next === null) return refuse(ErrorCode.AlreadyRetried, `Someone already retried this ${what}.`);
  const log = deps.logger.child({ requestId: request.id, partnerId: request.partnerId, actor: input.actor, retry: stage });
  return { ok: true as const, request, run, next, log };
}

export async function retryProvisioning(deps: RetryDeps, input: { requestId: string; step: string | undefined; actor: string }): Promise<RetryResult> {
  const claimed = await claim(deps, input, 'provision');
  if (!claimed.ok) return claimed.refusal;
  const { request, run, next, log } = claimed;

  const step = isProvisionStep(input.step) ? input.step : undefined;
  const at = deps.clock.now().toISOString();
  if (!(await deps.partners.transition(request.partnerId, ['provision_failed'], (r) => ({ ...r, status: 'provisioning', updatedAt: at })))) {
    return refuse(ErrorCode.NotFailed, `${request.partnerId} changed status meanwhile; there is no failed provisioning to retry.`).refusal;
  }
  await deps.enqueueProvision({ requestId: request.id, attempt: next, ...(step ? { fromStep: step } : {}) });
  log.info({ attempt: next, fromStep: step }, 'provisioning retried');

  const thread = partnerThread(deps.notify, request.channel, request.id);
  const failure = run.failure;
  if (failure?.stage === 'provision') {
    const failedStep = isProvisionStep(failure.step) ? failure.step : undefined;
    await thread.update(
      threadRefs.provisionFailure(request.id, failure.attempt),
      buildProvisionFailureRetried(
        {
          requestId: request.id, partnerId: request.partnerId, attempt: failure.attempt, step: failure.step,
          stepLabel: failedStep ? STEP_LABELS[failedStep] : failure.step, code: failure.code, message: failure.message,
        },
        input.actor, next,
      ),
    );
  }
  await thread.post({ text: `:repeat: ${user(input.actor)} retried provisioning${step ? ` from "${STEP_LABELS[step]}"` : ''} (attempt ${next}).` });
  return { ok: true, attempt: next };
}

export async function retryVerification(deps: RetryDeps, input: { requestId: string; actor: string }): Promise<RetryResult> {
  const claimed = await claim(deps, input, 'verify');
  if (!claimed.ok) return claimed.refusal;
  const { request, run, next, log } = claimed;

  const at = deps.clock.now().toISOString();
  if (!(await deps.partners.transition(request.partnerId, ['verify_failed'], (r) => ({ ...r, status: 'verifying', updatedAt: at })))) {
    return refuse(ErrorCode.NotFailed, `${request.partnerId} changed status meanwhile; there is no failed verification to retry.`).refusal;
  }
  await deps.enqueueVerify({ requestId: request.id, attempt: next });
  log.info({ attempt: next }, 'verification retried');

  const thread = partnerThread(deps.notify, request.channel, request.id);
  if (run.failure?.stage === 'verify') {
    await thread.update(
      threadRefs.verifyResult(request.id, run.failure.attempt),
      buildVerifyRetried({ partnerId: request.partnerId, attempt: run.failure.attempt, failed: run.failure.step, by: input.actor, nextAttempt: next }),
    );
  }
  await thread.post({ text: `:repeat: ${user(input.actor)} retried verification (attempt ${next}).` });
  return { ok: true, attempt: next };
}
