import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { buildAnswer } from '../../messages/partner-status.js';

/** `/resend-file <partner-id> <file>`: ack, queue a forced delivery of the latest version, answer ephemerally. */
export const resendFileCommand =
  (deps: Pick<BotDeps, 'resendFile'>) =>
  async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const text = command.text.trim();
    const space = text.search(/\s/);
    const partnerId = space < 0 ? text : text.slice(0, space);
    const file = space < 0 ? '' : text.slice(space + 1).trim();
    const result = await deps.resendFile({ partnerId, file, actor: command.user_id });
    await respond({ response_type: 'ephemeral', ...buildAnswer(result.message, result.ok ? undefined : result.candidates) });
  };
