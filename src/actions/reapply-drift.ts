/**
 * The Re-apply button on a drift report: approvers only. Queues one re-apply per reported drift
 * (the job id carries the drift's hash, so double clicks and a click on an old report of the same
 * drift do nothing more) and answers the person ephemerally.
 */
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { explainPartnerIdProblem } from '../domain/partner-id.js';
import { addReapplyJob, driftKey, type ReconcilePayload } from '../jobs/reconcile.js';
import type { Audit } from '../audit/audit.js';
import type { ApproverDirectory, UseCaseDeps } from './ports.js';

export interface ReapplyDeps extends UseCaseDeps {
  approvers: ApproverDirectory;
  redis: Redis;
  prefix: string;
  reconcileQueue: Pick<Queue<ReconcilePayload>, 'add'>;
  audit?: Audit;
}

export async function requestReapply(deps: ReapplyDeps, input: { partnerId: string; actor: string }): Promise<{ ok: boolean; message: string }> {
  if (explainPartnerIdProblem(input.partnerId)) return { ok: false, message: 'That is not a partner id.' };
  if (!(await deps.approvers.isApprover(input.actor))) {
    deps.logger.info({ partnerId: input.partnerId, actor: input.actor }, 're-apply refused: not an approver');
    await deps.audit?.({ type: 'decision.refused', partnerId: input.partnerId, actor: input.actor, details: { action: 'reapply', code: 'not_approver' } });
    return { ok: false, message: 'Only approvers can re-apply a partner’s documents.' };
  }
  const hash = await deps.redis.get(driftKey(deps.prefix, input.partnerId));
  if (!hash) return { ok: false, message: `No drift is recorded for \`${input.partnerId}\` any more: nothing to re-apply.` };
  await addReapplyJob(deps.reconcileQueue, input.partnerId, input.actor, hash);
  return { ok: true, message: `Re-applying \`${input.partnerId}\`: the result will be posted in its thread.` };
}
