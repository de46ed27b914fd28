import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { requestIdFromCardRef } from '../../messages/ids.js';
import type { BotDeps } from '../../deps.js';
import { answerRefusal } from '../refusal.js';

/** The approval reaction on a request card approves, under the same rules as the button. */
export const reactionAdded =
  (deps: BotDeps) =>
  async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    if (event.reaction !== deps.approvalReaction || event.item.type !== 'message') return;
    const ref = await deps.refAt(event.item.channel, event.item.ts);
    const requestId = ref ? requestIdFromCardRef(ref) : null;
    if (!requestId) return; // a reaction on some other message: not ours
    const result = await deps.decide({ requestId, actor: event.user, decision: 'approve', via: 'reaction' });
    deps.metrics.approvals.inc({ outcome: result.ok ? result.item.status : `refused_${result.code}` });
    if (!result.ok) {
      await answerRefusal(deps, { channel: event.item.channel, user: event.user, threadTs: event.item.ts, message: result.message });
    }
  };
