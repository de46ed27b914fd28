/**
 * The gate every command, button, reaction and modal passes before its use case runs: the
 * person's roles against src/domain/authorization.ts. A refusal names whom to ask, is logged and
 * audited (`access.refused`, with the capability and the entry point) and changes nothing.
 */
import { accessRefusal, AUTHORIZATION, permits, type Approvers, type Capability, type Role } from '../../domain/authorization.js';
import type { Refusal } from '../../domain/errors.js';
import type { ApproverDirectory, Audit, MemberDirectory, UseCaseDeps } from '../ports.js';

export interface AccessDeps extends UseCaseDeps {
  approvers: ApproverDirectory;
  members: MemberDirectory;
  resenders: readonly string[];
  /** Whom a refusal names, so the person refused knows whom to ask: the approvers and their user group (configuration). */
  named?: Approvers;
  audit?: Audit;
}

/** Which command, button, modal or reaction asked: `command:/offboard-partner`, `button:partner_edit`. */
export type EntryPoint = string;

/** The roles among `wanted` that the person holds; asks Slack (users.info) only when nothing cheaper settles it. */
async function rolesAmong(deps: AccessDeps, userId: string, wanted: readonly Role[]): Promise<Set<Role>> {
  const roles = new Set<Role>();
  if (deps.resenders.includes(userId)) roles.add('resender');
  if (await deps.approvers.isApprover(userId)) roles.add('approver');
  // Approvers and resenders are named by configuration: members without asking Slack.
  if (roles.size > 0 || (wanted.includes('member') && (await deps.members.isMember(userId)))) roles.add('member');
  return roles;
}

/** Whether the person may: for what a message shows them (buttons), not audited. */
export async function allows(deps: AccessDeps, capability: Capability, userId: string): Promise<boolean> {
  return permits(capability, await rolesAmong(deps, userId, AUTHORIZATION[capability].roles));
}

export async function authorize(
  deps: AccessDeps,
  input: { capability: Capability; actor: string; entry: EntryPoint },
): Promise<{ ok: true } | ({ ok: false } & Refusal)> {
  if (await allows(deps, input.capability, input.actor)) return { ok: true };
  const refusal = accessRefusal(input.capability, { approvers: deps.named?.users ?? [], usergroup: deps.named?.usergroup, resenders: deps.resenders });
  deps.logger.info({ actor: input.actor, capability: input.capability, entry: input.entry }, 'access refused');
  await deps.audit?.({ type: 'access.refused', actor: input.actor, details: { capability: input.capability, entry: input.entry, code: refusal.code } });
  return { ok: false, ...refusal };
}
