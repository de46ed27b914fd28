/**
 * Drift reports in the partner's thread — what differs, item by item and as a readable diff of the
 * documents — with the Re-apply button (approvers), and the lines a re-apply posts. Pure.
 */
import { structuredPatch } from 'diff';
import { canonicalJson } from '../../domain/canonical-json.js';
import { redactExternalIds, secondApproverItems, type DriftDocument, type DriftItem } from '../../domain/drift.js';
import type { Block } from '../../domain/notify-message.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { maskSecrets } from '../../domain/secrets.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { chunkLines, code, codeBlock, joinMrkdwn, mrkdwn, SECTION_LIMIT, user, when, type Mrkdwn } from './mrkdwn.js';

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

/** What one side of a diff shows: canonical JSON (keys sorted), pretty-printed; nothing for an absent document. */
function pretty(doc: unknown): string {
  return doc === null || doc === undefined ? '' : `${JSON.stringify(JSON.parse(canonicalJson(doc)), null, 2)}\n`;
}

/**
 * What the two sides of a diff are: AWS now against what re-apply writes (a partner's drift) or what
 * the platform stack deploys; or, once AUTO_REVERT restored it, what AWS held against what it wrote.
 */
export type DiffTarget = 'reapply' | 'stack' | 'reverted';

const SIDES: Record<DiffTarget, { before: string; rendered: string; absent: string; heading: Mrkdwn }> = {
  reapply: { before: 'AWS now', rendered: 'as rendered (re-apply writes this)', absent: 'deleted by re-apply', heading: mrkdwn`*What differs* (\`-\` AWS now, \`+\` what re-apply writes` },
  stack: { before: 'AWS now', rendered: 'as rendered (the platform stack deploys this)', absent: 'not rendered', heading: mrkdwn`*What differs* (\`-\` AWS now, \`+\` what the platform stack deploys` },
  reverted: { before: 'what AWS held', rendered: 'as approved (restored)', absent: 'removed', heading: mrkdwn`*What it undid* (\`-\` what AWS held, \`+\` what the automatic revert restored` },
};

/**
 * The documents that differ as unified diffs (jsdiff), AWS now (`-`) against the rendered documents
 * (`+`), ExternalIds redacted first (src/domain/drift.ts) and any other secret a line may hold
 * masked (src/domain/secrets.ts). Lines of outside text: `codeBlock` escapes them.
 */
export function driftDiffLines(documents: readonly DriftDocument[], target: DiffTarget = 'reapply'): string[] {
  const side = SIDES[target];
  const out: string[] = [];
  for (const d of redactExternalIds(documents)) {
    const patch = structuredPatch(d.name, d.name, pretty(d.actual), pretty(d.intended), '', '', { context: 2 });
    out.push(`--- ${d.name}: ${d.actual === null ? 'absent' : side.before}`, `+++ ${d.name}: ${d.intended === null ? side.absent : side.rendered}`);
    for (const h of patch.hunks) out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines.filter((l) => !l.startsWith('\\')));
  }
  return out.map(maskSecrets);
}

/** The diff section of a report: a code block within Slack's section limit, the rest counted. */
export function driftDiff(documents: readonly DriftDocument[], target: DiffTarget = 'reapply'): Mrkdwn {
  const heading = mrkdwn`${SIDES[target].heading}; ExternalIds redacted):\n`;
  return mrkdwn`${heading}${codeBlock(driftDiffLines(documents, target), SECTION_LIMIT - heading.toString().length)}`;
}

export interface DriftCause {
  call: string;
  actor: string;
  at: string;
}

/**
 * The report: what differs, the diff of the documents, and — when CloudTrail said so — who changed
 * it (the call, the principal, when: from the event, so escaped) — with the Re-apply button.
 */
