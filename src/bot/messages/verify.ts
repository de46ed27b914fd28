/** The verification checklist in the partner's thread, with a Retry verification button on failure. Pure. */
import type { Block } from '../../domain/notify-message.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { chunkLines, code, mrkdwn, user } from './mrkdwn.js';
import type { Approvers } from '../../domain/authorization.js';
import { approversNamed } from './people.js';

export type CheckOutcome = 'pass' | 'fail' | 'skipped';

export interface CheckView {
  label: string;
  outcome: CheckOutcome;
  detail?: string;
}

export interface VerifyChecklistView {
  requestId: string;
  partnerId: string;
  attempt: number;
  dryRun: boolean;
  checks: CheckView[];
  result: 'live' | 'verify_failed';
  /** Who can retry a failed verification. */
  approvers: Approvers;
}

const ICONS: Record<CheckOutcome, string> = { pass: ':white_check_mark:', fail: ':x:', skipped: ':heavy_minus_sign:' };

export function buildVerifyChecklist(v: VerifyChecklistView): SlackMessage {
  const head =
    v.result === 'verify_failed'
      ? mrkdwn`:red_circle: Verification of ${code(v.partnerId)} failed${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}: the partner is not live. The checks that failed are marked :x:.`
      : v.dryRun
        ? mrkdwn`:memo: ${code(v.partnerId)} is LIVE in a dry run, as planned: nothing exists on AWS, so the partner cannot connect. Offline checks only; live probes skipped.`
        : mrkdwn`:large_green_circle: ${code(v.partnerId)} is LIVE: every check passed, and the partner can fetch its files.`;
  const lines = v.checks.map((c) => mrkdwn`${ICONS[c.outcome]} ${c.label}${c.detail ? mrkdwn` — ${c.detail}` : ''}`);
  const blocks: Block[] = [section(head)];
  for (const chunk of chunkLines(lines)) blocks.push(section(chunk));
  if (v.result === 'verify_failed') {
    blocks.push(
      { type: 'actions', block_id: 'verify_retry', elements: [retryVerifyButton(v.requestId)] },
      contextBlock(mrkdwn`Next: ${approversNamed(v.approvers)} can press Retry verification once the cause is fixed.`),
    );
  }
  return slackMessage(v.result === 'live' ? mrkdwn`${v.partnerId} is LIVE` : mrkdwn`Verification of ${v.partnerId} failed`, blocks);
}

/** The Retry verification button (the checklist and the App Home). */
export function retryVerifyButton(requestId: string) {
  return {
    type: 'button' as const, action_id: ACTIONS.retryVerify, text: { type: 'plain_text' as const, text: 'Retry verification' }, style: 'primary' as const,
    value: requestId,
  };
}

export const verifyRetriedText = (by: string, attempt: number): string => mrkdwn`:repeat: ${user(by)} retried verification (attempt ${attempt}).`.toString();

/** Verification ended after the partner left verifying (`status`: what it is now): nothing recorded. */
export const verifyNotRecordedText = (partnerId: string, passed: boolean, status: string): string =>
  mrkdwn`:warning: Verification of ${code(partnerId)} finished (${passed ? 'passed' : 'failed'}), but the partner is now ${status}: the result was not recorded.`.toString();

/** The failed checklist once someone pressed Retry verification: the button goes. */
export function buildVerifyRetried(v: { partnerId: string; attempt: number; failed: string; by: string; nextAttempt: number }): SlackMessage {
  return slackMessage(mrkdwn`Verification of ${v.partnerId} failed; retried`, [
    section(mrkdwn`:red_circle: Verification of ${code(v.partnerId)} failed (attempt ${v.attempt}): ${v.failed}.\n:repeat: Retried by ${user(v.by)} (attempt ${v.nextAttempt}).`),
  ]);
}
