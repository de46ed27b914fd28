/**
 * A requester asks for a partner: validate every field, reserve the partner id and claim the SSH
 * keys (refused when another partner holds or has requested one) atomically with the stored
 * request, post the approval card and the full plan in its thread. No AWS calls: this runs inside
 * Slack's 3-second view_submission window.
 */
import { randomBytes } from 'node:crypto';
import { parseOnboardingInput, type OnboardingErrors, type OnboardingRaw } from '../../domain/onboarding-input.js';
import { keyComments } from '../../domain/ssh-key.js';
import { heldKeyMessage, readHolder } from '../../domain/ssh-key-holder.js';
import { buildApprovalCard, REQUEST_APPROVAL } from '../../bot/messages/approval-card.js';
import { buildPlanMessages } from '../../bot/messages/plan.js';
import { cardRef } from '../../bot/messages/ids.js';
import { type CreateResult, type RequestStore } from '../../store/requests.js';
import { newRequestId, type OnboardingRequest, type OnboardingRequestData } from '../../domain/requests.js';
import type { Notify, UseCaseDeps } from '../ports.js';
import type { PlanRenderer } from './plan.js';
import type { Audit } from '../ports.js';
import { ErrorCode } from '../../domain/errors.js';
import { isPartnerId } from '../../domain/partner-id.js';
import { sftpEndpointRefusal, type SftpEndpoint } from '../../domain/access.js';

export interface RequestOnboardingDeps extends UseCaseDeps {
  store: RequestStore;
  notify: Notify;
  renderPlan: PlanRenderer;
  approvalsChannel: string;
  approvalReaction: string;
  enterpriseAccountId: string;
  feeds: string[];
  requestTtlHours: number;
  /** TRANSFER_HOST and DRY_RUN: SSH keys are refused while the host is unset (sftpEndpointRefusal). */
  sftpEndpoint: SftpEndpoint;
  /** The audit trail (optional: absent in tests that do not look at it). */
  audit?: Audit;
}

export type RequestOnboardingResult =
  | { ok: true; request: OnboardingRequest }
  | { ok: false; errors: OnboardingErrors };

/** ExternalIds: 32 random bytes, base64url (43 characters). Never logged. */
export function newExternalId(): string {
  return randomBytes(32).toString('base64url');
}

function refusalErrors(data: OnboardingRequestData, refused: Exclude<CreateResult, { ok: true }>): OnboardingErrors {
  const { partnerId } = data;
  switch (refused.reason) {
    case ErrorCode.SshKeyInUse:
      return { sshKeys: heldKeyMessage(data.sshKeys, refused.fingerprint, refused.holder) };
    case ErrorCode.PartnerIdTaken:
      return { partnerId: `"${partnerId}" is already requested or in use (ids are never reused). Choose another id.` };
    case ErrorCode.SftpLimit:
      return {
        sshKeys: `The SFTP server is full: ${refused.limit.toLocaleString('en-US')} partner users is AWS Transfer Family's limit per server. Offboard a partner, or give only an AWS account id (S3 pull).`,
      };
    case ErrorCode.RoleLimit:
      return {
        accountId: `The platform holds its limit of ${refused.limit.toLocaleString('en-US')} partner roles (the account's IAM role quota). Offboard a partner, or raise PARTNER_ROLE_LIMIT after raising the quota (5,000 at most).`,
      };
  }
}

export async function requestOnboarding(
  deps: RequestOnboardingDeps,
  input: { raw: OnboardingRaw; requestedBy: string },
): Promise<RequestOnboardingResult> {
  const parsed = parseOnboardingInput(input.raw, { enterpriseAccountId: deps.enterpriseAccountId, feeds: deps.feeds });
  if (!parsed.ok) {
    const typedId = (input.raw.partnerId ?? '').trim();
    await deps.audit?.({
      type: 'request.refused', actor: input.requestedBy, ...(isPartnerId(typedId) ? { partnerId: typedId } : {}),
      details: { reason: ErrorCode.Invalid, fields: Object.keys(parsed.errors) },
    });
    return { ok: false, errors: parsed.errors };
  }
  const v = parsed.value;
  const noHost = sftpEndpointRefusal({ sshKeys: v.sshKeys.map((k) => k.normalized), accountId: v.accountId }, deps.sftpEndpoint);
  if (noHost) {
    deps.logger.warn({ partnerId: v.partnerId, requestedBy: input.requestedBy }, 'onboarding refused: SSH keys while TRANSFER_HOST is unset');
    await deps.audit?.({ type: 'request.refused', partnerId: v.partnerId, actor: input.requestedBy, details: { reason: ErrorCode.SftpHostUnset } });
    return { ok: false, errors: { sshKeys: noHost } };
  }

  const now = deps.clock.now();
  const draft = {
    id: newRequestId(),
    partnerId: v.partnerId,
    displayName: v.displayName,
    contactEmail: v.contactEmail,
    sshKeys: v.sshKeys.map((k) => k.normalized),
    sshKeyComments: keyComments(v.sshKeys),
    accountId: v.accountId ?? null,
    externalId: newExternalId(),
    feeds: v.feeds,
    notes: v.notes ?? '',
    requestedBy: input.requestedBy,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.requestTtlHours * 3_600_000).toISOString(),
    channel: deps.approvalsChannel,
  };
  const plan = deps.renderPlan(draft);
  const data: OnboardingRequestData = { ...draft, planHash: plan.hash };

  const created = await deps.store.create(data);
  if (!created.ok) {
    const key = created.reason === ErrorCode.SshKeyInUse ? { key: created.fingerprint, heldBy: readHolder(created.holder).partnerIds } : {};
    deps.logger.info({ partnerId: v.partnerId, requestedBy: input.requestedBy, reason: created.reason, ...key }, 'onboarding refused');
    await deps.audit?.({ type: 'request.refused', partnerId: v.partnerId, actor: input.requestedBy, details: { reason: created.reason, ...key } });
    return { ok: false, errors: refusalErrors(data, created) };
  }
  const request: OnboardingRequest = { ...data, status: 'pending', decision: null, seal: created.seal };
  deps.logger.info({ requestId: request.id, partnerId: request.partnerId, requestedBy: request.requestedBy }, 'onboarding requested');
  // The card and its plan thread are queued in one step; the audit record goes to its queue alongside.
  const ref = cardRef(request.id);
  await Promise.all([
    deps.audit?.({
      type: 'request.submitted', partnerId: request.partnerId, requestId: request.id, actor: request.requestedBy,
      details: { displayName: request.displayName, accountId: request.accountId, sshKeyCount: request.sshKeys.length, feeds: request.feeds, planHash: request.planHash },
    }),
    deps.notify([
      {
        op: 'post', channel: deps.approvalsChannel, ref, priority: 'approval',
        ...buildApprovalCard(REQUEST_APPROVAL, request, { approvalReaction: deps.approvalReaction, access: plan.access }),
      },
      ...buildPlanMessages(request, plan).map((message) => ({ op: 'post' as const, channel: deps.approvalsChannel, thread: { ref }, priority: 'approval' as const, ...message })),
    ]),
  ]);
  return { ok: true, request };
}
