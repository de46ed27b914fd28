/**
 * What people are told about the platform resources every partner depends on: a change CloudTrail
 * reports (src/domain/platform-events.ts) that the bot did not make, with the difference it leaves
 * from the rendered documents; and the platform check's report when the sweep finds such a
 * difference. The actor, the resource, the parameters and the documents come from AWS, so they are
 * outside text: escaped, in `code` or a code block, secrets masked (./drift.ts `driftDiff`).
 */
import type { AccessChange } from '../../domain/platform-events.js';
import { PLATFORM_PART_NAMES, type PlatformDrift, type PlatformPart } from '../../domain/drift.js';
import type { Block } from '../../domain/notify-message.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { driftDiff } from './drift.js';
import { chunkLines, code, joinMrkdwn, mrkdwn, when, type Mrkdwn } from './mrkdwn.js';
import { failureAdvice } from '../../domain/failure-advice.js';

/**
 * The difference a platform change leaves, as the alert shows it: the platform check's finding for
 * the part the call changed, a read that failed (its error code), or nothing compared (the check
 * compares no document the call changes).
 */
export type PlatformDifference =
  | { kind: 'compared'; drift: PlatformDrift }
  | { kind: 'unreadable'; code: string }
  | { kind: 'not-compared' };

const RESTORE = mrkdwn`restore the platform stack (\`manifests/platform.yaml\`, docs/runbook.md), then run \`partnergate reconcile\``;

const partNames = (parts: readonly PlatformPart[]): Mrkdwn => joinMrkdwn(parts.map((p) => PLATFORM_PART_NAMES[p]), ', ');

/** The items and the diff of a platform drift: one section per chunk of lines, then the diff (`+`: what the stack deploys). */
function differenceBlocks(drift: PlatformDrift): Block[] {
  return [
    ...chunkLines(drift.items.map((i) => mrkdwn`• ${i.line}`)).map((text) => section(text)),
    ...(drift.documents.length ? [section(driftDiff(drift.documents, 'stack'))] : []),
  ];
}

function differenceOf(d: PlatformDifference): Block[] {
  if (d.kind === 'not-compared') return [section(mrkdwn`partnergate compares no rendered document this call changes: look at it by hand.`)];
  if (d.kind === 'unreadable') {
    const a = failureAdvice(d.code);
    return [section(mrkdwn`The difference from the approved state could not be read: ${a.what}. ${a.why} \`partnergate reconcile\` shows it once the bot can read it.`)];
  }
  if (d.drift.items.length === 0) {
    return [section(mrkdwn`:white_check_mark: ${partNames(d.drift.parts)}: no difference from the approved state (the rendered documents) now — the change was reverted, or left the document as rendered.`)];
  }
  return [section(mrkdwn`*The difference from the approved state* now:`), ...differenceBlocks(d.drift)];
}

/** The alert in the approvals channel: who, what, on which resource, the difference it leaves, and what to do. */
export function buildPlatformChangeAlert(c: AccessChange, difference?: PlatformDifference): SlackMessage {
  const params = Object.entries(c.parameters).map(([name, value]) => mrkdwn`${name} ${code(value)}`);
  const head = mrkdwn`:rotating_light: *${c.target.resource} was changed outside partnergate*: ${code(c.call)} by ${code(c.actor)} ${when(c.at)}`;
  const what = params.length > 0 ? mrkdwn`Parameters: ${joinMrkdwn(params, ', ')}.` : mrkdwn`The event named no parameters.`;
  const next = mrkdwn`Every partner's isolation depends on it. Find out who made the change and why; if it was not meant, ${RESTORE}.`;
  return slackMessage(mrkdwn`${c.target.resource} was changed outside partnergate: ${c.call} by ${c.actor}`, [
    section(head), section(what), ...(difference ? differenceOf(difference) : []), section(next),
  ]);
}

/** The platform check's report in the approvals channel, once per change of what differs. */
export function buildPlatformDriftReport(drift: PlatformDrift): SlackMessage {
  const parts = [...new Set(drift.items.map((i) => i.part))];
  return slackMessage(mrkdwn`The platform differs from what partnergate renders: ${partNames(parts)}`, [
    section(mrkdwn`:warning: *The platform differs from what partnergate renders* (${partNames(parts)}): every partner's isolation depends on these documents.`),
    ...differenceBlocks(drift),
    section(mrkdwn`The bot changes none of them. Find out who changed them and why; if it was not meant, ${RESTORE}. This is reported once per change.`),
  ]);
}

/** Said once when parts the check reported are as rendered again. */
export function platformDriftResolvedText(parts: readonly PlatformPart[]): string {
  return mrkdwn`:white_check_mark: No difference any more in ${partNames(parts)}: AWS holds what partnergate renders.`.toString();
}
