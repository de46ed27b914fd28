/**
 * What the offboard and partner-change jobs share before they act: the approved change they were
 * queued for, re-checked (seals first). A change whose seals fail is reported (thread, approvals
 * channel, audit), frees its kind so a sealed one can be asked for, and fails the job for good.
 */
import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { ApproverDirectory, Audit, Clock, Notify } from '../../actions/ports.js';
import { checkChangeApproval, integrityFailureLine, reportIntegrityFailure } from '../../actions/approval/index.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import type { ChangeKind, ChangeRequest } from '../../domain/requests.js';
import type { ChangeRequestStore } from '../../store/change-requests.js';
import type { RunStore } from '../../store/runs.js';

export interface ChangeJobDeps {
  changes: ChangeRequestStore;
  runs: RunStore;
  approvers: ApproverDirectory;
  /** Checks the change's seals before anything else (src/domain/approval-seal.ts). */
  seals: ApprovalSeals;
  /** APPROVALS_CHANNEL: where an integrity alert goes, besides the thread. */
  approvalsChannel: string;
  notify: Notify;
  audit: Audit;
  clock: Clock;
  logger: Logger;
}

/** The change and, when it may not be applied, why (`problem`); throws UnrecoverableError on a broken seal. */
export async function approvedChange(
  deps: ChangeJobDeps,
  changeId: string,
  kinds: readonly ChangeKind[],
  stage: 'offboard' | 'change',
): Promise<{ change: ChangeRequest | null; problem: string | undefined }> {
  const change = await deps.changes.get(changeId);
  const refusal = await checkChangeApproval(deps, change, kinds);
  if (change && refusal?.integrity) {
    const failure = { noun: 'change', id: change.id, partnerId: change.partnerId, thread: { ref: change.threadRef }, stage, problem: refusal.integrity } as const;
    await reportIntegrityFailure(deps, failure);
    // It was never applied: free its kind (only if this change holds it) so a sealed one can be asked for.
    await deps.changes.release(change);
    throw new UnrecoverableError(integrityFailureLine(failure));
  }
  return { change, problem: refusal?.message };
}
