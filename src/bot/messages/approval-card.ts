/**
 * Everything an approval says in Slack, for every kind: one card (pending with its buttons, or
 * decided), the line after a decision, the nudge and the refusals. What differs between an
 * onboarding request and a lifecycle change is data: an ApprovalView per kind. Pure.
 */
import type { types } from '@slack/bolt';
import type { AccessSummary } from '../../domain/access-summary.js';
import { approvalsNeeded, BOT_REQUESTER, mayApproveVia, type ApprovalItem, type ApprovalSubject } from '../../domain/approval.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Block, ThreadRef } from '../../domain/notify-message.js';
import type { ChangeRequest, ChangeSpec, FirstApproval, OnboardingRequest } from '../../domain/requests.js';
import { contextBlock, mrkdwnText, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS, cardRef, changeRef } from './ids.js';
import { accessSections } from './plan.js';
import { capped, code, joinMrkdwn, mrkdwn, plainText, user, when, type Mrkdwn } from './mrkdwn.js';
import { sshKeyLine } from './ssh-key-line.js';

/** What one card shows besides the buttons or the decision. */
interface CardParts {
  /** What is asked for, in plain text, for the header after the outcome ("Approved: onboarding of ACME Corp"). */
  title: string;
  /** The notification text (after "<outcome>: ", before " from <requester>"); what is asked for. */
  text: Mrkdwn;
  summary: Block[];
  footer: Mrkdwn;
  /** The buttons' block_id and action_ids, and the dialog that asks again before approving; what the pending card's hint adds. */
  buttons: { blockId: string; approve: string; reject: string; confirm: types.ConfirmationDialog; more?: { actionId: string; text: string }[] };
  hint?: Mrkdwn;
  /** What the decision says follows an approval, and a rejection or expiry. */
  approvedNext: string;
  closedNext?: string;
}

export interface ApprovalView<T extends ApprovalItem> {
  /** In refusals and logs: "This request no longer exists." */
  noun: 'request' | 'change';
  /** The refusal code for an id that names no such item. */
  unknown: ErrorCode;
  /** "You asked for this partner", "Only approvers can approve onboarding requests", "ask the requester to submit it again". */
  asked: string;
  approves: string;
  askAgain: string;
  /** What the item approves (onboarding, or a change's kind): whether the approval reaction may approve it (src/domain/approval.ts). */
  subject(item: T): ApprovalSubject;
  /** The notify ref of the item's card, and the thread its lines go to. */
  ref(id: string): string;
  thread(item: T): ThreadRef;
  /** `access`: what approving grants, read from the rendered documents (onboarding only; null when they no longer render). */
  parts(item: T, access?: AccessSummary | null): CardParts;
  /** The thread line after a decision. */
  decisionLine(item: T): string;
  /** Whom the nudge names ("Onboarding of `acme`"), and what it adds. */
  nudge(item: T): { subject: Mrkdwn; tail: string };
}

/** Who asked for an item or withdrew it: a person's mention, or the bot by name (it asks for the offboarding a lapsed review needs, and withdraws it). */
export const asker = (id: string): Mrkdwn => (id === BOT_REQUESTER ? mrkdwn`partnergate (the bot)` : user(id));

function decisionText(item: ApprovalItem, p: Pick<CardParts, 'approvedNext' | 'closedNext'>): Mrkdwn {
  const d = item.decision;
  const closedNext = p.closedNext ?? '';
  if (!d) return mrkdwn``;
  const via = d.via === 'reaction' ? ' (by reaction)' : '';
  if (d.status === 'approved' && d.first) {
    return mrkdwn`:white_check_mark: Approved by ${user(d.first.by)} ${when(d.first.at)}, then by ${user(d.by)} ${when(d.at)}${via} (two approvers). ${p.approvedNext}`;
  }
  if (d.status === 'approved') return mrkdwn`:white_check_mark: Approved by ${user(d.by)} ${when(d.at)}${via}. ${p.approvedNext}`;
  if (d.status === 'rejected') return mrkdwn`:no_entry_sign: ${d.by === item.requestedBy ? 'Withdrawn' : 'Rejected'} by ${asker(d.by)} ${when(d.at)}.${closedNext}`;
  return mrkdwn`:hourglass: Expired ${when(d.at)} without a decision.${closedNext}`;
}

