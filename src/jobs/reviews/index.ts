/** jobs/reviews: the access reviews' queue and worker (docs/reviews.md). */
export { createReviewsWorker, REVIEW_SCHEDULER_ID, REVIEW_SWEEP_JOB, REVIEWS_QUEUE, scheduleReviews } from './reviews.js';
