/**
 * The Re-apply button on a drift report: approvers only (the gate, src/domain/authorization.ts
 * `reapply`), and only for the drift that report shows.
 * The button carries the drift's hash; a click is refused unless it is the drift recorded now (an
 * old report's button must not repair a drift nobody was shown). Queues one re-apply per reported
 * drift (the job id carries the hash, so double clicks do nothing more; the job checks the hash
 * against AWS again) and answers the person ephemerally.
 *
 * A drift whose repair would create something (a Transfer user, a role, an inline policy, an SSH
 * key) or rewrite a trust policy (src/domain/drift.ts `secondApproverItems`) is not queued: the
 * click becomes a `reapply` change request, asked by the presser, that another approver approves
 * with the button (the partner-change job then re-applies it, if the drift is still the one shown).
 */
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { driftLabel, isDriftHash, reapplyAskedText } from '../../bot/messages/drift.js';
import { secondApproverItems, type DriftRecord } from '../../domain/drift.js';
import type { ChangeSpec } from '../../domain/requests.js';
import type { RequestChangeResult } from './request-change.js';
import type { Audit } from '../ports.js';
import type { UseCaseDeps } from '../ports.js';
import { ErrorCode } from '../../domain/errors.js';

export interface ReapplyDeps extends UseCaseDeps {
  /** The drift recorded for the partner now (its hash and items), null when none is. */
  currentDrift: (partnerId: string) => Promise<DriftRecord | null>;
  /** Asks for a change approved by another approver (./request-change.ts `requestChange`). */
  requestChange: (input: { partnerId: string; requestedBy: string; spec: ChangeSpec }) => Promise<RequestChangeResult>;
  /** Queues one re-apply of that drift (idempotent per partner and hash). */
  enqueueReapply: (partnerId: string, by: string, hash: string) => Promise<void>;
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
  const refuse = async (code: ErrorCode, message: string) => {
    deps.logger.info({ partnerId: input.partnerId, actor: input.actor, code }, 're-apply refused');
    await deps.audit?.({ type: 'decision.refused', partnerId: input.partnerId, actor: input.actor, details: { action: 'reapply', code, hash: input.hash } });
    return { ok: false, message };
  };
  const current = await deps.currentDrift(input.partnerId);
  if (!current) return { ok: false, message: `No drift is recorded for \`${input.partnerId}\` any more: nothing to re-apply.` };
  if (current.hash !== input.hash) {
    return refuse(
      ErrorCode.DriftChanged,
      `This report (drift ${driftLabel(input.hash)}) is out of date; the latest report is drift ${driftLabel(current.hash)}, further down \`${input.partnerId}\`’s thread. Nothing was re-applied: read the latest report and re-apply from it.`,
    );
  }
  const twoPerson = secondApproverItems(current.items).map((i) => i.line);
  if (twoPerson.length > 0) {
    const asked = await deps.requestChange({ partnerId: input.partnerId, requestedBy: input.actor, spec: { kind: 'reapply', hash: input.hash, items: twoPerson } });
    if (!asked.ok) return { ok: false, message: `${asked.message} Nothing was re-applied.` };
    deps.logger.info({ partnerId: input.partnerId, actor: input.actor, changeId: asked.change.id }, 're-apply needs a second approver: change requested');
    return { ok: true, message: reapplyAskedText({ partnerId: input.partnerId, hash: input.hash, items: twoPerson }) };
  }
  await deps.enqueueReapply(input.partnerId, input.actor, input.hash);
  return { ok: true, message: `Re-applying \`${input.partnerId}\` (drift ${driftLabel(input.hash)}): the result will be posted in its thread.` };
}
