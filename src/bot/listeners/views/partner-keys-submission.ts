import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readPartnerKeysSubmission } from '../../views/partner-keys-modal.js';
import type { ViewState } from '../../views/parse-onboard-submission.js';
import type { BotDeps } from '../../deps.js';

/** The keys modal's submission: inline errors keyed by block, or change cards in the partner's thread. */
export const partnerKeysSubmission =
  (deps: BotDeps) =>
  async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const input = readPartnerKeysSubmission(view.state.values as ViewState, view.private_metadata);
    const result = await deps.requestKeyChanges({ ...input, requestedBy: body.user.id });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    await ack();
  };
