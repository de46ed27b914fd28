/**
 * Options of external selects (block_suggestion), by action_id: the Home's partner id search. Only
 * full members are answered (the gate's `view`); anyone else gets no options.
 */
import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { HOME_ACTIONS } from '../../messages/ids.js';

export const partnerIdOptions =
  (deps: Pick<BotDeps, 'allows' | 'searchPartnerIds'>) =>
  async ({ ack, body, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    if (payload.action_id !== HOME_ACTIONS.filterId || !(await deps.allows('view', body.user.id))) {
      await ack({ options: [] });
      return;
    }
    await ack(await deps.searchPartnerIds(payload.value));
  };
