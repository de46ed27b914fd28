/** actions/lifecycle: what the rest of the program may use; everything else in this folder is internal. */
export { editPartner, partnerForEdit, type EditResult, type EditView, type PartnerEditSubmission } from './edit-partner.js';
export { partnerKeysView, requestKeyChanges, type KeyChangesResult, type KeysModalInput, type KeysSubmission } from './partner-keys.js';
export { requestReapply, type ReapplyInput } from './reapply-drift.js';
export { requestChange, type ChangeDeps, type RequestChangeResult } from './request-change.js';