export function buildDriftReport(v: { partnerId: string; items: DriftItem[]; documents: DriftDocument[]; unfixable: string[]; hash: string; causes?: readonly DriftCause[] }): SlackMessage {
  const twoPerson = secondApproverItems(v.items);
  const blocks: Block[] = [
    section(mrkdwn`:warning: *Drift on ${code(v.partnerId)}*: AWS differs from what the registry and the renderer say.`),
    ...chunkLines(v.items.map((i) => mrkdwn`• ${i.line}`)).map((text) => section(text)),
    ...(v.causes?.length
      ? chunkLines([mrkdwn`*Changed outside partnergate* (CloudTrail):`, ...v.causes.map((c) => mrkdwn`• ${code(c.call)} by ${code(c.actor)} ${when(c.at)}`)]).map((text) => section(text))
      : []),
    ...(v.documents.length ? [section(driftDiff(v.documents))] : []),
    {
      type: 'actions', block_id: 'drift_reapply',
      elements: [{ type: 'button', action_id: ACTIONS.reapplyDrift, style: 'primary', value: reapplyValue(v.partnerId, v.hash), text: { type: 'plain_text', text: 'Re-apply' } }],
    },
    contextBlock(
      mrkdwn`Drift ${driftLabel(v.hash)}. ${twoPerson.length
        ? mrkdwn`Re-apply would create something or rewrite a trust policy (${joinMrkdwn(twoPerson.map((i) => i.line), '; ')}): pressing it asks a second approver, who is not the one pressing, to approve.`
        : 'Approvers can re-apply the rendered documents to repair this drift (only while it is the latest).'}${v.unfixable.length ? mrkdwn` Not fixable by the bot (fix by hand): ${v.unfixable.join('; ')}.` : ''} This is reported once per change.`,
    ),
  ];
  return slackMessage(mrkdwn`Drift on ${v.partnerId}: ${v.items.length} difference${v.items.length === 1 ? '' : 's'}`, blocks);
}

/** The alert, in the partner's thread and the approvals channel, when a partner is quarantined. */
export function quarantinedText(v: { partnerId: string; items: readonly string[] }): string {
  return mrkdwn`:rotating_light: ${code(v.partnerId)} is QUARANTINED: what AWS holds for it may give it more access than was approved (${joinMrkdwn(v.items.map((i) => mrkdwn`${i}`), '; ')}). Its deliveries are parked, not lost. The way out: the drift report's Re-apply (a second approver's too when it creates something or rewrites a trust policy) restores the approved state, and a check that finds it so releases the partner; or offboard it.`.toString();
}

/**
 * A live partner quarantined on an event alone (src/domain/platform-events.ts `onlyWidens`), before
 * AWS is read: what CloudTrail showed — who, the call, the policy ARN when it names one — and that the
 * check's drift report follows with the full difference.
 */
export function eventQuarantinedText(v: { partnerId: string; call: string; actor: string; at: string; resource: string; parameters: Readonly<Record<string, string>> }): string {
  const policy = v.parameters['policyArn'] ? mrkdwn` (policy ${code(v.parameters['policyArn'])})` : '';
  return mrkdwn`:rotating_light: ${code(v.partnerId)} is QUARANTINED: CloudTrail shows ${code(v.call)} by ${code(v.actor)} on ${v.resource}${policy}, ${when(v.at)}: a call that can only widen its access. Its deliveries are parked, not lost. A check of what AWS holds follows, with the full difference and its Re-apply; a check that finds the approved state releases the partner; or offboard it.`.toString();
}

export function releasedText(partnerId: string): string {
  return mrkdwn`:white_check_mark: ${code(partnerId)} is released from quarantine: its access is exactly the approved state again. Its parked deliveries are going out.`.toString();
}

export function driftResolvedText(partnerId: string): string {
  return mrkdwn`:white_check_mark: No drift on ${code(partnerId)} any more: AWS matches the registry and the renderer.`.toString();
}

