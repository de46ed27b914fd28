import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';

/**
 * The Home tab was opened: the person's Home is published at once from the stores
 * (docs/app-home.md). The Messages tab opens the same event (`tab: 'messages'`): nothing to do.
 */
export const appHomeOpened =
  (deps: Pick<BotDeps, 'openHome'>) =>
  async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await deps.openHome({ user: event.user, shown: event.view !== undefined });
  };
