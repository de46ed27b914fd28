/** Drift reports in the partner's thread, with the Re-apply button (approvers). Pure. */
import type { Block } from '../../actions/ports.js';
import { ACTIONS } from '../ids.js';
import { chunkLines, code, escapeMrkdwn, user } from './mrkdwn.js';
import type { SlackMessage } from './provision.js';

export function buildDriftReport(v: { partnerId: string; items: string[]; unfixable: string[] }): SlackMessage {
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `:warning: *Drift on ${code(v.partnerId)}*: AWS differs from what the registry and the renderer say.` } },
    ...chunkLines(v.items.map((i) => `• ${escapeMrkdwn(i)}`)).map((text): Block => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    {
      type: 'actions', block_id: 'drift_reapply',
      elements: [{ type: 'button', action_id: ACTIONS.reapplyDrift, style: 'primary', value: v.partnerId, text: { type: 'plain_text', text: 'Re-apply' } }],
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Approvers can re-apply the rendered documents.${v.unfixable.length ? ` Not fixable by the bot (fix by hand): ${escapeMrkdwn(v.unfixable.join('; '))}.` : ''} This is reported once per change.` }],
    },
  ];
  return { text: `Drift on ${v.partnerId}: ${v.items.length} difference${v.items.length === 1 ? '' : 's'}`, blocks };
}

export function driftResolvedText(partnerId: string): string {
  return `:white_check_mark: No drift on ${code(partnerId)} any more: AWS matches the registry and the renderer.`;
}

export function reappliedText(v: { partnerId: string; by: string; done: string[]; remaining: string[] }): string {
  const did = v.done.length ? v.done.map(escapeMrkdwn).join('; ') : 'nothing needed writing';
  const left = v.remaining.length ? ` Still different: ${v.remaining.map(escapeMrkdwn).join('; ')}.` : ' No drift left.';
  return `:wrench: Re-applied on ${code(v.partnerId)} by ${user(v.by)}: ${did}.${left}`;
}
