/** Drift reports in the partner's thread, with the Re-apply button (approvers). Pure. */
import type { Block } from '../../domain/notify-message.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { chunkLines, code, joinMrkdwn, mrkdwn, user, type Mrkdwn } from './mrkdwn.js';

const DRIFT_HASH = /^[0-9a-f]{64}$/;

/** The Re-apply button's value: the partner and the hash of the drift the report shows. */
export function reapplyValue(partnerId: string, hash: string): string {
  return `${partnerId}:${hash}`;
}

/** The partner and drift hash of a Re-apply button, or null when the value is not one `reapplyValue` makes. */
export function parseReapplyValue(value: string): { partnerId: string; hash: string } | null {
  const parts = value.split(':');
  if (parts.length !== 2) return null;
  const [partnerId, hash] = parts as [string, string];
  return explainPartnerIdProblem(partnerId) || !isDriftHash(hash) ? null : { partnerId, hash };
}

export const isDriftHash = (hash: string): boolean => DRIFT_HASH.test(hash);

/** How a report names its drift: enough of the hash to tell two reports apart. */
export const driftLabel = (hash: string): Mrkdwn => code(hash.slice(0, 12));

export function buildDriftReport(v: { partnerId: string; items: string[]; unfixable: string[]; hash: string }): SlackMessage {
  const blocks: Block[] = [
    section(mrkdwn`:warning: *Drift on ${code(v.partnerId)}*: AWS differs from what the registry and the renderer say.`),
    ...chunkLines(v.items.map((i) => mrkdwn`• ${i}`)).map((text) => section(text)),
    {
      type: 'actions', block_id: 'drift_reapply',
      elements: [{ type: 'button', action_id: ACTIONS.reapplyDrift, style: 'primary', value: reapplyValue(v.partnerId, v.hash), text: { type: 'plain_text', text: 'Re-apply' } }],
    },
    contextBlock(
      mrkdwn`Drift ${driftLabel(v.hash)}. Approvers can re-apply the rendered documents to repair this drift (only while it is the latest).${v.unfixable.length ? mrkdwn` Not fixable by the bot (fix by hand): ${v.unfixable.join('; ')}.` : ''} This is reported once per change.`,
    ),
  ];
  return slackMessage(mrkdwn`Drift on ${v.partnerId}: ${v.items.length} difference${v.items.length === 1 ? '' : 's'}`, blocks);
}

export function driftResolvedText(partnerId: string): string {
  return mrkdwn`:white_check_mark: No drift on ${code(partnerId)} any more: AWS matches the registry and the renderer.`.toString();
}

export function reappliedText(v: { partnerId: string; by: string; done: string[]; remaining: string[] }): string {
  const did = v.done.length ? joinMrkdwn(v.done, '; ') : 'nothing needed writing';
  const left = v.remaining.length ? mrkdwn` Still different: ${joinMrkdwn(v.remaining, '; ')}.` : ' No drift left.';
  return mrkdwn`:wrench: Re-applied on ${code(v.partnerId)} by ${user(v.by)}: ${did}.${left}`.toString();
}

/** The re-apply job found AWS differing from the drift the approver saw: it wrote nothing. */
export function reapplyRefusedText(v: { partnerId: string; by: string; shown: string }): string {
  return mrkdwn`:no_entry: Not re-applied on ${code(v.partnerId)} (pressed by ${user(v.by)}): AWS no longer differs as drift ${driftLabel(v.shown)} showed, so nothing was written. The latest report in this thread says what differs now; re-apply from it if that should be repaired.`.toString();
}
