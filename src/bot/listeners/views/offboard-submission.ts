import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readOffboardSubmission } from '../../views/offboard-modal.js';
import type { ViewState } from '../../views/parse-onboard-submission.js';
import { LIFECYCLE_FIELDS } from '../../messages/ids.js';
import type { BotDeps } from '../../deps.js';

/** The offboard modal's submission: inline errors keyed by block, or the card goes to the partner's thread. */
export const offboardSubmission =
  (deps: BotDeps) =>
  async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const read = readOffboardSubmission(view.state.values as ViewState);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const result = await deps.requestChange({
      partnerId: read.partnerId, requestedBy: body.user.id, spec: { kind: 'offboard', prefix: read.prefix, reason: read.reason },
    });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [LIFECYCLE_FIELDS.partnerId]: result.message } });
      return;
    }
    await ack();
  };
