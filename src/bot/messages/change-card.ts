/** The approval card of a lifecycle change (in the partner's thread), pending or decided. Pure. */
import type { Block } from '../../domain/notify-message.js';
import type { ChangeRequest, ChangeSpec } from '../../domain/requests.js';
import { ACTIONS } from './ids.js';
import { code, escapeMrkdwn, user, when } from './mrkdwn.js';
import type { SlackMessage } from './provision.js';
import { sshKeyLine } from './ssh-key-line.js';

export function changeTitle(spec: ChangeSpec): string {
  switch (spec.kind) {
    case 'offboard':
      return `Offboard the partner (${spec.prefix === 'archive' ? 'archive its files' : 'keep its files'})`;
    case 'ssh-keys':
      return `Change SSH keys (${spec.add.length} to add, ${spec.remove.length} to remove)`;
    case 'external-id':
      return 'Rotate the ExternalId of the partner role';
    case 'add-feeds':
      return `Add feed${spec.feeds.length === 1 ? '' : 's'} ${spec.feeds.join(', ')}`;
  }
}

function specLines(c: ChangeRequest): string[] {
  const s = c.spec;
  switch (s.kind) {
    case 'offboard':
      return [
        'Deliveries stop at once; the Transfer user is deleted; live sessions of the partner role are revoked, then the role is deleted.',
        s.prefix === 'archive'
          ? `Files under ${code(`partners/${c.partnerId}/`)} move to ${code(`archive/partners/${c.partnerId}/`)}.`
          : `Files under ${code(`partners/${c.partnerId}/`)} are kept (nobody can read them any more).`,
        `The id ${code(c.partnerId)} is retired for good. Afterwards, probes prove that access is gone.`,
        ...(s.reason ? [`*Reason:* ${escapeMrkdwn(s.reason).slice(0, 1000)}`] : []),
      ];
    case 'ssh-keys':
      return [
        ...s.add.map((k) => `• add ${sshKeyLine(k)}`),
        ...s.remove.map((f) => `• remove ${code(f)}`),
      ];
    case 'external-id':
      return [
        'A new random ExternalId replaces the current one in the role\'s trust policy; the partner must use the new one (new welcome text in this thread).',
        ...(s.reason ? [`*Reason:* ${escapeMrkdwn(s.reason).slice(0, 1000)}`] : []),
      ];
    case 'add-feeds':
      return [`The partner will receive ${s.feeds.map(code).join(', ')} from the next publication on.`];
  }
}

function decisionLine(c: ChangeRequest): string {
  const d = c.decision;
  if (!d) return '';
  const via = d.via === 'reaction' ? ' (by reaction)' : '';
  if (d.status === 'approved') return `:white_check_mark: Approved by ${user(d.by)} ${when(d.at)}${via}. Being applied; progress follows in this thread.`;
  if (d.status === 'rejected') return `:no_entry_sign: ${d.by === c.requestedBy ? 'Withdrawn' : 'Rejected'} by ${user(d.by)} ${when(d.at)}. Nothing changes.`;
  return `:hourglass: Expired ${when(d.at)} without a decision. Nothing changes.`;
}

export function buildChangeCard(c: ChangeRequest, options: { approvalReaction: string }): SlackMessage {
  const title = changeTitle(c.spec);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(title)}* for ${code(c.partnerId)} — requested by ${user(c.requestedBy)}` } },
    { type: 'section', text: { type: 'mrkdwn', text: specLines(c).join('\n').slice(0, 2900) } },
  ];
  if (c.status === 'pending') {
    blocks.push(
      {
        type: 'actions',
        block_id: 'change_decision',
        elements: [
          { type: 'button', action_id: ACTIONS.changeApprove, style: 'primary', value: c.id, text: { type: 'plain_text', text: 'Approve' } },
          { type: 'button', action_id: ACTIONS.changeReject, style: 'danger', value: c.id, text: { type: 'plain_text', text: 'Reject' } },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `An approver other than the requester approves with the button or with :${options.approvalReaction}: on this message. Expires ${when(c.expiresAt)}.` }],
      },
    );
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: decisionLine(c) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Change ${code(c.id)}` }] });
  const state = c.status === 'pending' ? 'awaiting approval' : c.status;
  return { text: `${title} for ${c.partnerId} from <@${c.requestedBy}>: ${state}`, blocks };
}

/** The thread line that follows a decision. */
export function changeDecisionLine(c: ChangeRequest): string {
  return decisionLine(c);
}
