/**
 * Messages of the provision job in the partner's thread: the progress checklist (one message,
 * updated as each step ends), the failure with its Retry button, a refusal. The welcome is
 * ./welcome.ts. Pure.
 */
import type { Block } from '../../domain/notify-message.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { capped, chunkLines, code, mrkdwn, user, type Mrkdwn, type Piece } from './mrkdwn.js';
import type { Approvers } from '../../domain/authorization.js';
import { approversNamed } from './people.js';

export type { SlackMessage } from './blocks.js';

export type StepState = 'pending' | 'running' | 'done' | 'unchanged' | 'planned' | 'skipped' | 'retrying' | 'failed';

export interface StepView {
  label: string;
  state: StepState;
  /** A short note: what was created, why it was skipped, the error. Plain text (escaped here). */
  detail?: string;
  /** When it finished (the offboarding evidence shows it). */
  at?: string;
}

const ICONS: Record<StepState, string> = {
  pending: ':white_square:',
  running: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  unchanged: ':white_check_mark:',
  planned: ':memo:',
  skipped: ':heavy_minus_sign:',
  retrying: ':repeat:',
  failed: ':x:',
};

/** A DRY_RUN step says "planned" (never ✅): nothing was made. */
export function stepLine(s: StepView): Mrkdwn {
  const note =
    s.state === 'planned' ? mrkdwn` — planned${s.detail ? mrkdwn`: ${s.detail}` : ''}`
    : s.detail ? mrkdwn` — ${s.detail}`
    : s.state === 'unchanged' ? ' — already in place' : '';
  return mrkdwn`${ICONS[s.state]} ${s.label}${note}`;
}

/** A job's checklist (provisioning, offboarding): the title, then one line per step. */
export function buildChecklist(title: Mrkdwn, text: Mrkdwn, steps: StepView[]): SlackMessage {
  const blocks: Block[] = [contextBlock(title)];
  for (const chunk of chunkLines(steps.map(stepLine))) blocks.push(section(chunk));
  return slackMessage(text, blocks);
}

export interface ProvisionProgressView {
  partnerId: string;
  attempt: number;
  dryRun: boolean;
  steps: StepView[];
  /** Overall: still going, finished (verification queued), or failed. */
  outcome: 'running' | 'provisioned' | 'failed';
}

export function buildProvisionProgress(v: ProvisionProgressView): SlackMessage {
  const state = v.outcome === 'running' ? 'in progress' : v.outcome === 'failed' ? 'failed' : v.dryRun ? 'planned' : 'done';
  const title = mrkdwn`Provisioning ${code(v.partnerId)}${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}: ${state}${v.dryRun ? ' — a dry run: AWS changes are planned, not made' : ''}`;
  return buildChecklist(title, mrkdwn`Provisioning ${v.partnerId}: ${state}`, v.steps);
}

/** The Retry button's value: the request id and the step to resume from. */
export function retryProvisionValue(requestId: string, step: string): string {
  return `${requestId}:${step}`;
}

/** The Retry button of a failed provisioning (the thread's message and the App Home). */
export const retryProvisionButton = (requestId: string, step: string) => ({
  type: 'button' as const, action_id: ACTIONS.retryProvision, text: { type: 'plain_text' as const, text: 'Retry' }, style: 'primary' as const,
  value: retryProvisionValue(requestId, step),
});

export function parseRetryProvisionValue(value: string): { requestId: string; step: string | undefined } {
  const at = value.indexOf(':');
  return at < 0 ? { requestId: value, step: undefined } : { requestId: value.slice(0, at), step: value.slice(at + 1) || undefined };
}

export interface ProvisionFailureView {
  requestId: string;
  partnerId: string;
  attempt: number;
  step: string;
  stepLabel: string;
  /** AWS's or ours: put in words here (src/domain/failure-advice.ts), kept as it is in the logs and the audit trail only. */
  code: string;
  /** What AWS (or our own check) said: shown to the approvers, who fix the cause. */
  message: string;
  /** Who can retry. */
  approvers: Approvers;
}

/** The final failure of a provision attempt: what stopped, why, and who can retry (the Retry button). */
export function buildProvisionFailure(f: ProvisionFailureView): SlackMessage {
  const a = failureAdvice(f.code);
  return slackMessage(mrkdwn`Provisioning ${f.partnerId} failed at "${f.stepLabel}": ${a.what}`, [
    section(mrkdwn`:x: Provisioning ${code(f.partnerId)} failed at *${f.stepLabel}* (attempt ${f.attempt}): ${a.what}. ${a.why} The partner is not live; steps before this one stay as they are.`),
    contextBlock(mrkdwn`Details: ${capped(f.message, 2500)}`),
    { type: 'actions', block_id: 'provision_retry', elements: [retryProvisionButton(f.requestId, f.step)] },
    contextBlock(mrkdwn`Next: ${approversNamed(f.approvers)} can press Retry once the cause is fixed; a new attempt runs from this step, and steps already done are checked again, not redone.`),
  ]);
}

/** The failure message once someone pressed Retry: the button goes. */
export function buildProvisionFailureRetried(f: Omit<ProvisionFailureView, 'approvers'>, by: string, nextAttempt: number): SlackMessage {
  return slackMessage(mrkdwn`Provisioning ${f.partnerId} failed at "${f.stepLabel}"; retried`, [
    section(mrkdwn`:x: Provisioning ${code(f.partnerId)} failed at *${f.stepLabel}* (attempt ${f.attempt}): ${failureAdvice(f.code).what}.\n:repeat: Retried by ${user(by)} (attempt ${nextAttempt}).`),
  ]);
}

/** A provision job that refused to run: nothing was done on AWS. `reason`: a string is escaped; see `withMentions`. */
export function provisionRefusedText(partnerId: string, reason: Piece): string {
  return mrkdwn`:no_entry: Provisioning of ${code(partnerId)} refused: ${reason}. Nothing was done on AWS.`.toString();
}

/** The job stopped before a step: the partner left provisioning meanwhile (`status`: what it is now). */
export const provisionStoppedText = (partnerId: string, stepLabel: string, status: string): string =>
  mrkdwn`:no_entry: Provisioning of ${code(partnerId)} stopped before "${stepLabel}": the partner is now ${status}. Steps before it stay as they are.`.toString();

/** `fromLabel`: the step the new attempt starts from, when the button named it. */
export const provisionRetriedText = (by: string, fromLabel: string | undefined, attempt: number): string =>
  mrkdwn`:repeat: ${user(by)} retried provisioning${fromLabel !== undefined ? mrkdwn` from "${fromLabel}"` : ''} (attempt ${attempt}).`.toString();
