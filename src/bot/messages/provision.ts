/**
 * Messages of the provision job in the partner's thread: the progress checklist (one message,
 * updated as each step ends), the failure with its Retry button, a refusal, and the welcome text
 * the requester forwards to the partner. Pure.
 */
import type { Block } from '../../domain/notify-message.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { capped, chunkLines, code, joinMrkdwn, mrkdwn, user, type Mrkdwn, type Piece } from './mrkdwn.js';

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

export function stepLine(s: StepView): Mrkdwn {
  const note = s.detail ? mrkdwn` — ${s.detail}` : s.state === 'unchanged' ? ' — already in place' : '';
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
  const state = v.outcome === 'running' ? 'in progress' : v.outcome === 'provisioned' ? 'done' : 'failed';
  const title = mrkdwn`Provisioning ${code(v.partnerId)}${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}: ${state}${v.dryRun ? ' — DRY_RUN: AWS changes are planned, not made' : ''}`;
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
  code: string;
  message: string;
}

/** The final failure of a provision attempt, with the Retry button (approvers only). */
export function buildProvisionFailure(f: ProvisionFailureView): SlackMessage {
  return slackMessage(mrkdwn`Provisioning ${f.partnerId} failed at "${f.stepLabel}": ${f.code}`, [
    section(mrkdwn`:x: Provisioning ${code(f.partnerId)} failed at *${f.stepLabel}* (attempt ${f.attempt}).\n*Error* ${code(f.code)}: ${capped(f.message, 2500)}`),
    { type: 'actions', block_id: 'provision_retry', elements: [retryProvisionButton(f.requestId, f.step)] },
    contextBlock(mrkdwn`Approvers can retry: a new attempt runs from this step; steps already done are checked again, not redone.`),
  ]);
}

/** The failure message once someone pressed Retry: the button goes. */
export function buildProvisionFailureRetried(f: ProvisionFailureView, by: string, nextAttempt: number): SlackMessage {
  return slackMessage(mrkdwn`Provisioning ${f.partnerId} failed at "${f.stepLabel}"; retried`, [
    section(mrkdwn`:x: Provisioning ${code(f.partnerId)} failed at *${f.stepLabel}* (attempt ${f.attempt}): ${code(f.code)}.\n:repeat: Retried by ${user(by)} (attempt ${nextAttempt}).`),
  ]);
}

/** A provision job that refused to run: nothing was done on AWS. `reason`: a string is escaped; see `withMentions`. */
export function provisionRefusedText(partnerId: string, reason: Piece): string {
  return mrkdwn`:no_entry: Provisioning of \`${partnerId}\` refused: ${reason}. Nothing was done on AWS.`.toString();
}

/** The job stopped before a step: the partner left provisioning meanwhile (`status`: what it is now). */
export const provisionStoppedText = (partnerId: string, stepLabel: string, status: string): string =>
  mrkdwn`:no_entry: Provisioning of \`${partnerId}\` stopped before "${stepLabel}": the partner is now ${status}. Steps before it stay as they are.`.toString();

/** `fromLabel`: the step the new attempt starts from, when the button named it. */
export const provisionRetriedText = (by: string, fromLabel: string | undefined, attempt: number): string =>
  mrkdwn`:repeat: ${user(by)} retried provisioning${fromLabel !== undefined ? mrkdwn` from "${fromLabel}"` : ''} (attempt ${attempt}).`.toString();

/** Where and how a partner connects over SFTP. */
export interface WelcomeSftp {
  /** TRANSFER_HOST's host; undefined when it is not set (DRY_RUN). */
  host: string | undefined;
  port: number;
  userName: string;
  /** The server's host-key fingerprints (SHA256:…); null when they could not be read. */
  hostKeys: string[] | null;
  /** TRANSFER_STATIC_IPS: the addresses to allow-list; [] with the public endpoint. */
  staticIps: string[];
}

export interface WelcomeView {
  partnerId: string;
  displayName: string;
  region: string;
  bucket: string;
  homePrefix: string;
  feeds: string[];
  dryRun: boolean;
  /** SFTP access (src/jobs/onboarding/welcome-sftp.ts). */
  sftp: WelcomeSftp | null;
  /** S3 pull: the role, its ExternalId (secret: shown here for the requester to forward) and the partner-side policy. */
  role: { arn: string; externalId: string; partnerSidePolicy: unknown } | null;
}

/** The host keys the partner checks on first connecting (what its SSH client shows as the fingerprint). */
function hostKeyLine(hostKeys: string[] | null, dryRun: boolean): Mrkdwn {
  if (hostKeys === null) return mrkdwn`• server host key: _could not be read just now; ask the platform team before the first connection_`;
  if (hostKeys.length === 0) return mrkdwn`• server host key: ${dryRun ? '_none in DRY_RUN_' : '_none reported by the server; ask the platform team before the first connection_'}`;
  return mrkdwn`• server host key fingerprint${hostKeys.length > 1 ? 's' : ''} (check on first connection): ${joinMrkdwn(hostKeys.map(code), ', ')}`;
}

/** The text the requester forwards to the partner. Contains the ExternalId: never log it. */
export function buildWelcome(w: WelcomeView): SlackMessage {
  const lines: Mrkdwn[] = [
    mrkdwn`*Welcome text for ${w.displayName}* (${code(w.partnerId)}) — forward it to the partner's contact.${w.dryRun ? ' _DRY_RUN: nothing was created on AWS._' : ''}`,
    mrkdwn`Files are read-only. New files appear under your home; subscribed feeds: ${w.feeds.length ? joinMrkdwn(w.feeds.map(code), ', ') : 'none'}.`,
  ];
  if (w.sftp) {
    lines.push(
      mrkdwn``,
      mrkdwn`*SFTP*`,
      mrkdwn`• host: ${w.sftp.host ? code(w.sftp.host) : '_the platform SFTP endpoint (ask the platform team)_'}, port ${code(String(w.sftp.port))}`,
      mrkdwn`• user name: ${code(w.sftp.userName)}`,
      mrkdwn`• authentication: the SSH key(s) you sent us; your home directory is \`/\``,
      hostKeyLine(w.sftp.hostKeys, w.dryRun),
    );
    if (w.sftp.staticIps.length > 0) {
      lines.push(mrkdwn`• the server's addresses, for your firewall's allow-list (outbound TCP ${code(String(w.sftp.port))}): ${joinMrkdwn(w.sftp.staticIps.map(code), ', ')}`);
    }
  }
  const blocks: Block[] = chunkLines(lines).map((t) => section(t));
  if (w.role) {
    const roleLines = [
      mrkdwn`*S3 pull from your AWS account*`,
      mrkdwn`• role ARN: ${code(w.role.arn)}`,
      mrkdwn`• ExternalId: ${code(w.role.externalId)}`,
      mrkdwn`• bucket ${code(w.bucket)} in ${code(w.region)}, prefix ${code(w.homePrefix)} (list with this prefix; objects are SSE-KMS, decrypted for you by S3)`,
      mrkdwn`• attach this policy to the principal in your account that assumes the role:`,
    ];
    for (const t of chunkLines(roleLines)) blocks.push(section(t));
    const policy = JSON.stringify(w.role.partnerSidePolicy, null, 2);
    blocks.push(section(mrkdwn`\`\`\`${capped(policy, 2900)}\`\`\``));
  }
  return slackMessage(mrkdwn`Welcome text for ${w.displayName} (${w.partnerId})`, blocks);
}
