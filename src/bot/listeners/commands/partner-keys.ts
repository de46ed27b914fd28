import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildPartnerKeysModal } from '../../views/partner-keys-modal.js';
import { buildAnswer } from '../../messages/partner-status.js';
import type { BotDeps } from '../../deps.js';

/** `/partner-keys <partner-id>`: ack, then the keys modal (from the registry), or an ephemeral reason. */
export const partnerKeysCommand =
  (deps: BotDeps) =>
  async ({ ack, command, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await deps.partnerKeysView(command.text.trim().split(/\s+/)[0] ?? '');
    if (!result.ok) {
      await respond({ response_type: 'ephemeral', ...buildAnswer(result.message) });
      return;
    }
    await client.views.open({ trigger_id: command.trigger_id, view: buildPartnerKeysModal(result.view) });
  };
