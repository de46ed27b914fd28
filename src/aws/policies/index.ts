/** The pure policy renderer: from PlatformConfig and a PartnerSpec to every access document. */
export type * from './types.js';
export { renderPartner, renderPlatform } from './render.js';
export { planHash, canonicalJson } from './plan-hash.js';
export { checkPartnerSpec, EXTERNAL_ID_PATTERN } from './partner-spec.js';
export { BOT_RUNS_AS_ROLE_PATTERN, botRunsAsRoleArn, renderBotRole } from './bot-role.js';
export { botRightSamples, type RightSample, type RightsGroup } from './bot-rights.js';
export { renderPermissionsBoundary, renderVerifierRole } from './platform-roles.js';
export { renderBucketPolicy, renderBucketSettings, renderKmsKeyPolicy } from './resource-policies.js';
export { renderLockedPartnerRole, renderOwnPrefixPolicy, renderPartnerRole, renderPartnerSidePolicy, renderPartnerTrustPolicy } from './partner-role.js';
export { renderTransferRole, renderTransferUser, toCreateUserRequest } from './transfer.js';
export { checkPolicySize, policySize, PolicyTooLargeError, POLICY_SIZE_LIMITS, QUOTAS } from './limits.js';
export { identityPolicies } from './role.js';
export {
  botPolicyArns,
  bucketArn,
  DELIVERY_QUEUE_NAME,
  PLATFORM_EVENTS_QUEUE_NAME,
  PARTNER_ROLE_NAME_PREFIX,
  PARTNER_TAG_CONTEXT_KEY,
  PARTNER_TAG_KEY,
  partnerRoleArn,
  partnerRoleName,
  partnerRolesPattern,
  POLICY_NAMES,
  TAGGED_HOME_PREFIX,
} from './names.js';
export { STACK_NAMES, type PlatformConfig } from './platform.js';
export { pickupEventScope, platformEventScope } from './names.js';
