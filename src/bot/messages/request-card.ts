/** The approval card for an onboarding request, pending or decided. Pure. */
import type { types } from '@slack/bolt';
import type { OnboardingRequest } from '../../domain/requests.js';
import { ACTIONS } from './ids.js';
import { code, escapeMrkdwn, user, when } from './mrkdwn.js';

type Block = types.KnownBlock;

export interface CardOptions {
  approvalReaction: string;
}

function accessLine(r: OnboardingRequest): string {
  const parts: string[] = [];
  if (r.sshKeys.length > 0) parts.push(`SFTP with ${r.sshKeys.length} SSH key${r.sshKeys.length === 1 ? '' : 's'}`);
  if (r.accountId) parts.push(`S3 pull through a role from account ${code(r.accountId)}`);
  return parts.join(' · ');
}

function summaryBlocks(r: OnboardingRequest): Block[] {
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: `Onboarding request: ${r.displayName}`.slice(0, 150) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Partner id*\n${code(r.partnerId)}` },
        { type: 'mrkdwn', text: `*Requested by*\n${user(r.requestedBy)}` },
        { type: 'mrkdwn', text: `*Contact*\n${escapeMrkdwn(r.contactEmail)}` },
        { type: 'mrkdwn', text: `*Access*\n${accessLine(r)}` },
        { type: 'mrkdwn', text: `*Feeds*\n${r.feeds.length ? r.feeds.map(code).join(', ') : 'none'}` },
        { type: 'mrkdwn', text: `*Home*\n${code(`partners/${r.partnerId}/`)} (read-only)` },
      ],
    },
    ...(r.notes
      ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Notes*\n${escapeMrkdwn(r.notes).slice(0, 2900)}` } } as Block]
      : []),
  ];
}

function decisionText(r: OnboardingRequest): string {
  const d = r.decision;
  if (!d) return '';
  const via = d.via === 'reaction' ? ' (by reaction)' : '';
  switch (d.status) {
    case 'approved':
      return `:white_check_mark: Approved by ${user(d.by)} ${when(d.at)}${via}. Provisioning is queued.`;
    case 'rejected':
      return d.by === r.requestedBy
        ? `:no_entry_sign: Withdrawn by ${user(d.by)} ${when(d.at)}.`
        : `:no_entry_sign: Rejected by ${user(d.by)} ${when(d.at)}.`;
    case 'expired':
      return `:hourglass: Expired ${when(d.at)} without a decision.`;
  }
}

export function requestCardText(r: OnboardingRequest): string {
  const state = r.status === 'pending' ? 'awaiting approval' : r.status;
  return `Onboarding request for ${r.displayName} (${r.partnerId}) from <@${r.requestedBy}>: ${state}`;
}

export function buildRequestCard(r: OnboardingRequest, options: CardOptions): Block[] {
  const footer: Block = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Request ${code(r.id)} · plan ${code(r.planHash.slice(0, 12))} · expires ${when(r.expiresAt)} · the full plan is in the thread`,
      },
    ],
  };
  if (r.status !== 'pending') {
    return [...summaryBlocks(r), { type: 'section', text: { type: 'mrkdwn', text: decisionText(r) } }, footer];
  }
  return [
    ...summaryBlocks(r),
    {
      type: 'actions',
      block_id: 'decision',
      elements: [
        {
          type: 'button', action_id: ACTIONS.approve, style: 'primary', value: r.id,
          text: { type: 'plain_text', text: 'Approve' },
          confirm: {
            title: { type: 'plain_text', text: 'Approve onboarding?' },
            text: { type: 'mrkdwn', text: `This provisions ${code(r.partnerId)} on AWS as the plan in the thread says.` },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: ACTIONS.reject, style: 'danger', value: r.id, text: { type: 'plain_text', text: 'Reject' } },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `An approver other than the requester approves with the button or with :${options.approvalReaction}: on this message.`,
        },
      ],
    },
    footer,
  ];
}
