/** The access review's Keep modal (docs/reviews.md) and the reading of its submission. Pure. */
import type { types } from '@slack/bolt';
import { REASON_MAX } from '../../domain/reviews.js';
import { REVIEW_FIELDS as F, VIEWS } from '../messages/ids.js';
import { capped, code, mrkdwn } from '../messages/mrkdwn.js';
import type { ViewState } from './parse-onboard-submission.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

export function buildReviewKeepModal(r: { reviewId: string; partnerId: string; displayName: string }): types.View {
  return {
    type: 'modal',
    callback_id: VIEWS.reviewKeep,
    title: text('Keep this partner'),
    submit: text('Keep'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ reviewId: r.reviewId }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn`Why does ${code(r.partnerId)} (${capped(r.displayName, 200)}) still need its access? The reason is kept in the audit trail.`.toString() } },
      {
        type: 'input', block_id: F.reason, label: text('Reason'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: REASON_MAX },
      },
    ],
  };
}

/** The review id (from the modal's metadata) and the reason as typed (trimmed, at most REASON_MAX). */
export function readReviewKeepSubmission(state: ViewState, privateMetadata: string | undefined): { reviewId: string; reason: string } {
  let reviewId = '';
  try {
    const meta = JSON.parse(privateMetadata ?? '{}') as { reviewId?: unknown };
    if (typeof meta.reviewId === 'string') reviewId = meta.reviewId;
  } catch {
    // Not ours: the use case refuses an unknown review.
  }
  return { reviewId, reason: (state[F.reason]?.['value']?.value ?? '').trim().slice(0, REASON_MAX) };
}
