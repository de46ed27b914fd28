import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { suggestPartnerId } from '../../../domain/partner-id.js';
import { buildOnboardModal } from '../../views/onboard-modal.js';
import type { BotDeps } from '../../deps.js';

/** `/onboard-partner [display name]`: ack at once, open the modal with the trigger id (valid 3 s). */
export const onboardPartnerCommand =
  (deps: BotDeps) =>
  async ({ ack, command, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const displayName = command.text.trim().slice(0, 80);
    await client.views.open({
      trigger_id: command.trigger_id,
      view: buildOnboardModal({
        feeds: deps.feeds,
        displayName,
        suggestedId: suggestPartnerId(displayName),
        channelId: command.channel_id,
      }),
    });
  };
