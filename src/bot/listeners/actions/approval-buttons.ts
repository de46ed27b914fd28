import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { decideApproval } from '../decide-approval.js';

/** Approve / Reject buttons on an approval card (an onboarding request's or a lifecycle change's). */
export const approvalButton =
  (deps: BotDeps, kind: 'request' | 'change', decision: 'approve' | 'reject') =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const threadTs = body.message?.thread_ts ?? body.message?.ts;
    await decideApproval(deps, { kind, id: action.value ?? '', actor: body.user.id, decision, via: 'button', channel: body.channel?.id, threadTs });
  };
