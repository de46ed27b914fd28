import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { answerRefusal } from '../refusal.js';

/** The Resend button on a failed delivery: the same as /resend-file for that file; the answer is ephemeral in the thread. */
export const resendButton =
  (deps: Pick<BotDeps, 'resendFailed' | 'notify' | 'logger'>) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await deps.resendFailed({ token: action.value ?? '', actor: body.user.id });
    const threadTs = body.message?.['thread_ts'] as string | undefined;
    await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: threadTs ?? body.message?.ts, message: result.message });
  };
