/**
 * The Retry buttons: an approver (the gate, src/domain/authorization.ts `retry`, lets only
 * approvers this far) re-runs a failed provisioning from the step that failed, or a failed
 * verification. Each press claims the retry of that one failed attempt atomically, so two
 * approvers pressing at once start one new attempt (a new job id, since BullMQ ignores one it
 * still holds). The failure message loses its button and the thread says who retried.
 */
import { buildProvisionFailureRetried, provisionRetriedText } from '../../bot/messages/provision.js';
import { buildVerifyRetried, verifyRetriedText } from '../../bot/messages/verify.js';
import { cardRef } from '../../bot/messages/ids.js';
import { partnerThread, threadRefs } from '../partner-thread.js';
import type { ProvisionPayload } from './contract.js';
import type { VerifyPayload } from './contract.js';
import type { PartnerStore } from '../../store/partners.js';
import type { RunStore } from '../../store/runs.js';
import type { RequestStore } from '../../store/requests.js';
import type { Notify, UseCaseDeps } from '../ports.js';
import { ErrorCode } from '../../domain/errors.js';

export interface RetryDeps extends UseCaseDeps {
  requests: RequestStore;
  partners: PartnerStore;
  runs: RunStore;
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
async function claim(deps: RetryDeps, input: { requestId: string; actor: string }, stage: keyof typeof STAGES) {
  const { what, failedStatus } = STAGES[stage];
  const request = await deps.requests.get(input.requestId);
  const record = request ? await deps.partners.get(request.partnerId) : null;
  if (!request || !record || record.requestId !== request.id) return refuse(ErrorCode.UnknownRequest, `There is no ${what} of this request to retry.`);
  if (record.status !== failedStatus) {
    return refuse(ErrorCode.NotFailed, `${request.partnerId} is ${record.status.replace('_', ' ')}; there is no failed ${what} to retry.`);
  }
  const run = deps.runs.of(stage, request.id);
  const last = await run.get();
  const next = await run.claimRetry(last?.attempt ?? 0);
  if (next === null) return refuse('already_retried', `Someone already retried this ${what}.`);
  const log = deps.logger.child({ requestId: request.id, partnerId: request.partnerId, actor: input.actor, retry: stage });
  return { ok: true as const, request, failure: last?.failure ?? null, next, log, thread: partnerThread(deps.notify, request.channel, cardRef(request.id)) };
}

export async function retryProvisioning(deps: RetryDeps, input: { requestId: string; step: string | undefined; actor: string }): Promise<RetryResult> {
  const claimed = await claim(deps, input, 'provision');
  if (!claimed.ok) return claimed.refusal;
  const { request, failure, next, log, thread } = claimed;

  // The button names the step that failed; a value naming another step is not trusted.
  const from = failure && input.step === failure.step ? failure : undefined;
  const at = deps.clock.now().toISOString();
  if (!(await deps.partners.apply(request.partnerId, 'retry-provision', { updatedAt: at }))) {
    return refuse('not_failed', `${request.partnerId} changed status meanwhile; there is no failed provisioning to retry.`).refusal;
  }
  await deps.enqueueProvision({ requestId: request.id, attempt: next, ...(from ? { fromStep: from.step } : {}) });
  log.info({ attempt: next, fromStep: from?.step }, 'provisioning retried');

  if (failure) {
    await thread.update(
      threadRefs.provisionFailure(request.id, failure.attempt),
      buildProvisionFailureRetried(
        {
          requestId: request.id, partnerId: request.partnerId, attempt: failure.attempt, step: failure.step,
          stepLabel: failure.label, code: failure.code, message: failure.message,
        },
        input.actor, next,
      ),
    );
  }
  await thread.post({ text: provisionRetriedText(input.actor, from?.label, next) });
  return { ok: true, attempt: next };
}

export async function retryVerification(deps: RetryDeps, input: { requestId: string; actor: string }): Promise<RetryResult> {
  const claimed = await claim(deps, input, 'verify');
  if (!claimed.ok) return claimed.refusal;
  const { request, failure, next, log, thread } = claimed;

  const at = deps.clock.now().toISOString();
  if (!(await deps.partners.apply(request.partnerId, 'retry-verify', { updatedAt: at }))) {
    return refuse('not_failed', `${request.partnerId} changed status meanwhile; there is no failed verification to retry.`).refusal;
  }
  await deps.enqueueVerify({ requestId: request.id, attempt: next });
  log.info({ attempt: next }, 'verification retried');

  if (failure) {
    await thread.update(
      threadRefs.verifyResult(request.id, failure.attempt),
      buildVerifyRetried({ partnerId: request.partnerId, attempt: failure.attempt, failed: failure.step, by: input.actor, nextAttempt: next }),
    );
  }
  await thread.post({ text: verifyRetriedText(input.actor, next) });
  return { ok: true, attempt: next };
}
