import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { buildPlanDocumentsModal } from '../../views/plan-documents-modal.js';
import { answerRefusal } from '../refusal.js';

/** "Show the exact documents" (on a pending card and on its plan in the thread): opens them in a modal with the trigger id, or says why not. */
export const planDocumentsButton =
  (deps: BotDeps) =>
  async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const found = await deps.showPlan({ requestId: action.value ?? '' });
    if (!found.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.thread_ts ?? body.message?.ts, message: found.message });
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildPlanDocumentsModal({ partnerId: found.request.partnerId, submittedHash: found.request.planHash, plan: found.plan, current: found.current }),
    });
  };
