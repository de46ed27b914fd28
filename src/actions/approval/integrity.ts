/**
 * A record that fails its seal check (src/domain/approval-seal.ts) is never acted on. Whoever found
 * it — a job's pre-check, or a decision — refuses, and says so where people look: in the partner's
 * thread, in the approvals channel, and in the audit trail (`approval.integrity-failed`). Both posts
 * go to the configured approvals channel, never to the channel the record names: that is part of
 * what failed the check.
 */
import type { IntegrityProblem } from '../../domain/approval-seal.js';
import { isPartnerId } from '../../domain/partner-id.js';
import { integrityAlertText, type IntegrityStage } from '../../bot/messages/integrity.js';
import type { Logger } from '../../logger.js';
import type { Audit, Notify, ThreadRef } from '../ports.js';

export interface IntegrityAlertDeps {
  notify: Notify;
  /** The audit trail (optional: absent in tests that do not look at it). */
  audit?: Audit | undefined;
  approvalsChannel: string;
  logger: Logger;
}

export interface IntegrityFailure {
  noun: 'request' | 'change' | 're-apply';
  id: string;
  /** As the record says (it failed its check): shown escaped, audited only when it is a valid id. */
  partnerId: string | undefined;
  /** The partner's thread, when there is one to post in. */
  thread: ThreadRef | null;
  stage: IntegrityStage;
  problem: IntegrityProblem;
}

/** The one line a job fails with: what was refused, and why. */
export function integrityFailureLine(f: Pick<IntegrityFailure, 'noun' | 'id' | 'problem'>): string {
  return `approval integrity check failed for ${f.noun} ${f.id}: ${f.problem.message} (APPROVAL_SIGNING_KEY)`;
}

export async function reportIntegrityFailure(deps: IntegrityAlertDeps, f: IntegrityFailure): Promise<void> {
  const partnerId = f.partnerId !== undefined && isPartnerId(f.partnerId) ? f.partnerId : undefined;
  deps.logger.error({ [f.noun === 're-apply' ? 'jobId' : `${f.noun}Id`]: f.id, partnerId, stage: f.stage, reason: f.problem.reason }, integrityFailureLine(f));
  const text = integrityAlertText({ noun: f.noun, id: f.id, partnerId: f.partnerId, stage: f.stage, problem: f.problem.message, unsealed: f.problem.reason === 'unsealed' });
  await deps.notify([
    ...(f.thread ? [{ op: 'post' as const, channel: deps.approvalsChannel, thread: f.thread, priority: 'approval' as const, text }] : []),
    { op: 'post' as const, channel: deps.approvalsChannel, priority: 'approval' as const, text },
  ]);
  await deps.audit?.({
    type: 'approval.integrity-failed', actor: 'partnergate', ...(partnerId ? { partnerId } : {}),
    ...(f.noun !== 're-apply' && f.id.length <= 64 ? { requestId: f.id } : {}),
    details: { kind: f.noun, stage: f.stage, reason: f.problem.reason, ...(f.noun === 're-apply' ? { jobId: f.id } : {}) },
  });
}
