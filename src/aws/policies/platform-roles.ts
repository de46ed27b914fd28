/** The permissions boundary of partner roles, and the verifier role. */
import { STACK_NAMES, type PlatformConfig } from './platform.js';
import { CANARY_PREFIX } from '../../domain/partner-id.js';
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import { objectsArn, partnerRolesPattern, POLICY_NAMES, TAGGED_HOME_PREFIX } from './names.js';
import { platformRole } from './role.js';
import { decryptViaS3, policy, readPrefixStatements, trustRole } from './statements.js';
import type { RenderedManagedPolicy, RenderedRole } from './types.js';

/**
 * The cap on every role the bot creates: at most read of the home its partner tag names
 * (`partners/${aws:PrincipalTag/partnergate:partner-id}/`) and decrypt through S3. Whatever policy a
 * partner role is given beside its own — an inline `s3:*`, AmazonS3ReadOnlyAccess, AdministratorAccess
 * attached by hand — it can never write, never leave its own home, never reach IAM or STS, never use
 * KMS directly. A role without the tag gets nothing through it. The boundary only intersects: the
 * role's inline policy names the home literally and is what grants, so a wrong or missing tag can
 * take access away, never add it (docs/security.md "A second layer").
 */
export function renderPermissionsBoundary(p: PlatformConfig): RenderedManagedPolicy {
  const document = policy(...readPrefixStatements(p, TAGGED_HOME_PREFIX, 'TaggedPartnerHome'));
  checkPolicySize('the permissions boundary', document, POLICY_SIZE_LIMITS.managedPolicy);
  const name = STACK_NAMES.permissionsBoundary;
  return { name, arn: p.permissionsBoundaryArn, path: STACK_NAMES.iamPath, policies: [{ name, document }] };
}

/**
 * The one principal partner roles and the Transfer role trust besides their users. It is assumed
 * by the bot for verification only, and may: assume partner roles and the Transfer role (to probe
 * as the partner), and read the canary object (to prove the canary exists, so that a partner's
 * AccessDenied there is the policy's answer and not a missing object).
 */
export function renderVerifierRole(p: PlatformConfig): RenderedRole {
  const trustPolicy = policy(trustRole('BotRunsVerification', p.botRoleArn));
  const permissions = policy(
    {
      Sid: 'AssumeProbeRoles',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: [partnerRolesPattern(p), p.transferRoleArn],
    },
    { Sid: 'ReadCanary', Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn(p, CANARY_PREFIX) },
    decryptViaS3(p, 'DecryptCanaryViaS3', ['kms:Decrypt']),
  );
  return platformRole('verifier role', p.verifierRoleArn, trustPolicy, POLICY_NAMES.verifier, permissions);
}
