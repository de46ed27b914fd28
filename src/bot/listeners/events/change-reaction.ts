import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { changeIdFromRef } from '../../messages/ids.js';
import type { BotDeps } from '../../deps.js';
import { requireLifecycle } from '../../lifecycle-deps.js';
import { answerRefusal } from '../refusal.js';

/** The approval reaction on a lifecycle change card approves it, under the same rules as the button. */
export const changeReactionAdded =
  (deps: BotDeps) =>
  async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    if (event.reaction !== deps.approvalReaction || event.item.type !== 'message') return;
    const ref = await deps.refAt(event.item.channel, event.item.ts);
    const changeId = ref ? changeIdFromRef(ref) : null;
    if (!changeId) return; // not a change card (onboarding cards are handled by reactionAdded)
    const result = await requireLifecycle(deps).decideChange({ changeId, actor: event.user, decision: 'approve', via: 'reaction' });
    deps.metrics.approvals.inc({ outcome: result.ok ? `change_${result.item.status}` : `change_refused_${result.code}` });
    if (!result.ok) await answerRefusal(deps, { channel: event.item.channel, user: event.user, threadTs: event.item.ts, message: result.message });
  };
