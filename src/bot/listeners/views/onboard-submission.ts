import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { errorsByBlock, readOnboardSubmission, type ViewState } from '../../views/parse-onboard-submission.js';
import type { BotDeps } from '../../deps.js';

/**
 * The modal's submission: validate and store within Slack's 3 s, answering inline errors keyed by
 * block, or closing the modal once the request is stored (the card goes out through the queue).
 */
export const onboardSubmission =
  (deps: BotDeps) =>
  async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const raw = readOnboardSubmission(view.state.values as ViewState);
    const result = await deps.requestOnboarding({ raw, requestedBy: body.user.id });
    if (!result.ok) {
      deps.metrics.onboardingRequests.inc({ outcome: 'invalid' });
      await ack({ response_action: 'errors', errors: errorsByBlock(result.errors) });
      return;
    }
    deps.metrics.onboardingRequests.inc({ outcome: 'created' });
    await ack();
  };
