/** Buttons, by action_id. */
import type { BotDeps } from '../../deps.js';
import { ACTIONS } from '../../messages/ids.js';
import { changeButton } from './change-buttons.js';
import { decisionButton } from './decision-buttons.js';
import { editPartnerButton } from './edit-partner-button.js';
import { reapplyButton } from './reapply-button.js';
import { resendButton } from './resend-button.js';
import { retryProvisionButton } from './retry-provision.js';
import { retryVerifyButton } from './retry-verify.js';

export const actionListeners = (deps: BotDeps) => new Map([
  [ACTIONS.approve, decisionButton(deps, 'approve')],
  [ACTIONS.reject, decisionButton(deps, 'reject')],
  [ACTIONS.retryProvision, retryProvisionButton(deps)],
  [ACTIONS.retryVerify, retryVerifyButton(deps)],
  [ACTIONS.resend, resendButton(deps)],
  [ACTIONS.changeApprove, changeButton(deps, 'approve')],
  [ACTIONS.changeReject, changeButton(deps, 'reject')],
  [ACTIONS.editPartner, editPartnerButton(deps)],
  [ACTIONS.reapplyDrift, reapplyButton(deps)],
]);
