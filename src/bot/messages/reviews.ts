/**
 * Access review messages (docs/reviews.md): the card in the partner's thread (Keep / Offboard with
 * the evidence, or the decision once answered), the owner's DM, the reminders, the escalation to the
 * approvers, the lapse. The first line of each says what happened; outside text is escaped. Pure.
 */
import type { types } from '@slack/bolt';
import type { Block } from '../../domain/notify-message.js';
import type { ReviewEvidence } from '../../domain/reviews.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { capped, channel, chunkLines, code, joinMrkdwn, mrkdwn, plainText, user, usergroup, when, type Mrkdwn } from './mrkdwn.js';

export interface ReviewCardInput {
  reviewId: string;
  partnerId: string;
  displayName: string;
  dueAt: string;
  owner: string | null;
  evidence: ReviewEvidence;
}

/** The answer a card shows once decided. */
export interface ReviewAnswerView {
  outcome: 'keep' | 'offboard';
  by: string;
  at: string;
  reason: string;
  /** The offboarding change Offboard opened, or why none was. */
  offboard?: { changeId: string } | { refused: string };
  nextDueAt: string;
}

const ownerText = (owner: string | null): Mrkdwn => (owner ? user(owner) : mrkdwn`nobody (no owner on record: an approver answers)`);
const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** The evidence, one short section each; never more than Slack's limits whatever the data. */
export function evidenceBlocks(e: ReviewEvidence): Block[] {
  const pickups = e.lastPickups.length === 0
    ? mrkdwn`*Last pickups:* none recorded`
    : mrkdwn`*Last pickups:*\n${joinMrkdwn(e.lastPickups.slice(0, 3).map((p) => mrkdwn`• ${when(p.at)} ${code(p.targetKey.slice(0, 300))} by ${p.channel} (${p.outcome})`), '\n')}`;
  const oldest = e.neverPickedUp.oldest.slice(0, 5).map((f) => mrkdwn`• ${code(f.targetKey.slice(0, 300))}, delivered ${when(f.deliveredAt)}`);
  const never = e.neverPickedUp.total === 0
    ? mrkdwn`*Files never picked up:* none`
    : mrkdwn`*Files never picked up:* ${e.neverPickedUp.total}${oldest.length > 0 ? mrkdwn`, the oldest:\n${joinMrkdwn(oldest, '\n')}` : ''}`;
  const proven = e.isolationProvenAt ? mrkdwn`*Isolation last proven:* ${when(e.isolationProvenAt)}` : mrkdwn`*Isolation last proven:* never`;
  const oldKeys = e.keys.filter((k) => k.old).length;
  const keyLines = e.keys.slice(0, 10).map((k) => mrkdwn`• ${k.type} ${code(k.fingerprint)}: ${k.ageDays === null ? 'age unknown' : days(k.ageDays)}${k.old ? ' :warning:' : ''}`);
  const keys = e.keys.length === 0
    ? mrkdwn`*SSH keys:* none (S3 role only)`
    : mrkdwn`*SSH keys:* ${e.keys.length}, ${oldKeys} older than ${e.keyMaxAgeDays} days\n${joinMrkdwn(keyLines, '\n')}${e.keys.length > 10 ? mrkdwn`\n… ${e.keys.length - 10} more` : ''}`;
  const idle = e.idleDays !== null ? [section(mrkdwn`:zzz: *Idle:* nothing picked up for ${days(e.idleDays)}.`)] : [];
  return [...idle, ...chunkLines([pickups, never, proven, keys]).slice(0, 6).map((t) => section(capped(t, 3000)))];
}

/** The review card in the partner's thread, pending: the evidence, Keep and Offboard. */
export function buildReviewCard(r: ReviewCardInput): SlackMessage {
  const head = mrkdwn`:clipboard: Access review of ${code(r.partnerId)} (${capped(r.displayName, 200)}) is due ${when(r.dueAt)}: ${ownerText(r.owner)}, does it still need its access?`;
  return slackMessage(mrkdwn`Access review of ${r.partnerId} due: keep or offboard?`, [
    section(head),
    ...evidenceBlocks(r.evidence),
    {
      type: 'actions', block_id: 'review_answer',
      elements: [
        { type: 'button', action_id: ACTIONS.reviewKeep, style: 'primary', value: r.reviewId, text: { type: 'plain_text', text: 'Keep' } },
        { type: 'button', action_id: ACTIONS.reviewOffboard, style: 'danger', value: r.reviewId, text: { type: 'plain_text', text: 'Offboard' }, confirm: offboardDialog(r.partnerId) },
      ],
    },
    contextBlock(mrkdwn`The owner or an approver answers. Keep asks for a reason; Offboard opens an offboarding request that another person approves. Unanswered, it is reminded, escalated to the approvers at its due date, and later the partner's deliveries pause.`),
  ]);
}

