import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readPartnerEditSubmission } from '../../views/partner-edit-modal.js';
import type { ViewState } from '../../views/parse-onboard-submission.js';
import type { BotDeps } from '../../deps.js';

/** The edit modal's submission: inline errors keyed by block, or the changes applied (or sent for approval). */
export const partnerEditSubmission =
  (deps: BotDeps) =>
  async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const input = readPartnerEditSubmission(view.state.values as ViewState, view.private_metadata);
    const result = await deps.editPartner({ ...input, requestedBy: body.user.id });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    await ack();
  };
