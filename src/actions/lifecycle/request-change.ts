/**
 * Someone asks for a lifecycle change of a partner (offboarding, SSH keys, ExternalId, feeds
 * and contact, a re-apply for a second approver): check that the partner can take it, store it pending (one open change of a kind per
 * partner), and post its approval card in the partner's thread. No AWS calls (Slack's 3 s).
 */
import { changeRef } from '../../bot/messages/ids.js';
import { buildApprovalCard, CHANGE_APPROVAL } from '../../bot/messages/approval-card.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { mayTakeChange } from '../../domain/partner-lifecycle.js';
import { type ChangeRequestStore } from '../../store/change-requests.js';
import { newChangeId, type ChangeRequest, type ChangeSpec } from '../../domain/requests.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { Audit } from '../ports.js';
import type { Notify, UseCaseDeps } from '../ports.js';
import { ErrorCode, type Refusal } from '../../domain/errors.js';
import { heldKeyMessage, readHolder } from '../../domain/ssh-key-holder.js';

export interface ChangeDeps extends UseCaseDeps {
  changes: ChangeRequestStore;
  partners: Pick<PartnerStore, 'get'>;
  notify: Notify;
  approvalReaction: string;
  requestTtlHours: number;
  audit?: Audit;
}

export type RequestChangeResult =
  | { ok: true; change: ChangeRequest }
  | ({ ok: false } & Refusal);

/** Why the partner cannot take this change now; null when it can. */
export function changeRefusal(partner: PartnerRecord | null, partnerId: string, spec: ChangeSpec): Refusal | null {
  const problem = explainPartnerIdProblem(partnerId);
  if (problem) return { code: ErrorCode.InvalidPartnerId, message: problem };
  if (!partner) return { code: ErrorCode.UnknownPartner, message: `There is no partner \`${partnerId}\` in the registry.` };
  if (partner.status === 'offboarded') return { code: ErrorCode.Offboarded, message: `\`${partnerId}\` is already offboarded; its id is retired.` };
  if (!mayTakeChange(partner.status, spec.kind)) {
    return {
      code: ErrorCode.NotLive,
      message: partner.status === 'quarantined'
        ? `\`${partnerId}\` is quarantined: only a re-apply of its approved state (the drift report's Re-apply) or offboarding applies now.`
        : `\`${partnerId}\` is ${partner.status.replace('_', ' ')}, not live: changes apply to live partners only. Ask again once it is LIVE (\`/partner-status ${partnerId}\` shows where it is).`,
    };
  }
  if (spec.kind === 'external-id' && !partner.accountId) {
    return { code: ErrorCode.NoAccount, message: `\`${partnerId}\` has no AWS account (SFTP only), so it has no role and no ExternalId.` };
  }
  if (spec.kind === 'ssh-keys' && spec.add.length === 0 && spec.remove.length === 0) {
    return { code: ErrorCode.NoChange, message: 'Add or remove at least one key.' };
  }
  if (spec.kind === 'reapply' && (!/^[0-9a-f]{64}$/.test(spec.hash) || spec.items.length === 0)) {
    return { code: ErrorCode.BadInput, message: 'A re-apply for a second approver names a drift (its hash) and what it would create or rewrite.' };
  }
  if (spec.kind === 'edit' && spec.addFeeds.length === 0 && spec.removeFeeds.length === 0 && spec.contactEmail === null && !spec.owner) {
    return { code: ErrorCode.NoChange, message: 'Nothing changed.' };
  }
  return null;
}

export async function requestChange(
  deps: ChangeDeps,
  input: { partnerId: string; requestedBy: string; spec: ChangeSpec },
): Promise<RequestChangeResult> {
  const partner = explainPartnerIdProblem(input.partnerId) ? null : await deps.partners.get(input.partnerId);
  const refusal = changeRefusal(partner, input.partnerId, input.spec);
  if (refusal || !partner) {
    const r = refusal ?? { code: ErrorCode.UnknownPartner, message: `There is no partner \`${input.partnerId}\`.` };
    deps.logger.info({ partnerId: input.partnerId, kind: input.spec.kind, requestedBy: input.requestedBy, refusal: r.code }, 'change refused');
    await deps.audit?.({
      type: 'change.refused', actor: input.requestedBy, ...(partner ? { partnerId: partner.partnerId } : {}),
      details: { kind: input.spec.kind, code: r.code },
    });
    return { ok: false, ...r };
  }
  const now = deps.clock.now();
  const change: ChangeRequest = {
    id: newChangeId(),
    partnerId: partner.partnerId,
    spec: input.spec,
    requestedBy: input.requestedBy,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.requestTtlHours * 3_600_000).toISOString(),
    channel: partner.channel,
    threadRef: partner.threadRef,
    status: 'pending',
    decision: null,
  };
  const { status: _s, decision: _d, ...data } = change;
  const created = await deps.changes.create(data);
  if (created.ok) change.seal = created.seal;
  if (!created.ok && created.reason === ErrorCode.SshKeyInUse) {
    const message = heldKeyMessage(input.spec.kind === 'ssh-keys' ? input.spec.add : [], created.fingerprint, created.holder);
    deps.logger.info({ partnerId: partner.partnerId, requestedBy: input.requestedBy, key: created.fingerprint }, 'change refused: SSH key held by another partner');
    await deps.audit?.({
      type: 'change.refused', partnerId: partner.partnerId, actor: input.requestedBy,
      details: { kind: input.spec.kind, code: ErrorCode.SshKeyInUse, key: created.fingerprint, heldBy: readHolder(created.holder).partnerIds },
    });
    return { ok: false, code: ErrorCode.SshKeyInUse, message };
  }
  if (!created.ok) {
    const message = `A change of this kind is already open for \`${partner.partnerId}\` (${created.heldBy}): ask an approver to decide it in the partner's thread first.`;
    await deps.audit?.({ type: 'change.refused', partnerId: partner.partnerId, actor: input.requestedBy, details: { kind: input.spec.kind, code: ErrorCode.AlreadyOpen, open: created.heldBy } });
    return { ok: false, code: ErrorCode.AlreadyOpen, message };
  }
  deps.logger.info({ changeId: change.id, partnerId: change.partnerId, kind: change.spec.kind, requestedBy: change.requestedBy }, 'change requested');
  await deps.audit?.({ type: 'change.requested', partnerId: change.partnerId, requestId: change.id, actor: change.requestedBy, details: { kind: change.spec.kind, spec: summarizeSpec(change.spec) } });
  await deps.notify({
    op: 'post', channel: change.channel, thread: { ref: change.threadRef }, ref: changeRef(change.id), priority: 'approval',
    ...buildApprovalCard(CHANGE_APPROVAL, change, deps),
  });
  return { ok: true, change };
}

/** What the audit trail keeps of a change: no key material, only counts and fingerprints. */
export function summarizeSpec(spec: ChangeSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'ssh-keys':
      return { add: spec.add.length, remove: spec.remove };
    case 'offboard':
      return { prefix: spec.prefix, reason: spec.reason };
    case 'external-id':
      return { reason: spec.reason };
    case 'edit':
      return {
        addFeeds: spec.addFeeds, removeFeeds: spec.removeFeeds, ...(spec.contactEmail !== null ? { contactEmail: spec.contactEmail } : {}), ...(spec.owner ? { owner: spec.owner } : {}),
      };
    case 'reapply':
      return { hash: spec.hash, items: spec.items };
  }
}
