/**
 * The welcome: what a partner needs to connect, sent privately (docs/architecture.md "Welcome and
 * the settle gate"). A DM to the requester (and the partner's owner) with text ready to forward —
 * where to connect, the server's host keys, the SSH keys we registered, where the files appear,
 * whom to ask — and, for a partner with a role, the ExternalId in a second DM with how to pass it
 * on. The partner's thread only hears that the welcome was sent, and to whom: nothing secret is
 * posted to a channel. Pure.
 */
import type { Block } from '../../domain/notify-message.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { capped, chunkLines, code, joinMrkdwn, mrkdwn, user, type Mrkdwn } from './mrkdwn.js';
import { sshKeyLine } from './ssh-key-line.js';

/** Where and how a partner connects over SFTP. */
export interface WelcomeSftp {
  /** TRANSFER_HOST's host; undefined when it is not set (possible only in DRY_RUN). */
  host: string | undefined;
  port: number;
  userName: string;
  /** The server's host-key fingerprints (SHA256:…); null when they could not be read. */
  hostKeys: string[] | null;
  /** TRANSFER_STATIC_IPS: the addresses to allow-list; [] with the public endpoint. */
  staticIps: string[];
  /** The partner's SSH public keys as registered (normalized), named by type and fingerprint. */
  sshKeys: string[];
}

export interface WelcomeView {
  partnerId: string;
  displayName: string;
  /** The partner's contact (e-mail), whom the text is forwarded to. */
  contactEmail: string;
  /** Whom the partner asks (a Slack user id): the partner's owner. */
  contact: string;
  region: string;
  bucket: string;
  homePrefix: string;
  feeds: string[];
  dryRun: boolean;
  /** SFTP access (src/jobs/onboarding/welcome-sftp.ts). */
  sftp: WelcomeSftp | null;
  /** S3 pull: the role and the partner-side policy. Its ExternalId goes in its own DM (`buildExternalIdDm`). */
  role: { arn: string; partnerSidePolicy: unknown } | null;
}

function hostLine(s: WelcomeSftp): Mrkdwn {
  const host = s.host ? code(s.host) : mrkdwn`_planned: this is a dry run and the SFTP endpoint does not exist yet, so the real welcome will name it_`;
  return mrkdwn`• host: ${host}, port ${code(String(s.port))}`;
}

/** The host keys the partner checks on first connecting (what its SSH client shows as the fingerprint). */
function hostKeyLine(s: WelcomeSftp, dryRun: boolean, contact: Mrkdwn): Mrkdwn {
  if (s.hostKeys === null) return mrkdwn`• server host key: _could not be read just now; ask ${contact} for it before the first connection_`;
  if (s.hostKeys.length === 0) {
    return dryRun
      ? mrkdwn`• server host key: _planned: the server's keys are given once it exists_`
      : mrkdwn`• server host key: _none reported by the server; ask ${contact} for it before the first connection_`;
  }
  return mrkdwn`• server host key fingerprint${s.hostKeys.length > 1 ? 's' : ''} (check on first connection): ${joinMrkdwn(s.hostKeys.map(code), ', ')}`;
}

/** The text the partner gets, as the requester forwards it. Holds no ExternalId. */
function forwardText(w: WelcomeView): Mrkdwn[] {
  const contact = user(w.contact);
  const lines: Mrkdwn[] = [
    mrkdwn`*${w.displayName}: your access to our file distribution*`,
    mrkdwn`You can read the files we publish for you; you cannot write or delete them. Subscribed feeds: ${w.feeds.length ? joinMrkdwn(w.feeds.map(code), ', ') : 'none'}.`,
  ];
  if (w.sftp) {
    const s = w.sftp;
    lines.push(
      mrkdwn``,
      mrkdwn`*SFTP*`,
      hostLine(s),
      mrkdwn`• user name: ${code(s.userName)}`,
      mrkdwn`• your files appear in your home directory, ${code('/')}`,
      mrkdwn`• you sign in with the SSH key${s.sshKeys.length === 1 ? '' : 's'} you sent us, registered as: ${s.sshKeys.length ? joinMrkdwn(s.sshKeys.map((k) => sshKeyLine(k)), '; ') : 'none'}`,
      hostKeyLine(s, w.dryRun, contact),
    );
    if (s.staticIps.length > 0) {
      lines.push(mrkdwn`• the server's addresses, for your firewall's allow-list (outbound TCP ${code(String(s.port))}): ${joinMrkdwn(s.staticIps.map(code), ', ')}`);
    }
  }
  if (w.role) {
    lines.push(
      mrkdwn``,
      mrkdwn`*S3 from your AWS account*`,
      mrkdwn`• role to assume: ${code(w.role.arn)}, with the ExternalId we give you separately`,
      mrkdwn`• your files appear in bucket ${code(w.bucket)} (${code(w.region)}) under ${code(w.homePrefix)}: list with this prefix; objects are SSE-KMS, decrypted for you by S3`,
      mrkdwn`• attach this policy to the principal in your account that assumes the role:`,
    );
  }
  return lines;
}

