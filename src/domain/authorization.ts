/**
 * Who may do what: one table for every command, button, reaction and modal. The bot's gate
 * (src/actions/access) looks each entry point's capability up here before any use case runs; the
 * rules that depend on the item itself (an approver is not the requester; the requester may
 * withdraw) stay with the approval module, which checks them against the stored request. Pure.
 *
 * Roles: a *member* is a full member of the workspace (not a guest, not deactivated); *approvers*
 * are APPROVERS ∪ the members of APPROVER_USERGROUP; *resenders* are RESENDERS. Approvers and
 * resenders are named by configuration, so they count as members without asking Slack. A refusal
 * names them as mentions (and the group as a user-group mention), never by their settings' names.
 */
import { ErrorCode, type Refusal } from './errors.js';

export type Role = 'member' | 'resender' | 'approver';

export const CAPABILITIES = ['view', 'request', 'decide', 'retry', 'resend', 'reapply', 'review'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface Grant {
  /** Any one of these roles is enough. */
  roles: readonly Role[];
  /** What the refusal says may not be done by the person asking: "Only … may <what>." */
  what: string;
  /** Where the item itself narrows the rule further (said in docs/security.md). */
  alsoChecked?: string;
}

export const AUTHORIZATION: Readonly<Record<Capability, Grant>> = {
  view: { roles: ['member'], what: 'read a partner’s status or the documents of a request' },
  request: {
    roles: ['member'],
    what: 'ask for a partner to be onboarded or changed (feeds, contact, SSH keys, ExternalId, offboarding)',
    alsoChecked: 'every request and change waits for an approver who is not the requester',
  },
  decide: {
    roles: ['member'], what: 'decide a request',
    alsoChecked: 'approving needs an approver who is not the requester; rejecting needs an approver, or the requester (a withdrawal)',
  },
  retry: { roles: ['approver'], what: 'retry a failed provisioning or verification' },
  resend: { roles: ['resender', 'approver'], what: 're-send files' },
  reapply: {
    roles: ['approver'], what: 're-apply a partner’s documents',
    alsoChecked: 'one that creates a resource or changes trust waits for a second approver',
  },
  review: {
    roles: ['member'], what: 'answer a partner’s access review',
    alsoChecked: 'only the partner’s owner or an approver answers its review (docs/reviews.md)',
  },
};

export function permits(capability: Capability, roles: ReadonlySet<Role>): boolean {
  return AUTHORIZATION[capability].roles.some((r) => roles.has(r));
}

/**
 * The people a refusal names so that the person refused knows whom to ask: the approvers and the
 * re-senders named by configuration (Slack user ids) and the approvers' user group (a Slack
 * subteam id). None of them is a setting's name.
 */
export interface Askable {
  approvers: readonly string[];
  usergroup?: string | undefined;
  resenders?: readonly string[];
}

/** The approvers as configured: APPROVERS (Slack user ids) and APPROVER_USERGROUP (a Slack subteam id). */
export interface Approvers {
  users: readonly string[];
  usergroup?: string | undefined;
}

/** How many people a refusal (or a message saying who can act next) names at most; the rest are counted. */
export const NAMED_MAX = 4;

const SLACK_ID = /^[A-Za-z0-9]+$/;
const mention = (id: string) => `<@${id}>`;

/**
 * Whom to ask, as Slack mentions — the one naming rule for a refusal here and for the messages that
 * say who can act next (src/bot/messages/people.ts): "<@U1>, <@U2> or <!subteam^S1>";
 * "<@U1>, <@U2>, <!subteam^S1> or 5 more": at most NAMED_MAX names, the group always among them,
 * anything that is not a Slack id skipped; null when nobody is left.
 */
export function peopleNamed(users: readonly string[], usergroup: string | undefined): string | null {
  const people = users.filter((u) => SLACK_ID.test(u)).map(mention);
  const group = usergroup && SLACK_ID.test(usergroup) ? [`<!subteam^${usergroup}>`] : [];
  const room = NAMED_MAX - group.length;
  const shown = people.length > room ? people.slice(0, room - 1) : people;
  const names = [...shown, ...group, ...(people.length > shown.length ? [`${people.length - shown.length} more`] : [])];
  const last = names.pop();
  if (last === undefined) return null;
  return names.length ? `${names.join(', ')} or ${last}` : last;
}

/**
 * The refusal for someone who holds none of the roles: who may, named (`askable`), and whom to ask.
 * "Only approvers (<@U1> or <!subteam^S1>) and re-senders (<@U3>) may re-send files.
 * Nothing was done. Ask one of them."
 */
export function accessRefusal(capability: Capability, askable: Askable = { approvers: [] }): Refusal {
  const grant = AUTHORIZATION[capability];
  if (grant.roles.includes('member')) {
    return {
      code: ErrorCode.NotAllowed,
      message: `Only full members of the workspace (not guests) may ${grant.what}. Nothing was done. Ask a full member of the workspace to do it for you.`,
    };
  }
  const approvers = peopleNamed(askable.approvers, askable.usergroup);
  const resenders = grant.roles.includes('resender') ? peopleNamed(askable.resenders ?? [], undefined) : null;
  const who = [
    `approvers${approvers ? ` (${approvers})` : ''}`,
    ...(grant.roles.includes('resender') ? [`re-senders${resenders ? ` (${resenders})` : ''}`] : []),
  ].join(' and ');
  const ask = approvers || resenders ? 'Ask one of them, or ask the platform team to add you.' : 'Ask the platform team who they are, or to add you.';
  return { code: ErrorCode.NotAllowed, message: `Only ${who} may ${grant.what}. Nothing was done. ${ask}` };
}
