import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import { REVIEW_FIELDS } from '../../messages/ids.js';
import type { ViewState } from '../../views/parse-onboard-submission.js';
import { readReviewKeepSubmission } from '../../views/review-keep-modal.js';

/** The Keep modal's submission: the review kept with its reason, or the refusal on the reason field. */
export const reviewKeepSubmission =
  (deps: BotDeps) =>
  async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const input = readReviewKeepSubmission(view.state.values as ViewState, view.private_metadata);
    if (input.reason === '') {
      await ack({ response_action: 'errors', errors: { [REVIEW_FIELDS.reason]: 'Say why the partner still needs its access.' } });
      return;
    }
    const result = await deps.answerReview({ ...input, actor: body.user.id, outcome: 'keep' });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [REVIEW_FIELDS.reason]: result.message } });
      return;
    }
    await ack();
  };
