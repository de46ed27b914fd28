/** Buttons, by action_id, with what each needs (src/domain/authorization.ts). */
import type { BotDeps } from '../../deps.js';
import { ACTIONS, HOME_ACTIONS } from '../../messages/ids.js';
import { gated } from '../gate.js';
import { approvalButton } from './approval-buttons.js';
import { editPartnerButton } from './edit-partner-button.js';
import { planDocumentsButton } from './plan-documents-button.js';
import { homeControl } from './home-filter.js';
import { reapplyButton } from './reapply-button.js';
import { resendButton } from './resend-button.js';
import { retryProvisionButton } from './retry-provision.js';
import { retryVerifyButton } from './retry-verify.js';
import { reviewKeepButton, reviewOffboardButton } from './review-buttons.js';

export const actionListeners = (deps: BotDeps) => new Map([
  [ACTIONS.approve, gated('decide', approvalButton(deps, 'request', 'approve'))],
  [ACTIONS.reject, gated('decide', approvalButton(deps, 'request', 'reject'))],
  [ACTIONS.retryProvision, gated('retry', retryProvisionButton(deps))],
  [ACTIONS.retryVerify, gated('retry', retryVerifyButton(deps))],
  [ACTIONS.resend, gated('resend', resendButton(deps))],
  [ACTIONS.changeApprove, gated('decide', approvalButton(deps, 'change', 'approve'))],
  [ACTIONS.changeReject, gated('decide', approvalButton(deps, 'change', 'reject'))],
  [ACTIONS.editPartner, gated('request', editPartnerButton(deps))],
  [ACTIONS.reapplyDrift, gated('reapply', reapplyButton(deps))],
  [ACTIONS.reviewKeep, gated('review', reviewKeepButton(deps))],
  [ACTIONS.reviewOffboard, gated('review', reviewOffboardButton(deps))],
  [ACTIONS.planDocuments, gated('view', planDocumentsButton(deps))],
  [HOME_ACTIONS.filterId, gated('view', homeControl(deps, 'id'))],
  [HOME_ACTIONS.filterStatus, gated('view', homeControl(deps, 'status'))],
  [HOME_ACTIONS.clear, gated('view', homeControl(deps, 'clear'))],
  [`${HOME_ACTIONS.page}_prev`, gated('view', homeControl(deps, 'page'))],
  [`${HOME_ACTIONS.page}_next`, gated('view', homeControl(deps, 'page'))],
]);
