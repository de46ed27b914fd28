/** A partner's own role (for partners with an AWS account) and what the partner attaches to use it. */
import { STACK_NAMES, type PlatformConfig } from './platform.js';
import { homePrefix } from '../../domain/partner-id.js';
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import { accountRootArn, PARTNER_TAG_KEY, partnerRoleArn, partnerRoleName, POLICY_NAMES } from './names.js';
import { policy, readPrefixStatements, trustRole } from './statements.js';
import type { PolicyDocument, RenderedPartnerRole } from './types.js';

/** The session policy of the partner's Transfer user and the permissions of its role: the same. */
export function renderOwnPrefixPolicy(p: PlatformConfig, partnerId: string): PolicyDocument {
  return policy(...readPrefixStatements(p, homePrefix(partnerId), 'OwnPrefix'));
}

/**
 * Trust: the partner account's root may call sts:AssumeRole (nothing else: no TagSession, no
 * SetSourceIdentity) with the partner's ExternalId; the verifier role may assume it for probes.
 */
export function renderPartnerTrustPolicy(
  p: PlatformConfig,
  partner: { accountId: string; externalId: string },
): PolicyDocument {
  return policy(
    {
      Sid: 'PartnerAccountWithExternalId',
      Effect: 'Allow',
      Principal: { AWS: accountRootArn(p, partner.accountId) },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': partner.externalId } },
    },
    trustRole('VerifierProbes', p.verifierRoleArn),
  );
}

export function renderPartnerRole(
  p: PlatformConfig,
  partner: { partnerId: string; accountId: string; externalId: string },
): RenderedPartnerRole {
  const name = `partner role of ${partner.partnerId}`;
  const trustPolicy = renderPartnerTrustPolicy(p, partner);
  const permissions = renderOwnPrefixPolicy(p, partner.partnerId);
  checkPolicySize(`the trust policy of the ${name}`, trustPolicy, POLICY_SIZE_LIMITS.trustPolicy);
  checkPolicySize(`the inline policies of the ${name}`, permissions, POLICY_SIZE_LIMITS.roleInlinePolicies);
  return {
    roleName: partnerRoleName(partner.partnerId),
    arn: partnerRoleArn(p, partner.partnerId),
    path: STACK_NAMES.partnerRolePath,
    permissionsBoundary: p.permissionsBoundaryArn,
    trustPolicy,
    policies: [{ name: POLICY_NAMES.partnerRead, document: permissions }],
    tags: { [PARTNER_TAG_KEY]: partner.partnerId },
  };
}

/**
 * What offboarding puts on a partner role first and leaves there until the role is deleted: a trust
 * that lets no one assume it (the partner's account and the verifier included), and an inline Deny
 * of everything, which every session of the role, however old, is refused by. Both only take access
 * away: whatever fails after them, the role can neither be assumed nor used.
 */
export function renderLockedPartnerRole(): { trustPolicy: PolicyDocument; lock: { name: string; document: PolicyDocument } } {
  return {
    trustPolicy: policy({ Sid: 'OffboardedNoOneMayAssume', Effect: 'Deny', Principal: '*', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] }),
    lock: { name: POLICY_NAMES.offboardLock, document: policy({ Sid: 'OffboardedDenyEverything', Effect: 'Deny', Action: '*', Resource: '*' }) },
  };
}

/** For the welcome text: the identity policy the partner attaches in its own account. */
export function renderPartnerSidePolicy(p: PlatformConfig, partnerId: string): PolicyDocument {
  const doc = policy({
    Sid: 'AssumePartnergateRole',
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Resource: partnerRoleArn(p, partnerId),
  });
  checkPolicySize(`the partner-side policy of ${partnerId}`, doc, POLICY_SIZE_LIMITS.managedPolicy);
  return doc;
}
