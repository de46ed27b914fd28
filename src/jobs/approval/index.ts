/** jobs/approval: what the rest of the program may use; everything else in this folder is internal. */
export { createExpiryWorker, scheduleExpiry } from './expire-requests.js';