/** `requestedBy`: who pressed Re-apply when a second approver (`by`) approved it; absent for one approver's click. */
export function reappliedText(v: { partnerId: string; by: string; requestedBy?: string | undefined; done: string[]; remaining: string[] }): string {
  const did = v.done.length ? joinMrkdwn(v.done, '; ') : 'nothing needed writing';
  const left = v.remaining.length ? mrkdwn` Still different: ${joinMrkdwn(v.remaining, '; ')}.` : ' No drift left.';
  const who = v.requestedBy ? mrkdwn`asked by ${user(v.requestedBy)}, approved by ${user(v.by)}` : mrkdwn`by ${user(v.by)}`;
  return mrkdwn`:wrench: Re-applied on ${code(v.partnerId)} ${who}: ${did}.${left}`.toString();
}

/** The re-apply job found AWS differing from the drift the approver saw: it wrote nothing. */
export function reapplyRefusedText(v: { partnerId: string; by: string; shown: string }): string {
  return mrkdwn`:no_entry: Not re-applied on ${code(v.partnerId)} (pressed by ${user(v.by)}): AWS no longer differs as drift ${driftLabel(v.shown)} showed, so nothing was written. The latest report in this thread says what differs now; re-apply from it if that should be repaired.`.toString();
}

/** A re-apply that would create something or rewrite a trust policy reached the job with one approver only: it wrote nothing. */
export function secondApproverNeededText(v: { partnerId: string; by: string; shown: string; items: string[] }): string {
  return mrkdwn`:no_entry: Not re-applied on ${code(v.partnerId)} (pressed by ${user(v.by)}): re-applying drift ${driftLabel(v.shown)} creates something or rewrites a trust policy (${joinMrkdwn(v.items, '; ')}), which needs a second approver, and this re-apply came with none. Nothing was written. Press Re-apply on the report to ask another approver.`.toString();
}

/** The presser's answer when Re-apply became a change request for a second approver. */
export function reapplyAskedText(v: { partnerId: string; hash: string; items: string[] }): string {
  return mrkdwn`Drift ${driftLabel(v.hash)} of ${code(v.partnerId)} would create something or rewrite a trust policy (${joinMrkdwn(v.items, '; ')}), so another approver must approve re-applying it: the card is in ${code(v.partnerId)}’s thread. Nothing was written yet.`.toString();
}

/**
 * AUTO_REVERT's report, in the partner's thread and the approvals channel: what the bot undid on its
 * own (the lines and the diff: what AWS held against what it restored), and what is still different
 * — what it never does alone (create something, rewrite a trust policy, a role's path, boundary or
 * tags) is left to the drift report's Re-apply.
 */
export function buildAutoRevertReport(v: { partnerId: string; undone: string[]; done: string[]; documents: DriftDocument[]; remaining: string[] }): SlackMessage {
  const blocks: Block[] = [
    section(mrkdwn`:leftwards_arrow_with_hook: *Restored ${code(v.partnerId)}'s approved state* on its own (automatic revert): ${v.done.length ? joinMrkdwn(v.done, '; ') : 'nothing needed writing'}.`),
    ...chunkLines([mrkdwn`*Undone:*`, ...v.undone.map((l) => mrkdwn`• ${l}`)]).map((text) => section(text)),
    ...(v.documents.length ? [section(driftDiff(v.documents, 'reverted'))] : []),
    contextBlock(v.remaining.length
      ? mrkdwn`Still different (the automatic revert creates nothing and rewrites no trust policy; two people re-apply those, and a role's path, boundary or tags are fixed by hand): ${joinMrkdwn(v.remaining, '; ')}. The partner stays quarantined: the latest drift report's Re-apply is the way out.`
      : mrkdwn`No drift left. It only restored the approved documents of what exists and removed what was added: nothing was widened. The partner is released when a check finds it as approved and its probes pass.`),
  ];
  return slackMessage(mrkdwn`Restored ${v.partnerId}'s approved state on its own: ${v.undone.length} difference${v.undone.length === 1 ? '' : 's'} undone`, blocks);
}
