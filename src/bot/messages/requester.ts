/**
 * The DMs a requester gets about what they asked for: the decision (approved, rejected, expired; by
 * whom, when), and for an onboarding, the partner LIVE or its provisioning or verification failed
 * (what, why in plain words, who can retry). The thread keeps the detail; a DM says what happened
 * and what comes next. Pure.
 */
import type { Decision } from '../../domain/requests.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { channel, code, mrkdwn, user, when, type Mrkdwn } from './mrkdwn.js';
import type { Approvers } from '../../domain/authorization.js';
import { approversNamed } from './people.js';

export interface DecisionDmView {
  /** What was asked ("Onboarding of `acme`", "\"Rotate the ExternalId…\" for `acme`"). */
  what: Mrkdwn;
  onboarding: boolean;
  decision: Decision;
  /** Where its card is: the thread that has the detail. */
  channel: string;
}

export function buildDecisionDm(v: DecisionDmView): SlackMessage {
  const d = v.decision;
  const where = channel(v.channel);
  const again = v.onboarding ? mrkdwn`submit a new request with ${code('/onboard-partner')}` : mrkdwn`ask for the change again`;
  let head: Mrkdwn;
  let next: Mrkdwn;
  if (d.status === 'approved') {
    head = mrkdwn`:white_check_mark: Approved: ${v.what}, by ${user(d.by)} ${when(d.at)}.`;
    next = v.onboarding
      ? mrkdwn`Provisioning has started. I will tell you here when the partner is LIVE, or if something fails; each step is in the card's thread in ${where}.`
      : mrkdwn`It is being applied; the progress is in the card's thread in ${where}.`;
  } else if (d.status === 'rejected') {
    head = mrkdwn`:no_entry_sign: Rejected: ${v.what}, by ${user(d.by)} ${when(d.at)}.`;
    next = mrkdwn`Nothing will happen. A rejection carries no reason: ask ${user(d.by)} in the card's thread in ${where}, then ${again} if it still applies.`;
  } else {
    head = mrkdwn`:hourglass: Expired: ${v.what} — no approver decided before ${when(d.at)}.`;
    next = mrkdwn`Nothing will happen. To go ahead, ${again} and ask an approver to look at it.`;
  }
  return slackMessage(head, [section(head), section(next)]);
}

export interface LiveDmView {
  partnerId: string;
  displayName: string;
  dryRun: boolean;
  at: string;
}

export function buildLiveDm(v: LiveDmView): SlackMessage {
  const head = v.dryRun
    ? mrkdwn`:memo: ${v.displayName} (${code(v.partnerId)}) is LIVE in a dry run ${when(v.at)}, as planned: nothing exists on AWS, so there is nothing to forward yet.`
    : mrkdwn`:large_green_circle: ${v.displayName} (${code(v.partnerId)}) is LIVE ${when(v.at)}: verification proved it reaches its own files and no one else's.`;
  const next = v.dryRun
    ? mrkdwn`Outside a dry run, this is when you forward the welcome text.`
    : mrkdwn`Next: forward the welcome text I sent you to the partner, and pass the ExternalId on separately if there is one. Files published for the partner now reach it.`;
  return slackMessage(head, [section(head), section(next)]);
}

export interface FailedDmView {
  partnerId: string;
  stage: 'provisioning' | 'verification';
  /** The step or check that failed, as the thread names it. */
  failed: string;
  /** What stopped it, a clause (src/domain/failure-advice.ts's `what`, or the check's own words). */
  cause: string;
  /** Why, a sentence (failure-advice's `why`), when there is one. */
  why?: string;
  approvers: Approvers;
  /** Where the card's thread is, with the Retry button. */
  channel: string;
}

export function buildFailedDm(v: FailedDmView): SlackMessage {
  const stage = v.stage === 'provisioning' ? 'Provisioning' : 'Verification';
  const head = mrkdwn`:x: ${stage} of ${code(v.partnerId)} failed at "${v.failed}": ${v.cause}.${v.why ? mrkdwn` ${v.why}` : ''} The partner is not live.`;
  const button = v.stage === 'provisioning' ? 'Retry' : 'Retry verification';
  const next = mrkdwn`Next: ${approversNamed(v.approvers)} can press ${button} in the card's thread in ${channel(v.channel)} once the cause is fixed. I will tell you here how it ends.`;
  return slackMessage(head, [section(head), section(next)]);
}
