/**
 * The lines the lifecycle jobs and use cases post in a partner's thread: a change applied, refused
 * or failed, an edit of feeds and contact applied, the weekly reminder of old keys. Pure.
 */
import { failureAdvice } from '../../domain/failure-advice.js';
import { code, joinMrkdwn, mrkdwn, user, type Mrkdwn, type Piece } from './mrkdwn.js';

/** "Ask an approver…" → "ask an approver…", to follow a colon. */
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

export function keysChangedLine(v: { partnerId: string; added: string[]; removed: string[]; dryRun: boolean }): Mrkdwn {
  const parts = [...v.added.map((f) => mrkdwn`added ${code(f)}`), ...v.removed.map((f) => mrkdwn`removed ${code(f)}`)];
  return v.dryRun
    ? mrkdwn`:memo: SSH keys of ${code(v.partnerId)}: change planned, not made (dry run: no AWS call was sent): ${joinMrkdwn(parts, ', ')}.`
    : mrkdwn`:key: SSH keys of ${code(v.partnerId)} changed: ${joinMrkdwn(parts, ', ')}.`;
}

export const externalIdRotatedLine = (partnerId: string): Mrkdwn =>
  mrkdwn`:arrows_counterclockwise: ExternalId of ${code(partnerId)} rotated: the old one no longer works; the new welcome text is above.`;

/** An approved edit applied: feeds started (`from`: when the partner gets them) and stopped, the contact, and the feeds now. */
export function partnerEditedLine(v: {
  partnerId: string; added: string[]; removed: string[]; contact: { from: string; to: string } | null; feeds: string[]; from: string;
  owner?: { from: string | null; to: string } | null;
}): Mrkdwn {
  const parts = [
    ...(v.added.length ? [mrkdwn`now receives ${joinMrkdwn(v.added.map(code), ', ')} (${v.from})`] : []),
    ...(v.removed.length ? [mrkdwn`stopped ${joinMrkdwn(v.removed.map(code), ', ')}`] : []),
    ...(v.contact ? [mrkdwn`contact ${v.contact.from} → ${v.contact.to}`] : []),
    ...(v.owner ? [mrkdwn`owner ${v.owner.from ? user(v.owner.from) : 'the requester'} → ${user(v.owner.to)}`] : []),
  ];
  return mrkdwn`:pencil2: ${code(v.partnerId)} changed: ${joinMrkdwn(parts, '; ')}. Feeds: ${v.feeds.length ? joinMrkdwn(v.feeds.map(code), ', ') : 'none'}.`;
}

export const changeAppliedText = (line: Mrkdwn, by: string, requestedBy: string): string =>
  mrkdwn`${line} Approved by ${user(by)}, requested by ${user(requestedBy)}.`.toString();

/** `problem`: a string is escaped; the reasons of our approval checks come as `withMentions(…)`. */
export const changeRefusedText = (problem: Piece): string => mrkdwn`:no_entry: The change was not applied: ${problem}. Nothing was changed.`.toString();

export const changeNotLiveText = (partnerId: string, status: string): string =>
  mrkdwn`:no_entry: The change was not applied: ${code(partnerId)} is ${status.replace('_', ' ')}, not live. Nothing was changed; ask for it again once the partner is LIVE.`.toString();

/**
 * A change that failed for good: what happened and what to do, in words (src/domain/failure-advice.ts).
 * The error's code and AWS's message stay in the log and the audit trail.
 */
export function changeFailedText(v: { kind: string; partnerId: string; code: string }): string {
  const a = failureAdvice(v.code);
  const kind = CHANGE_NOUNS[v.kind] ?? v.kind;
  return mrkdwn`:x: The ${kind} change of ${code(v.partnerId)} failed: ${a.what}. ${a.why} Nothing more will be tried by itself: ${lowerFirst(a.next)}`.toString();
}

/** A change's kind as people say it. */
const CHANGE_NOUNS: Readonly<Record<string, string>> = {
  'ssh-keys': 'SSH key', 'external-id': 'ExternalId', edit: 'feeds and contact', reapply: 're-apply', offboard: 'offboarding',
};

export function oldKeysText(v: { partnerId: string; keys: { fingerprint: string; ageDays: number | null }[]; maxAgeDays: number }): string {
  const n = v.keys.length;
  const list = joinMrkdwn(v.keys.map((k) => mrkdwn`${code(k.fingerprint)} (${String(k.ageDays)} days)`), ', ');
  return mrkdwn`:warning: ${n} SSH key${n === 1 ? '' : 's'} of ${code(v.partnerId)} ${n === 1 ? 'is' : 'are'} older than ${v.maxAgeDays} days: ${list}. Ask the partner for a new key and change it with \`/partner-keys ${v.partnerId}\`.`.toString();
}
