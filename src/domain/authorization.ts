/**
 * Who may do what: one table for every command, button, reaction and modal. The bot's gate
 * (src/actions/access) looks each entry point's capability up here before any use case runs; the
 * rules that depend on the item itself (an approver is not the requester; the requester may
 * withdraw) stay with the approval module, which checks them against the stored request. Pure.
 *
 * Roles: a *member* is a full member of the workspace (not a guest, not deactivated); *approvers*
 * are APPROVERS ∪ the members of APPROVER_USERGROUP; *resenders* are RESENDERS. Approvers and
 * resenders are named by configuration, so they count as members without asking Slack.
 */
import { ErrorCode, type Refusal } from './errors.js';

export type Role = 'member' | 'resender' | 'approver';

export const CAPABILITIES = ['view', 'request', 'decide', 'retry', 'resend', 'reapply', 'review'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface Grant {
  /** Any one of these roles is enough. */
  roles: readonly Role[];
  /** The refusal: "Only <who> may <what>." */
  who: string;
  what: string;
  /** Where the item itself narrows the rule further (said in docs/security.md). */
  alsoChecked?: string;
}

const MEMBERS = 'full members of the workspace (not guests)';
const APPROVERS = 'approvers (APPROVERS and the members of APPROVER_USERGROUP)';

export const AUTHORIZATION: Readonly<Record<Capability, Grant>> = {
  view: { roles: ['member'], who: MEMBERS, what: 'read a partner’s status or the documents of a request' },
  request: {
    roles: ['member'], who: MEMBERS,
    what: 'ask for a partner to be onboarded or changed (feeds, contact, SSH keys, ExternalId, offboarding)',
    alsoChecked: 'every request and change waits for an approver who is not the requester',
  },
  decide: {
    roles: ['member'], who: MEMBERS, what: 'decide a request',
    alsoChecked: 'approving needs an approver who is not the requester; rejecting needs an approver, or the requester (a withdrawal)',
  },
  retry: { roles: ['approver'], who: APPROVERS, what: 'retry a failed provisioning or verification' },
  resend: { roles: ['resender', 'approver'], who: 'approvers and re-senders (RESENDERS)', what: 're-send files' },
  reapply: {
    roles: ['approver'], who: APPROVERS, what: 're-apply a partner’s documents',
    alsoChecked: 'one that creates a resource or changes trust waits for a second approver',
  },
  review: {
    roles: ['member'], who: MEMBERS, what: 'answer a partner’s access review',
    alsoChecked: 'only the partner’s owner or an approver answers its review (docs/reviews.md)',
  },
};

export function permits(capability: Capability, roles: ReadonlySet<Role>): boolean {
  return AUTHORIZATION[capability].roles.some((r) => roles.has(r));
}

/** The refusal for someone who holds none of the roles: who may, and how to ask. */
export function accessRefusal(capability: Capability): Refusal {
  const grant = AUTHORIZATION[capability];
  const ask = grant.roles.includes('member')
    ? 'Ask a full member of the workspace to do it for you.'
    : 'Ask one of them, or ask the platform team to add you.';
  return { code: ErrorCode.NotAllowed, message: `Only ${grant.who} may ${grant.what}. Nothing was done. ${ask}` };
}
