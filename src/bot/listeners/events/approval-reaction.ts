import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { changeIdFromRef, requestIdFromCardRef } from '../../messages/ids.js';
import type { BotDeps } from '../../deps.js';
import { decideApproval } from '../decide-approval.js';
import { answerRefusal } from '../refusal.js';

/**
 * The approval reaction on an approval card, handed to the same decide use case as the button (`via:
 * 'reaction'`): it approves an onboarding request; on a change's card the use case refuses it
 * (`button_required`, src/domain/approval.ts) and the reactor is told, in the thread, to use the button.
 */
export const approvalReaction =
  (deps: BotDeps) =>
  async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    if (event.reaction !== deps.approvalReaction || event.item.type !== 'message') return;
    const ref = await deps.refAt(event.item.channel, event.item.ts);
    const requestId = ref ? requestIdFromCardRef(ref) : null;
    const id = requestId ?? (ref ? changeIdFromRef(ref) : null);
    if (!id) return; // a reaction on some other message: not ours
    const kind = requestId ? 'request' : 'change';
    const verdict = await deps.authorize({ capability: 'decide', actor: event.user, entry: `reaction:${event.reaction}` });
    if (!verdict.ok) {
      await answerRefusal(deps, { channel: event.item.channel, user: event.user, threadTs: event.item.ts, message: verdict.message });
      return;
    }
    await decideApproval(deps, { kind, id, actor: event.user, decision: 'approve', via: 'reaction', channel: event.item.channel, threadTs: event.item.ts });
  };
