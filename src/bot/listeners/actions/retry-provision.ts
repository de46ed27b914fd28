import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import type { RetryResult } from '../../../actions/onboarding/index.js';
import { parseRetryProvisionValue } from '../../messages/provision.js';
import { answerRefusal } from '../refusal.js';

export interface RetryProvisionButtonDeps extends Pick<BotDeps, 'notify' | 'logger'> {
  retryProvisioning: (input: { requestId: string; step: string | undefined; actor: string }) => Promise<RetryResult>;
}

/** Retry on a provisioning failure: approvers re-run the job from the step that failed. */
export const retryProvisionButton =
  (deps: RetryProvisionButtonDeps) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const { requestId, step } = parseRetryProvisionValue(action.value ?? '');
    const result = await deps.retryProvisioning({ requestId, step, actor: body.user.id });
    if (!result.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.ts, message: result.message });
    }
  };
