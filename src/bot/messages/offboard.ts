/** Offboarding in the partner's thread: the progress checklist and the evidence summary. Pure. */
import type { Block } from '../../domain/notify-message.js';
import type { ChangeRequest } from '../../domain/requests.js';
import { chunkLines, code, escapeMrkdwn, user, when } from './mrkdwn.js';
import { buildChecklist, stepLine, type SlackMessage, type StepView } from './provision.js';
import type { CheckView } from './verify.js';

const CHECK_ICONS = { pass: ':white_check_mark:', fail: ':x:', skipped: ':heavy_minus_sign:' } as const;

export function buildOffboardProgress(v: { partnerId: string; dryRun: boolean; steps: StepView[]; outcome: 'running' | 'done' | 'failed' }): SlackMessage {
  const state = v.outcome === 'running' ? 'in progress' : v.outcome;
  const title = `Offboarding ${code(v.partnerId)}: ${state}${v.dryRun ? ' — DRY_RUN: AWS changes are planned, not made' : ''}`;
  return buildChecklist(title, `Offboarding ${v.partnerId}: ${state}`, v.steps);
}

export interface EvidenceView {
  change: ChangeRequest;
  startedAt: string;
  /** Sessions of the partner role issued before this are denied. */
  revokeBefore: string;
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
    ? `:rotating_light: *Offboarding evidence for ${code(c.partnerId)}: access is NOT proven gone* — look at the failed checks below.`
    : `:lock: *Offboarding evidence for ${code(c.partnerId)}*${v.dryRun ? ' (DRY_RUN: AWS changes were planned, not made; live probes skipped)' : ': access is gone.'}`;
  const who = [
    `• requested by ${user(c.requestedBy)} ${when(c.requestedAt)} (change ${code(c.id)})`,
    d ? `• approved by ${user(d.by)} ${when(d.at)}${d.via === 'reaction' ? ' (by reaction)' : ''}` : '• approval: none recorded',
    `• started ${when(v.startedAt)}, finished ${when(v.finishedAt)}; sessions issued before ${code(v.revokeBefore)} revoked`,
  ];
  const removed = v.steps.map((s) => `${stepLine(s)}${s.at ? ` (${when(s.at)})` : ''}`);
  const probes = v.checks.map((x) => `${CHECK_ICONS[x.outcome]} ${escapeMrkdwn(x.label)}${x.detail ? ` — ${escapeMrkdwn(x.detail)}` : ''}`);
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: head } }];
  for (const chunk of chunkLines([...who, '', '*What was removed*', ...removed, '', '*Probes*', ...probes])) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  }
  return { text: `Offboarding evidence for ${c.partnerId}${failed ? ': access NOT proven gone' : ''}`, blocks };
}
