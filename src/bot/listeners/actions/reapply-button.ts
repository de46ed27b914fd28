import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { parseReapplyValue } from '../../messages/drift.js';
import { answerRefusal } from '../refusal.js';

/** Re-apply on a drift report: approvers only, for the drift that report shows; the answer (queued or refused) is ephemeral. */
export const reapplyButton =
  (deps: BotDeps) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const shown = parseReapplyValue(action.value ?? '') ?? { partnerId: '', hash: '' };
    const result = await deps.requestReapply({ ...shown, actor: body.user.id });
    await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.thread_ts ?? body.message?.ts, message: result.message });
  };
