/**
 * Messages of the provision job in the partner's thread: the progress checklist (one message,
 * updated as each step ends), the failure with its Retry button, a refusal, and the welcome text
 * the requester forwards to the partner. Pure.
 */
import type { Block } from '../../domain/notify-message.js';
import { ACTIONS } from './ids.js';
import { chunkLines, code, escapeMrkdwn, user } from './mrkdwn.js';

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

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

export function stepLine(s: StepView): string {
  const note = s.detail ? ` — ${escapeMrkdwn(s.detail)}` : s.state === 'unchanged' ? ' — already in place' : '';
  return `${ICONS[s.state]} ${escapeMrkdwn(s.label)}${note}`;
}

/** A job's checklist (provisioning, offboarding): the title, then one line per step. */
export function buildChecklist(title: string, text: string, steps: StepView[]): SlackMessage {
  const blocks: Block[] = [{ type: 'context', elements: [{ type: 'mrkdwn', text: title }] }];
  for (const chunk of chunkLines(steps.map(stepLine))) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  return { text, blocks };
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
  const state = v.outcome === 'running' ? 'in progress' : v.outcome === 'provisioned' ? 'done' : 'failed';
  const title = `Provisioning ${code(v.partnerId)}${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}: ${state}${v.dryRun ? ' — DRY_RUN: AWS changes are planned, not made' : ''}`;
  return buildChecklist(title, `Provisioning ${v.partnerId}: ${state}`, v.steps);
}

/** The Retry button's value: the request id and the step to resume from. */
export function retryProvisionValue(requestId: string, step: string): string {
  return `${requestId}:${step}`;
}

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
  code: string;
  message: string;
}

/** The final failure of a provision attempt, with the Retry button (approvers only). */
export function buildProvisionFailure(f: ProvisionFailureView): SlackMessage {
  const text = `Provisioning ${f.partnerId} failed at "${f.stepLabel}": ${f.code}`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:x: Provisioning ${code(f.partnerId)} failed at *${escapeMrkdwn(f.stepLabel)}* (attempt ${f.attempt}).\n*Error* ${code(f.code)}: ${escapeMrkdwn(f.message).slice(0, 2500)}`,
        },
      },
      {
        type: 'actions',
        block_id: 'provision_retry',
        elements: [
          {
            type: 'button',
            action_id: ACTIONS.retryProvision,
            text: { type: 'plain_text', text: 'Retry' },
            style: 'primary',
            value: retryProvisionValue(f.requestId, f.step),
          },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Approvers can retry: a new attempt runs from this step; steps already done are checked again, not redone.' }],
      },
    ],
  };
}

/** The failure message once someone pressed Retry: the button goes. */
export function buildProvisionFailureRetried(f: ProvisionFailureView, by: string, nextAttempt: number): SlackMessage {
  return {
    text: `Provisioning ${f.partnerId} failed at "${f.stepLabel}"; retried`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:x: Provisioning ${code(f.partnerId)} failed at *${escapeMrkdwn(f.stepLabel)}* (attempt ${f.attempt}): ${code(f.code)}.\n:repeat: Retried by ${user(by)} (attempt ${nextAttempt}).`,
        },
      },
    ],
  };
}

/** A provision job that refused to run: nothing was done on AWS. */
export function provisionRefusedText(partnerId: string, reason: string): string {
  return `:no_entry: Provisioning of \`${partnerId}\` refused: ${reason}. Nothing was done on AWS.`;
}

export interface WelcomeView {
  partnerId: string;
  displayName: string;
  region: string;
  bucket: string;
  homePrefix: string;
  feeds: string[];
  dryRun: boolean;
  /** SFTP access: the user name, and the host when TRANSFER_HOST is set. */
  sftp: { host: string | undefined; userName: string } | null;
  /** S3 pull: the role, its ExternalId (secret: shown here for the requester to forward) and the partner-side policy. */
  role: { arn: string; externalId: string; partnerSidePolicy: unknown } | null;
}

/** The text the requester forwards to the partner. Contains the ExternalId: never log it. */
export function buildWelcome(w: WelcomeView): SlackMessage {
  const lines: string[] = [
    `*Welcome text for ${escapeMrkdwn(w.displayName)}* (${code(w.partnerId)}) — forward it to the partner's contact.${w.dryRun ? ' _DRY_RUN: nothing was created on AWS._' : ''}`,
    `Files are read-only. New files appear under your home; subscribed feeds: ${w.feeds.length ? w.feeds.map(code).join(', ') : 'none'}.`,
  ];
  if (w.sftp) {
    lines.push(
      '',
      '*SFTP*',
      `• host: ${w.sftp.host ? code(w.sftp.host) : '_the platform SFTP endpoint (ask the platform team)_'}`,
      `• user name: ${code(w.sftp.userName)}`,
      '• authentication: the SSH key(s) you sent us; your home directory is `/`',
    );
  }
  const blocks: Block[] = chunkLines(lines).map((t) => ({ type: 'section', text: { type: 'mrkdwn', text: t } }) as Block);
  if (w.role) {
    const roleLines = [
      '*S3 pull from your AWS account*',
      `• role ARN: ${code(w.role.arn)}`,
      `• ExternalId: ${code(w.role.externalId)}`,
      `• bucket ${code(w.bucket)} in ${code(w.region)}, prefix ${code(w.homePrefix)} (list with this prefix; objects are SSE-KMS, decrypted for you by S3)`,
      '• attach this policy to the principal in your account that assumes the role:',
    ];
    for (const t of chunkLines(roleLines)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: t } });
    const policy = JSON.stringify(w.role.partnerSidePolicy, null, 2);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '```' + escapeMrkdwn(policy).slice(0, 2900) + '```' } });
  }
  return { text: `Welcome text for ${w.displayName} (${w.partnerId})`, blocks };
}
