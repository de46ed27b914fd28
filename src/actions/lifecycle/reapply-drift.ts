/**
 * The Re-apply button on a drift report: approvers only, and only for the drift that report shows.
 * The button carries the drift's hash; a click is refused unless it is the drift recorded now (an
 * old report's button must not repair a drift nobody was shown). Queues one re-apply per reported
 * drift (the job id carries the hash, so double clicks do nothing more; the job checks the hash
 * against AWS again) and answers the person ephemerally.
 */
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { driftLabel, isDriftHash } from '../../bot/messages/drift.js';
import { addReapplyJob, driftKey, type ReconcilePayload } from '../../jobs/lifecycle/reconcile.js';
import type { Audit } from '../../jobs/audit/audit.js';
import type { ApproverDirectory, UseCaseDeps } from '../ports.js';

export interface ReapplyDeps extends UseCaseDeps {
  approvers: ApproverDirectory;
  redis: Redis;
  prefix: string;
  reconcileQueue: Pick<Queue<ReconcilePayload>, 'add'>;
  audit?: Audit;
}

/** `hash`: the drift the pressed report showed (from the button). */
export interface ReapplyInput {
  partnerId: string;
  hash: string;
  actor: string;
}

export async function requestReapply(deps: ReapplyDeps, input: ReapplyInput): Promise<{ ok: boolean; message: string }> {
  if (explainPartnerIdProblem(input.partnerId) || !isDriftHash(input.hash)) {
    return { ok: false, message: 'That is not a Re-apply button of a current drift report: nothing was re-applied. Use the Re-apply button of the latest drift report in the partner’s thread.' };
  }
  const refuse = async (code: string, message: string) => {
    deps.logger.info({ partnerId: input.partnerId, actor: input.actor, code }, 're-apply refused');
    await deps.audit?.({ type: 'decision.refused', partnerId: input.partnerId, actor: input.actor, details: { action: 'reapply', code, hash: input.hash } });
    return { ok: false, message };
  };
  if (!(await deps.approvers.isApprover(input.actor))) return refuse('not_approver', 'Only approvers can re-apply a partner’s documents.');
  const current = await deps.redis.get(driftKey(deps.prefix, input.partnerId));
  if (!current) return { ok: false, message: `No drift is recorded for \`${input.partnerId}\` any more: nothing to re-apply.` };
  if (current !== input.hash) {
    return refuse(
      'drift_changed',
      `This report (drift ${driftLabel(input.hash)}) is out of date; the latest report is drift ${driftLabel(current)}, further down \`${input.partnerId}\`’s thread. Nothing was re-applied: read the latest report and re-apply from it.`,
    );
  }
  await addReapplyJob(deps.reconcileQueue, input.partnerId, input.actor, input.hash);
  return { ok: true, message: `Re-applying \`${input.partnerId}\` (drift ${driftLabel(input.hash)}): the result will be posted in its thread.` };
}
