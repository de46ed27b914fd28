import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { requireLifecycle } from '../../lifecycle-deps.js';
import { answerRefusal } from '../refusal.js';

/** Approve / Reject buttons on a lifecycle change card. */
export const changeButton =
  (deps: BotDeps, decision: 'approve' | 'reject') =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await requireLifecycle(deps).decideChange({ changeId: action.value ?? '', actor: body.user.id, decision, via: 'button' });
    deps.metrics.approvals.inc({ outcome: result.ok ? `change_${result.item.status}` : `change_refused_${result.code}` });
    if (!result.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs: body.message?.thread_ts ?? body.message?.ts, message: result.message });
    }
  };
