/** actions/approval: what the rest of the program may use; everything else in this folder is internal. */
export { checkApproval, checkChangeApproval, checkIntegrity, type ApprovalRefusal, type CheckChangeDeps } from './check-approval.js';
export { integrityFailureLine, reportIntegrityFailure, type IntegrityAlertDeps, type IntegrityFailure } from './integrity.js';
export { decide, expire, type ApprovalDeps, type DecideDeps, type DecideInput, type DecideResult } from './decide.js';
export { changeApprovals, requestApprovals, type ApprovalKind } from './kinds.js';
export { expireDue, nudgeDue } from './sweep.js';
