/** Everything that governs one partner's access, and the platform-wide documents. Pure. */
import type { PlatformConfig } from './platform.js';
import { homePrefix } from '../../domain/partner-id.js';
import { renderBotRole } from './bot-role.js';
import { checkPartnerSpec } from './partner-spec.js';
import { renderPartnerRole, renderPartnerSidePolicy } from './partner-role.js';
import { renderPermissionsBoundary, renderVerifierRole } from './platform-roles.js';
import { renderBucketPolicy, renderBucketSettings, renderKmsKeyPolicy } from './resource-policies.js';
import { renderTransferRole, renderTransferUser } from './transfer.js';
import type { PartnerSpec, RenderedPartner, RenderedPlatform } from './types.js';

/** Throws ValidationError for a bad spec, PolicyTooLargeError when a document would not fit. */
export function renderPartner(platform: PlatformConfig, spec: PartnerSpec): RenderedPartner {
  const s = checkPartnerSpec(platform, spec);
  const withAccount = s.accountId === undefined ? null : { ...s, accountId: s.accountId };
  return {
    partnerId: s.partnerId,
    homePrefix: homePrefix(s.partnerId),
    transferUser: renderTransferUser(platform, s.partnerId),
    transferRole: renderTransferRole(platform),
    partnerRole: withAccount === null ? null : renderPartnerRole(platform, withAccount),
    bucketPolicy: renderBucketPolicy(platform),
    kmsKeyPolicy: renderKmsKeyPolicy(platform),
    partnerSidePolicy: withAccount === null ? null : renderPartnerSidePolicy(platform, s.partnerId),
  };
}

export function renderPlatform(platform: PlatformConfig): RenderedPlatform {
  return {
    bucketPolicy: renderBucketPolicy(platform),
    bucketSettings: renderBucketSettings(platform),
    kmsKeyPolicy: renderKmsKeyPolicy(platform),
    transferRole: renderTransferRole(platform),
    botRole: renderBotRole(platform),
    verifierRole: renderVerifierRole(platform),
    permissionsBoundary: renderPermissionsBoundary(platform),
  };
}
