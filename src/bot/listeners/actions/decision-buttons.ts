import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { answerRefusal } from '../refusal.js';

/** Approve / Reject buttons on a request card. */
export const decisionButton =
  (deps: BotDeps, decision: 'approve' | 'reject') =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await deps.decide({ requestId: action.value ?? '', actor: body.user.id, decision, via: 'button' });
    deps.metrics.approvals.inc({ outcome: result.ok ? result.item.status : `refused_${result.code}` });
    if (!result.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.ts, message: result.message });
    }
  };
