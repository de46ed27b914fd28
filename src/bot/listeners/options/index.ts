/**
 * Options of the one external select (block_suggestion, registered by its action_id): the Home's
 * partner id search. Only full members are answered (the gate's `view`); anyone else gets no options.
 */
import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';

export const partnerIdOptions =
  (deps: Pick<BotDeps, 'allows' | 'searchPartnerIds'>) =>
  async ({ ack, body, payload }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    if (!(await deps.allows('view', body.user.id))) {
      await ack({ options: [] });
      return;
    }
    await ack(await deps.searchPartnerIds(payload.value));
  };