/** The welcome DM to the requester (and the owner): a line for them, then the text to forward. */
export function buildWelcomeDm(w: WelcomeView): SlackMessage {
  const head = w.dryRun
    ? mrkdwn`:memo: Welcome text for ${w.displayName} (${code(w.partnerId)}) is planned — a dry run: nothing was created on AWS, so do not forward it.`
    : mrkdwn`:envelope: Welcome text for ${w.displayName} (${code(w.partnerId)}) — forward what follows to the partner's contact, ${w.contactEmail}.`;
  const blocks: Block[] = [section(head)];
  if (w.role) blocks.push(contextBlock(mrkdwn`The ExternalId is not in this text: it comes in a separate message, to pass on by another way.`));
  blocks.push({ type: 'divider' });
  for (const chunk of chunkLines(forwardText(w))) blocks.push(section(chunk));
  if (w.role) blocks.push(section(mrkdwn`\`\`\`${capped(JSON.stringify(w.role.partnerSidePolicy, null, 2), 2900)}\`\`\``));
  blocks.push(section(mrkdwn`Questions: ask ${user(w.contact)}.`));
  const text = w.dryRun ? mrkdwn`Welcome text for ${w.displayName} (${w.partnerId}) is planned (a dry run)` : mrkdwn`Welcome text for ${w.displayName} (${w.partnerId}), ready to forward`;
  return slackMessage(text, blocks);
}

export interface ExternalIdView {
  partnerId: string;
  displayName: string;
  roleArn: string;
  /** Secret: goes in this DM only, never to a channel or a log. */
  externalId: string;
  dryRun: boolean;
}

/** The ExternalId, alone in its own DM, with how to pass it on. */
export function buildExternalIdDm(v: ExternalIdView): SlackMessage {
  const head = v.dryRun
    ? mrkdwn`:memo: ExternalId for ${v.displayName} (${code(v.partnerId)}) is planned — a dry run: the role does not exist, so do not pass it on.`
    : mrkdwn`:key: ExternalId for ${v.displayName} (${code(v.partnerId)}) — pass it on privately.`;
  return slackMessage(mrkdwn`ExternalId for ${v.displayName} (${v.partnerId})${v.dryRun ? ' is planned (a dry run)' : ''}`, [
    section(head),
    // Labelled as the log masker knows it (src/domain/secrets.ts): a copy in a log line is masked.
    section(mrkdwn`ExternalId: ${code(v.externalId)}`),
    section(mrkdwn`The partner needs it, with the welcome text, to assume ${code(v.roleArn)}. Give it to the partner's contact another way than the welcome text — on a call, or through your password manager's sharing — never in a ticket, an e-mail with the welcome text, or a Slack channel. Then delete this message.`),
  ]);
}

/** The partner's thread: the welcome went, privately, and to whom. */
export function welcomeSentText(v: { partnerId: string; to: readonly string[]; externalId: boolean; dryRun: boolean }): string {
  const to = joinMrkdwn(v.to.map(user), ' and ');
  const what = v.dryRun ? 'The planned welcome text' : 'The welcome text';
  const separate = v.externalId ? '; the ExternalId went in a separate DM' : '';
  return mrkdwn`:envelope_with_arrow: ${what} for ${code(v.partnerId)} was sent by DM to ${to}${separate}.`.toString();
}