/**
 * The dialog Slack shows before an Approve click is sent: what will happen to which partner. All of
 * it is plain_text (Slack's reference allows no other there; no mentions or links are parsed, and
 * `plainText` keeps any `<…>` out), cut to Slack's limits: title 100 characters, text 300.
 */
export function approveDialog(title: string, text: string): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: plainText(title).slice(0, 100) }, text: { type: 'plain_text', text: plainText(text).slice(0, 300) },
    confirm: { type: 'plain_text', text: 'Approve' }, deny: { type: 'plain_text', text: 'Cancel' },
  };
}

/**
 * How the pending card says it is approved: the reaction is named only where it approves
 * (`mayApproveVia`); an item the bot asked for says it needs two approvers (`approvalsNeeded`).
 */
function howToApprove(item: ApprovalItem, subject: ApprovalSubject, reaction: string): Mrkdwn {
  const who = approvalsNeeded(item) === 2
    ? 'The bot asked for this, so two different approvers approve it, one after the other,'
    : 'An approver other than the requester approves';
  return mayApproveVia(subject, 'reaction')
    ? mrkdwn`${who} with the button or with :${reaction}: on this message.`
    : mrkdwn`${who} with the Approve button, which asks to confirm (a reaction does not approve a change).`;
}

/** What a pending card and its thread say once the first of two approvers approved. */
function firstApproved(f: FirstApproval): Mrkdwn {
  return mrkdwn`:white_check_mark: Approved by ${user(f.by)} ${when(f.at)}; a second approver is needed: another approver approves with the Approve button.`;
}

/** The thread line after the first of two approvals. */
export function firstApprovalLine<T extends ApprovalItem>(view: ApprovalView<T>, item: T): string {
  const first = item.firstApproval ? firstApproved(item.firstApproval) : '';
  return mrkdwn`${first} Nothing happens to ${code(item.partnerId)} before then; the ${view.noun} still expires ${when(item.expiresAt)}.`.toString();
}

/** The outcome, as the card's first words: "Awaiting approval", "Awaiting a second approver", "Approved", "Rejected", "Withdrawn", "Expired". */
function outcome(item: ApprovalItem): string {
  const d = item.decision;
  if (item.status === 'pending' && item.firstApproval) return 'Awaiting a second approver';
  if (item.status === 'pending' || !d) return 'Awaiting approval';
  if (d.status === 'rejected' && d.by === item.requestedBy) return 'Withdrawn';
  return `${d.status.charAt(0).toUpperCase()}${d.status.slice(1)}`;
}

/**
 * A pending item's Approve (asking to confirm) and Reject buttons, and with `more` the card's other
 * buttons (the documents): as its card and the App Home show them.
 */
export function decisionButtons<T extends ApprovalItem>(view: ApprovalView<T>, item: T, blockId?: string, more = false): Block {
  const b = view.parts(item).buttons;
  const button = (action_id: string, style: 'primary' | 'danger' | undefined, text: string) =>
    ({ type: 'button' as const, action_id, ...(style ? { style } : {}), value: item.id, text: { type: 'plain_text' as const, text } });
  return {
    type: 'actions', block_id: blockId ?? b.blockId,
    elements: [
      { ...button(b.approve, 'primary', 'Approve'), confirm: b.confirm },
      button(b.reject, 'danger', 'Reject'),
      ...(more ? (b.more ?? []).map((m) => button(m.actionId, undefined, m.text)) : []),
    ],
  };
}

/**
 * One card, pending or decided; its first line states the outcome. A pending card has the buttons
 * and says when it expires; a decided one keeps what was asked for and says who decided and when,
 * without buttons or expiry.
 */
