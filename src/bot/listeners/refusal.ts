import type { BotDeps } from '../deps.js';
import { composed } from '../messages/mrkdwn.js';

/** Refusals are explained ephemerally to the person refused, ahead of other traffic. */
export async function answerRefusal(
  deps: Pick<BotDeps, 'notify' | 'logger'> & Partial<Pick<BotDeps, 'noticeOnHome'>>,
  to: { channel: string | undefined; user: string; threadTs?: string | undefined; message: string },
): Promise<void> {
  if (!to.channel) {
    // A button with no channel is one on the App Home: the refusal is shown there.
    if (deps.noticeOnHome) await deps.noticeOnHome({ user: to.user, message: to.message });
    else deps.logger.warn({ user: to.user }, 'refusal without a channel to answer in');
    return;
  }
  await deps.notify({
    op: 'ephemeral', channel: to.channel, user: to.user, priority: 'interactive', text: composed(to.message).toString(),
    ...(to.threadTs ? { thread: { ts: to.threadTs } } : {}),
  });
}
