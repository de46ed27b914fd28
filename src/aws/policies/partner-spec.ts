/**
 * The renderer's own guard on its input, with the same rules as the onboarding form (src/domain):
 * this is the last check before an id or an account becomes part of a policy.
 */
import type { PlatformConfig } from './platform.js';
import { checkPartnerAccountId } from '../../domain/aws-account-id.js';
import { checkFeeds } from '../../domain/feeds.js';
import type { FieldCheck } from '../../domain/field-check.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { ValidationError } from '../../domain/errors.js';
import type { PartnerSpec } from './types.js';

/** Letters, digits and `+=,.@:/-` as STS allows, at least 32 characters (the bot makes 43). */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{32,1224}$/;

/** Returns the spec, or throws ValidationError naming the field and the problem. */
export function checkPartnerSpec(p: PlatformConfig, spec: PartnerSpec): PartnerSpec {
  const idProblem = explainPartnerIdProblem(spec.partnerId);
  if (idProblem !== null) throw new ValidationError(idProblem, 'partnerId');
  if (spec.accountId !== undefined) orThrow(checkPartnerAccountId(spec.accountId, p.accountId), 'accountId');
  if (!EXTERNAL_ID_PATTERN.test(spec.externalId)) {
    throw new ValidationError('An ExternalId is 32 to 1,224 letters, digits or +=,.@:/- characters.', 'externalId');
  }
  orThrow(checkFeeds(spec.feeds, p.feeds), 'feeds');
  return spec;
}

function orThrow(check: FieldCheck<unknown>, field: string): void {
  if (!check.ok) throw new ValidationError(check.error, field);
}
