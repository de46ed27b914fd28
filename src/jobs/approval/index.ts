/** jobs/approval: what the rest of the program may use; everything else in this folder is internal. */
export { createApprovalSweepWorker, scheduleApprovalSweep } from './approval-sweep.js';
