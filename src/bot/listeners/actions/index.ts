/** Buttons, by action_id. */
import type { BotDeps } from '../../deps.js';
import { ACTIONS } from '../../messages/ids.js';
import { approvalButton } from './approval-buttons.js';
import { editPartnerButton } from './edit-partner-button.js';
import { reapplyButton } from './reapply-button.js';
import { resendButton } from './resend-button.js';
import { retryProvisionButton } from './retry-provision.js';
import { retryVerifyButton } from './retry-verify.js';

export const actionListeners = (deps: BotDeps) => new Map([
  [ACTIONS.approve, approvalButton(deps, 'request', 'approve')],
  [ACTIONS.reject, approvalButton(deps, 'request', 'reject')],
  [ACTIONS.retryProvision, retryProvisionButton(deps)],
  [ACTIONS.retryVerify, retryVerifyButton(deps)],
  [ACTIONS.resend, resendButton(deps)],
  [ACTIONS.changeApprove, approvalButton(deps, 'change', 'approve')],
  [ACTIONS.changeReject, approvalButton(deps, 'change', 'reject')],
  [ACTIONS.editPartner, editPartnerButton(deps)],
  [ACTIONS.reapplyDrift, reapplyButton(deps)],
]);
