import type { BotDeps } from '../deps.js';
import { answerRefusal } from './refusal.js';

export interface ApprovalDecision {
  kind: 'request' | 'change';
  id: string;
  actor: string;
  decision: 'approve' | 'reject';
  via: 'button' | 'reaction';
  /** Where a refusal is answered (ephemerally, to the actor). */
  channel: string | undefined;
  threadTs: string | undefined;
}

/** One decision on an approval card of either kind, by button or reaction: counted, and a refusal explained. */
export async function decideApproval(deps: BotDeps, d: ApprovalDecision): Promise<void> {
  const { kind, id, channel, threadTs, ...input } = d;
  const result = kind === 'request' ? await deps.decide({ requestId: id, ...input }) : await deps.decideChange({ changeId: id, ...input });
  // Changes are counted apart (`change_approved`, `change_refused_<code>`); the first of two approvals leaves the item pending (`change_first_approved`).
  const counted = kind === 'change' ? 'change_' : '';
  const outcome = result.ok ? (result.item.status === 'pending' ? 'first_approved' : result.item.status) : `refused_${result.code}`;
  deps.metrics.approvals.inc({ outcome: `${counted}${outcome}` });
  if (!result.ok) await answerRefusal(deps, { channel, user: input.actor, threadTs, message: result.message });
}
