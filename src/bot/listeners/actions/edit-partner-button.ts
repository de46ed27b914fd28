import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { buildPartnerEditModal } from '../../views/partner-edit-modal.js';
import { answerRefusal } from '../refusal.js';

/** "Edit feeds and contact" (on /partner-status): opens the edit modal with the trigger id, or says why not. */
export const editPartnerButton =
  (deps: BotDeps) =>
  async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const found = await deps.partnerForEdit(action.value ?? '');
    if (!found.ok) {
      await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, message: found.message });
      return;
    }
    const p = found.partner;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildPartnerEditModal({ partnerId: p.partnerId, displayName: p.displayName, feeds: p.feeds, configuredFeeds: deps.feeds, contactEmail: p.contactEmail, owner: p.owner }),
    });
  };
