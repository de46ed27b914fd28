/** actions/approval: what the rest of the program may use; everything else in this folder is internal. */
export { createApproverDirectory } from './approvers.js';
export { checkApproval } from './check-approval.js';
export { changeApprovalProblem } from './check-change-approval.js';
export { decideChange, expireChange, type DecideChangeInput, type DecideChangeResult } from './decide-change.js';
export { decideRequest, expireRequest, type DecideInput, type DecideResult } from './decide-request.js';
