/** Modal submissions, by callback_id, with what each needs (src/domain/authorization.ts). */
import type { BotDeps } from '../../deps.js';
import { VIEWS } from '../../messages/ids.js';
import { gated } from '../gate.js';
import { offboardSubmission } from './offboard-submission.js';
import { onboardSubmission } from './onboard-submission.js';
import { partnerEditSubmission } from './partner-edit-submission.js';
import { partnerKeysSubmission } from './partner-keys-submission.js';
import { reviewKeepSubmission } from './review-keep-submission.js';

export const viewListeners = (deps: BotDeps) => new Map([
  [VIEWS.onboard, gated('request', onboardSubmission(deps))],
  [VIEWS.offboard, gated('request', offboardSubmission(deps))],
  [VIEWS.partnerKeys, gated('request', partnerKeysSubmission(deps))],
  [VIEWS.partnerEdit, gated('request', partnerEditSubmission(deps))],
  [VIEWS.reviewKeep, gated('review', reviewKeepSubmission(deps))],
]);