export function buildApprovalCard<T extends ApprovalItem>(
  view: ApprovalView<T>, item: T, options: { approvalReaction: string; access?: AccessSummary | null },
): SlackMessage {
  const p = view.parts(item, options.access);
  const middle: Block[] = item.status === 'pending'
    ? [
        ...(item.firstApproval ? [section(firstApproved(item.firstApproval))] : []),
        decisionButtons(view, item, undefined, true),
        contextBlock(mrkdwn`${howToApprove(item, view.subject(item), options.approvalReaction)}${p.hint ?? ''}`),
      ]
    : [section(decisionText(item, p))];
  const state = outcome(item);
  const header: Block = { type: 'header', text: { type: 'plain_text', text: plainText(`${state}: ${p.title}`).slice(0, 150) } };
  return slackMessage(mrkdwn`${state}: ${p.text} from ${asker(item.requestedBy)}`, [header, ...p.summary, ...middle, contextBlock(p.footer)]);
}

export function nudgeLine<T extends ApprovalItem>(view: ApprovalView<T>, item: T, waitedHours: number): string {
  const { subject, tail } = view.nudge(item);
  return mrkdwn`:bell: ${subject} has waited ${waitedHours} hours for a second person to approve (it expires ${when(item.expiresAt)}).${tail}`.toString();
}

/** What the person refused is told (`code`: a refusal of src/actions/approval's decide). */
export function refusalText<T extends ApprovalItem>(view: ApprovalView<T>, code: ErrorCode, decision: 'approve' | 'reject', item: T | null): string {
  return refusal(view, code, decision, item).toString();
}

function refusal<T extends ApprovalItem>(view: ApprovalView<T>, code: ErrorCode, decision: 'approve' | 'reject', item: T | null): Mrkdwn {
  const expired = mrkdwn`This ${view.noun} has expired; ${view.askAgain}.`;
  switch (code) {
    case ErrorCode.SelfApproval:
      return mrkdwn`You asked for this ${view.asked}, so someone else must approve it (two-person rule).`;
    case ErrorCode.NotApprover:
      return decision === 'approve' ? mrkdwn`Only approvers can approve ${view.approves}.` : mrkdwn`Only approvers, or the requester withdrawing it, can reject a ${view.noun}.`;
    case ErrorCode.Expired:
      return expired;
    case ErrorCode.SecondApproverNeeded:
      return mrkdwn`You approved this ${view.noun} already; a different approver is needed (the bot asked for it, so two people approve it). Nothing changed; the ${view.noun} is still pending.`;
    case ErrorCode.ButtonRequired:
      return mrkdwn`A reaction does not approve a ${view.noun}: use the Approve button on the card, which asks you to confirm what will happen. Nothing was approved; the ${view.noun} is still pending.`;
    case ErrorCode.AlreadyDecided: {
      const d = item?.decision;
      if (!d) return mrkdwn`This ${view.noun} is already ${String(item?.status)}.`;
      return d.status === 'expired' ? expired : mrkdwn`This ${view.noun} was already ${d.status} by ${user(d.by)}; nothing changed.`;
    }
    default:
      return mrkdwn`This ${view.noun} no longer exists.`;
  }
}

