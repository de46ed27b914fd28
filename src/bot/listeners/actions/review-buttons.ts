import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { buildReviewKeepModal } from '../../views/review-keep-modal.js';
import { answerRefusal } from '../refusal.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

const threadOf = (body: ButtonArgs['body']) => (body.message?.['thread_ts'] as string | undefined) ?? body.message?.ts;

/** Keep on a review card: opens the reason modal for the owner or an approver; anyone else is refused ephemerally. */
export const reviewKeepButton =
  (deps: BotDeps) =>
  async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const found = await deps.reviewForAnswer({ reviewId: action.value ?? '', actor: body.user.id });
    if (!found.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: threadOf(body), message: found.message });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: buildReviewKeepModal(found) });
  };

/** Offboard on a review card (after its confirmation dialog): the answer, or why not, ephemerally. */
export const reviewOffboardButton =
  (deps: BotDeps) =>
  async ({ ack, body, action }: ButtonArgs): Promise<void> => {
    await ack();
    const result = await deps.answerReview({ reviewId: action.value ?? '', actor: body.user.id, outcome: 'offboard', reason: '' });
    if (!result.ok) await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: threadOf(body), message: result.message });
  };
