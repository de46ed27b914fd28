/** actions/reviews: access reviews (docs/reviews.md) — the sweep the job runs, and answering a review. */
export { answerReview, reviewForAnswer, type AnswerInput, type AnswerResult } from './answer.js';
export type { ReviewDeps } from './deps.js';
export { sweepReviews, type ReviewSweepResult } from './sweep.js';