export const REQUEST_APPROVAL: ApprovalView<OnboardingRequest> = {
  noun: 'request', unknown: ErrorCode.UnknownRequest, asked: 'partner', approves: 'onboarding requests', askAgain: 'ask the requester to submit it again',
  subject: () => 'onboarding',
  ref: cardRef,
  thread: (r) => ({ ref: cardRef(r.id) }),
  parts: (r, access) => ({
    title: `onboarding of ${r.displayName} (${r.partnerId})`,
    text: mrkdwn`Onboarding request for ${r.displayName} (${r.partnerId})`,
    summary: [
      ...(access
        ? accessSections(access.sentence)
        : [section(mrkdwn`*What approving grants* is in the plan in this card's thread${access === null ? ' (the documents no longer render with the platform as it is configured now)' : ''}.`)]),
      {
        type: 'section',
        fields: [
          mrkdwnText(mrkdwn`*Partner id*\n${code(r.partnerId)}`),
          mrkdwnText(mrkdwn`*Requested by*\n${asker(r.requestedBy)}`),
          mrkdwnText(mrkdwn`*Contact*\n${r.contactEmail}`),
          mrkdwnText(mrkdwn`*Feeds*\n${r.feeds.length ? joinMrkdwn(r.feeds.map(code), ', ') : 'none'}`),
        ],
      },
      ...(r.notes ? [section(mrkdwn`*Notes*\n${capped(r.notes, 2900)}`)] : []),
    ],
    buttons: {
      blockId: 'decision', approve: ACTIONS.approve, reject: ACTIONS.reject,
      confirm: approveDialog('Approve onboarding?', `This provisions ${r.partnerId} on AWS as the plan in the thread says.`),
      more: [{ actionId: ACTIONS.planDocuments, text: 'Show the exact documents' }],
    },
    hint: mrkdwn` Expires ${when(r.expiresAt)}.`,
    footer: mrkdwn`Request ${code(r.id)} · plan ${code(r.planHash.slice(0, 12))} · the full plan and its documents are in the thread`,
    approvedNext: 'Provisioning is queued.',
  }),
  decisionLine(r) {
    const d = r.decision!;
    if (d.status === 'approved') return mrkdwn`Approved by ${user(d.by)}${d.via === 'reaction' ? ' (reaction)' : ''}. Provisioning is queued; each step will be reported here.`.toString();
    const what = d.status === 'rejected' ? mrkdwn`${d.by === r.requestedBy ? 'Withdrawn' : 'Rejected'} by ${asker(d.by)}` : 'Expired without a decision';
    return mrkdwn`${what}. Nothing will be provisioned; the partner id is free again.`.toString();
  },
  nudge: (r) => ({ subject: mrkdwn`Onboarding of ${code(r.partnerId)}`, tail: ' Approvers: use the buttons on the card above.' }),
};

/** What a change does, in plain words of ours (a header takes it as it is; mrkdwn escapes it). */
export function changeTitle(spec: ChangeSpec): string {
  switch (spec.kind) {
    case 'offboard':
      return `Offboard the partner (${spec.prefix === 'archive' ? 'archive its files' : 'keep its files'})`;
    case 'ssh-keys':
      return `Change SSH keys (${spec.add.length} to add, ${spec.remove.length} to remove)`;
    case 'external-id':
      return `Rotate the ExternalId of the partner role`;
    case 'edit':
      return `Change feeds and contact`;
    case 'reapply':
      return `Re-apply the rendered documents (drift ${spec.hash.slice(0, 12)})`;
  }
}

function specLines(c: ChangeRequest): Mrkdwn[] {
  const s = c.spec;
  const reason = 'reason' in s && s.reason ? [mrkdwn`*Reason:* ${capped(s.reason, 1000)}`] : [];
  switch (s.kind) {
    case 'offboard':
      return [
        mrkdwn`Deliveries stop at once; the Transfer user is deleted; live sessions of the partner role are revoked, then the role is deleted.`,
        s.prefix === 'archive'
          ? mrkdwn`Files under ${code(`partners/${c.partnerId}/`)} move to ${code(`archive/partners/${c.partnerId}/`)}.`
          : mrkdwn`Files under ${code(`partners/${c.partnerId}/`)} are kept (nobody can read them any more).`,
        mrkdwn`The id ${code(c.partnerId)} is retired for good. Afterwards, probes prove that access is gone.`,
        ...reason,
      ];
    case 'ssh-keys':
      return [...s.add.map((k) => mrkdwn`• add ${sshKeyLine(k)}`), ...s.remove.map((f) => mrkdwn`• remove ${code(f)}`)];
    case 'external-id':
      return [mrkdwn`A new random ExternalId replaces the current one in the role's trust policy; the partner must use the new one (the new welcome goes by DM to the requester and the partner's owner).`, ...reason];
    case 'edit':
      return [
        ...(s.addFeeds.length ? [mrkdwn`• starts receiving ${joinMrkdwn(s.addFeeds.map(code), ', ')}: their current files at once, then every publication`] : []),
        ...(s.removeFeeds.length ? [mrkdwn`• stops receiving ${joinMrkdwn(s.removeFeeds.map(code), ', ')} (files already delivered stay)`] : []),
        ...(s.contactEmail !== null ? [mrkdwn`• contact becomes ${s.contactEmail}`] : []),
        ...(s.owner ? [mrkdwn`• owner becomes ${user(s.owner)} (reminded of files not picked up)`] : []),
      ];
    case 'reapply':
      return [
        mrkdwn`Re-apply writes the documents the renderer and the registry say, and this drift's repair creates something or rewrites a trust policy, so it needs an approver who is not the one who pressed Re-apply:`,
        ...s.items.map((i) => mrkdwn`• ${i}`),
        mrkdwn`The drift report above shows every difference and the diff of the documents. If the drift changes before the job runs, nothing is written.`,
      ];
  }
}

