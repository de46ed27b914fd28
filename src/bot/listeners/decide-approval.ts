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
  // Changes are counted apart (`change_approved`, `change_refused_<code>`).
  const counted = kind === 'change' ? 'change_' : '';
  deps.metrics.approvals.inc({ outcome: result.ok ? `${counted}${result.item.status}` : `${counted}refused_${result.code}` });
  if (!result.ok) await answerRefusal(deps, { channel, user: input.actor, threadTs, message: result.message });
}
