import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { buildAnswer, buildPartnerStatus } from '../../messages/partner-status.js';

/** `/partner-status <partner-id>`: ack, answer ephemerally with the record and the last deliveries (buttons only for who may use them). */
export const partnerStatusCommand =
  (deps: Pick<BotDeps, 'partnerStatus' | 'allows'>) =>
  async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const result = await deps.partnerStatus({ partnerId: command.text.trim() });
    const message = result.ok
      ? buildPartnerStatus(result.partner, result.deliveries, { old: result.oldKeys, maxAgeDays: result.maxKeyAgeDays }, {
          mayRequest: await deps.allows('request', command.user_id),
        }, result.pickups)
      : buildAnswer(result.message);
    await respond({ response_type: 'ephemeral', ...message });
  };