/** The card once answered (no buttons), and its line in the thread (the fallback text). */
export function buildAnsweredReviewCard(r: { partnerId: string }, answer: ReviewAnswerView): SlackMessage {
  const head = answer.outcome === 'keep'
    ? mrkdwn`:white_check_mark: Access review of ${code(r.partnerId)} answered: *kept* by ${user(answer.by)} ${when(answer.at)}.`
    : mrkdwn`:wave: Access review of ${code(r.partnerId)} answered: *offboard*, chosen by ${user(answer.by)} ${when(answer.at)}.`;
  const blocks: Block[] = [section(head)];
  if (answer.outcome === 'keep') blocks.push(section(mrkdwn`*Reason:* ${capped(answer.reason, 1000)}`));
  if (answer.offboard && 'changeId' in answer.offboard) blocks.push(section(mrkdwn`An offboarding request is open in this thread: it waits for an approver other than ${user(answer.by)}.`));
  if (answer.offboard && 'refused' in answer.offboard) blocks.push(section(mrkdwn`No offboarding request was opened: ${capped(answer.offboard.refused, 500)}`));
  blocks.push(contextBlock(mrkdwn`Next review due ${when(answer.nextDueAt)}.`));
  const text = answer.outcome === 'keep'
    ? mrkdwn`Access review of ${r.partnerId}: kept by ${user(answer.by)}: ${capped(answer.reason, 300)}`
    : mrkdwn`Access review of ${r.partnerId}: offboard, chosen by ${user(answer.by)}`;
  return slackMessage(text, blocks);
}

function offboardDialog(partnerId: string): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: 'Offboard this partner?' },
    text: { type: 'plain_text', text: plainText(`An offboarding request for ${partnerId} is opened; once another person approves it, its access is removed for good.`).slice(0, 300) },
    confirm: { type: 'plain_text', text: 'Request offboarding' }, deny: { type: 'plain_text', text: 'Cancel' },
  };
}

/** The owner's DM when the review opens. */
export function buildReviewDm(r: { partnerId: string; displayName: string; dueAt: string; idleDays: number | null; channel: string }): SlackMessage {
  const idle = r.idleDays !== null ? mrkdwn` It has picked nothing up for ${days(r.idleDays)}.` : '';
  const head = mrkdwn`:clipboard: You own ${code(r.partnerId)} (${capped(r.displayName, 200)}): its access review is due ${when(r.dueAt)}.${idle}`;
  return slackMessage(head, [section(head), section(mrkdwn`Answer on the review card in the partner's thread in ${channel(r.channel)}: Keep (with a reason) or Offboard.`)]);
}

/** A reminder, as a DM to the owner or a line in the thread. */
export function buildReviewReminder(r: { partnerId: string; dueAt: string; owner: string | null; daysLeft: number }): SlackMessage {
  const who = r.owner ? mrkdwn`${user(r.owner)}: ` : '';
  const head = mrkdwn`:hourglass_flowing_sand: ${who}the access review of ${code(r.partnerId)} is due in ${days(r.daysLeft)} (${when(r.dueAt)}) and not answered yet.`;
  return slackMessage(head, [section(head), contextBlock(mrkdwn`Keep or Offboard on the review card in the partner's thread.`)]);
}

/** The escalation in APPROVALS_CHANNEL (and its line in the thread): the due date passed unanswered. */
export function buildReviewEscalation(r: {
  partnerId: string; displayName: string; dueAt: string; owner: string | null; approvers: readonly string[]; usergroup: string | undefined; graceDays: number; lapseAt: string;
}): SlackMessage {
  const names = [...r.approvers.slice(0, 20).map((a) => user(a)), ...(r.usergroup && /^S[A-Z0-9]+$/.test(r.usergroup) ? [usergroup(r.usergroup)] : [])];
  const to = names.length > 0 ? joinMrkdwn(names, ', ') : mrkdwn`approvers`;
  const head = mrkdwn`:rotating_light: Access review of ${code(r.partnerId)} (${capped(r.displayName, 200)}) is overdue: due ${when(r.dueAt)}, not answered by its owner ${ownerText(r.owner)}.`;
  return slackMessage(head, [
    section(head),
    section(mrkdwn`${to}: please answer it on its card in the partner's thread (an approver may). If nobody does by ${when(r.lapseAt)}, its deliveries pause and an offboarding request is opened.`),
  ]);
}

/** The lapse, in the thread and the approvals channel. */
export function buildReviewLapsed(r: { partnerId: string; dueAt: string; graceDays: number; paused: boolean; offboard: { changeId: string } | { refused: string } }): SlackMessage {
  const head = mrkdwn`:no_entry: Access review of ${code(r.partnerId)} lapsed: unanswered ${r.graceDays} days past its due date (${when(r.dueAt)}).`;
  const paused = r.paused ? mrkdwn`Its deliveries are paused (quarantined): files wait until it is kept.` : mrkdwn`Its deliveries were already stopped.`;
  const change = 'changeId' in r.offboard
    ? mrkdwn`An offboarding request is open in its thread for an approver to decide.`
    : mrkdwn`No offboarding request could be opened: ${capped(r.offboard.refused, 500)}`;
  return slackMessage(head, [section(head), section(mrkdwn`${paused} ${change}`), contextBlock(mrkdwn`Keep (with a reason) on the review card, by the owner or an approver, resumes deliveries and withdraws the request.`)]);
}
