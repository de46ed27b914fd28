import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildOffboardModal } from '../../views/offboard-modal.js';
import type { BotDeps } from '../../deps.js';

/** `/offboard-partner <partner-id>`: ack at once, open the modal (keep or archive, reason) with the trigger id. */
export const offboardPartnerCommand =
  (_deps: BotDeps) =>
  async ({ ack, command, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const partnerId = command.text.trim().split(/\s+/)[0]?.slice(0, 32) ?? '';
    await client.views.open({ trigger_id: command.trigger_id, view: buildOffboardModal({ partnerId, channelId: command.channel_id }) });
  };