/**
 * The Approve button's dialog of each kind of change: the one place that says, before the click is
 * sent, what will happen to which partner.
 */
export function changeDialog(c: Pick<ChangeRequest, 'partnerId' | 'spec'>): types.ConfirmationDialog {
  const s = c.spec;
  const n = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
  switch (s.kind) {
    case 'offboard':
      return approveDialog(`Offboard ${c.partnerId}?`, `Offboard ${c.partnerId}: deliveries stop, its SFTP user and role are deleted and live sessions revoked; its files are ${s.prefix === 'archive' ? 'moved to the archive' : 'kept'}. The id is retired for good. This cannot be undone.`);
    case 'ssh-keys':
      return approveDialog(`Replace ${c.partnerId}'s SSH keys?`, `Replace ${c.partnerId}'s SSH keys: ${n(s.add.length, 'key')} added, ${n(s.remove.length, 'key')} removed. The partner logs in over SFTP with the new set at once; removed keys stop working.`);
    case 'external-id':
      return approveDialog(`Rotate ${c.partnerId}'s ExternalId?`, `Rotate ${c.partnerId}'s ExternalId: the role's trust policy takes a new one and the current one stops working at once. The partner must switch to the new welcome text.`);
    case 'edit':
      return approveDialog(`Change ${c.partnerId}'s feeds and contact?`, `Change ${c.partnerId}'s feeds and contact: ${n(s.addFeeds.length, 'feed')} started, ${n(s.removeFeeds.length, 'feed')} stopped${s.contactEmail !== null ? ', a new contact' : ''}${s.owner ? ', a new owner' : ''}. Stopped feeds get no more files.`);
    case 'reapply':
      return approveDialog(`Re-apply ${c.partnerId}'s documents?`, `Re-apply ${c.partnerId}'s documents: the bot writes what the registry says, creating what is missing and rewriting the trust policy where it differs (${n(s.items.length, 'difference')} listed on the card). Read the diff in the report first.`);
  }
}

const CHANGE_NEXT = { approvedNext: 'Being applied; progress follows in this thread.', closedNext: ' Nothing changes.' };

export const CHANGE_APPROVAL: ApprovalView<ChangeRequest> = {
  noun: 'change', unknown: ErrorCode.UnknownChange, asked: 'change', approves: 'partner changes', askAgain: 'ask for it again',
  subject: (c) => c.spec.kind,
  ref: changeRef,
  thread: (c) => ({ ref: c.threadRef }),
  parts: (c) => ({
    title: `${changeTitle(c.spec)} for ${c.partnerId}`,
    text: mrkdwn`${changeTitle(c.spec)} for ${c.partnerId}`,
    summary: [
      section(mrkdwn`Partner ${code(c.partnerId)} — requested by ${asker(c.requestedBy)}`),
      section(capped(joinMrkdwn(specLines(c), '\n'), 2900)),
    ],
    buttons: { blockId: 'change_decision', approve: ACTIONS.changeApprove, reject: ACTIONS.changeReject, confirm: changeDialog(c) },
    hint: mrkdwn` Expires ${when(c.expiresAt)}.`,
    footer: mrkdwn`Change ${code(c.id)}`,
    ...CHANGE_NEXT,
  }),
  decisionLine: (c) => decisionText(c, CHANGE_NEXT).toString(),
  nudge: (c) => ({ subject: mrkdwn`"${changeTitle(c.spec)}" for ${code(c.partnerId)}`, tail: '' }),
};
