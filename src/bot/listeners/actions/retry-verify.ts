import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import type { RetryResult } from '../../../actions/onboarding/index.js';
import { answerRefusal } from '../refusal.js';

export interface RetryVerifyButtonDeps extends Pick<BotDeps, 'notify' | 'logger'> {
  retryVerification: (input: { requestId: string; actor: string }) => Promise<RetryResult>;
}

/** Retry verification on a failed checklist: approvers queue a new verification attempt. */
export const retryVerifyButton =
  (deps: RetryVerifyButtonDeps) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await deps.retryVerification({ requestId: action.value ?? '', actor: body.user.id });
    if (!result.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.ts, message: result.message });
    }
  };
