/** Modal submissions, by callback_id. */
import type { BotDeps } from '../../deps.js';
import { VIEWS } from '../../messages/ids.js';
import { offboardSubmission } from './offboard-submission.js';
import { onboardSubmission } from './onboard-submission.js';
import { partnerEditSubmission } from './partner-edit-submission.js';
import { partnerKeysSubmission } from './partner-keys-submission.js';

export const viewListeners = (deps: BotDeps) => new Map([
  [VIEWS.onboard, onboardSubmission(deps)],
  [VIEWS.offboard, offboardSubmission(deps)],
  [VIEWS.partnerKeys, partnerKeysSubmission(deps)],
  [VIEWS.partnerEdit, partnerEditSubmission(deps)],
]);
