/** Offboarding in the partner's thread: the progress checklist and the evidence summary. Pure. */
import type { Block } from '../../domain/notify-message.js';
import type { ChangeRequest } from '../../domain/requests.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { chunkLines, code, mrkdwn, user, when, type Piece } from './mrkdwn.js';
import { buildChecklist, stepLine, type StepView } from './provision.js';
import { asker } from './approval-card.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import type { CheckView } from './verify.js';

const CHECK_ICONS = { pass: ':white_check_mark:', fail: ':x:', skipped: ':heavy_minus_sign:' } as const;

export function buildOffboardProgress(v: { partnerId: string; dryRun: boolean; steps: StepView[]; outcome: 'running' | 'done' | 'failed' }): SlackMessage {
  const state = v.outcome === 'running' ? 'in progress' : v.outcome;
  const title = mrkdwn`Offboarding ${code(v.partnerId)}: ${state}${v.dryRun ? ' — dry run: AWS changes are planned, not made' : ''}`;
  return buildChecklist(title, mrkdwn`Offboarding ${v.partnerId}: ${state}`, v.steps);
}

/** `problem`: a string is escaped; the reasons of our approval checks come as `withMentions(…)`. */
export const offboardRefusedText = (partnerId: string, problem: Piece): string =>
  mrkdwn`:no_entry: Offboarding of ${code(partnerId)} refused: ${problem}. Nothing was changed.`.toString();

/**
 * Offboarding stopped at a step: what happened and what to do, in words (src/domain/failure-advice.ts);
 * the error's code and AWS's message stay in the log and the audit trail (`offboard.failed`).
 */
export function offboardStoppedText(v: { partnerId: string; stepLabel: string; code: string }): string {
  const a = failureAdvice(v.code);
  return mrkdwn`:x: Offboarding of ${code(v.partnerId)} stopped at "${v.stepLabel}": ${a.what}. ${a.why} ${a.next} Then ask an approver to approve a new offboarding: finished steps are not repeated.`.toString();
}

export interface EvidenceView {
  change: ChangeRequest;
  startedAt: string;
  steps: StepView[];
  checks: CheckView[];
  finishedAt: string;
  dryRun: boolean;
}

/** What was removed, when, by whose approval, and what the probes found. */
export function buildOffboardEvidence(v: EvidenceView): SlackMessage {
  const c = v.change;
  const d = c.decision;
  const failed = v.checks.some((x) => x.outcome === 'fail');
  const head = failed
    ? mrkdwn`:rotating_light: *Offboarding evidence for ${code(c.partnerId)}: access is NOT proven gone* — look at the failed checks below.`
    : v.dryRun
      ? mrkdwn`:memo: *Offboarding evidence for ${code(c.partnerId)}: planned, not made* (dry run: no AWS change was sent; live probes skipped).`
      : mrkdwn`:lock: *Offboarding evidence for ${code(c.partnerId)}*: access is gone.`;
  const who = [
    mrkdwn`• requested by ${asker(c.requestedBy)} ${when(c.requestedAt)} (change ${code(c.id)})`,
    ...(d?.first ? [mrkdwn`• approved first by ${user(d.first.by)} ${when(d.first.at)}`] : []),
    d ? mrkdwn`• approved by ${user(d.by)} ${when(d.at)}${d.via === 'reaction' ? ' (by reaction)' : ''}` : mrkdwn`• approval: none recorded`,
    mrkdwn`• started ${when(v.startedAt)}, finished ${when(v.finishedAt)}`,
  ];
  const removed = v.steps.map((s) => mrkdwn`${stepLine(s)}${s.at ? mrkdwn` (${when(s.at)})` : ''}`);
  const probes = v.checks.map((x) => mrkdwn`${CHECK_ICONS[x.outcome]} ${x.label}${x.detail ? mrkdwn` — ${x.detail}` : ''}`);
  const blocks: Block[] = [section(head)];
  for (const chunk of chunkLines([...who, mrkdwn``, mrkdwn`*What was removed*`, ...removed, mrkdwn``, mrkdwn`*Probes*`, ...probes])) blocks.push(section(chunk));
  const text = failed
    ? mrkdwn`Offboarding evidence for ${c.partnerId}: access NOT proven gone`
    : mrkdwn`Offboarding evidence for ${c.partnerId}: ${v.dryRun ? 'planned, not made (dry run)' : 'access is gone'}`;
  return slackMessage(text, blocks);
}
