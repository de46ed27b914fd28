import type { BotDeps } from '../deps.js';
import { composed } from '../messages/mrkdwn.js';

/** Refusals are explained ephemerally to the person refused, ahead of other traffic. */
export async function answerRefusal(
  deps: Pick<BotDeps, 'notify' | 'logger'>,
  to: { channel: string | undefined; user: string; threadTs?: string | undefined; message: string },
): Promise<void> {
  if (!to.channel) {
    deps.logger.warn({ user: to.user }, 'refusal without a channel to answer in');
    return;
  }
  await deps.notify({
    op: 'ephemeral', channel: to.channel, user: to.user, priority: 'interactive', text: composed(to.message).toString(),
    ...(to.threadTs ? { thread: { ts: to.threadTs } } : {}),
  });
}
