/** The shared Transfer role and each partner's Transfer user. */
import type { PlatformConfig } from './platform.js';
import { homePrefix } from '../../domain/partner-id.js';
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import { PARTNER_TAG_KEY, POLICY_NAMES, TRANSFER_SERVICE, transferUsersPattern } from './names.js';
import { platformRole } from './role.js';
import { renderOwnPrefixPolicy } from './partner-role.js';
import { policy, readPrefixStatements, trustRole } from './statements.js';
import type { RenderedRole, TransferUserInput } from './types.js';

/**
 * The role every Transfer user runs as. Trust: Transfer, only for this account and this server
 * (confused-deputy guard), and the verifier role for probes. Permissions: read of `partners/`;
 * each user's session policy narrows it to the user's own prefix.
 */
export function renderTransferRole(p: PlatformConfig): RenderedRole {
  const trustPolicy = policy(
    {
      Sid: 'TransferForPlatformServer',
      Effect: 'Allow',
      Principal: { Service: TRANSFER_SERVICE },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': p.accountId },
        ArnLike: { 'aws:SourceArn': [p.transferServerArn, transferUsersPattern(p)] },
      },
    },
    trustRole('VerifierProbes', p.verifierRoleArn),
  );
  const permissions = policy(...readPrefixStatements(p, 'partners/', 'PartnerPrefixes'));
  return platformRole('Transfer role', p.transferRoleArn, trustPolicy, POLICY_NAMES.transferRead, permissions);
}

/**
 * The CreateUser input: the user sees `/` as its own prefix (LOGICAL home, one mapping), runs as
 * the shared Transfer role, and carries its session policy written out in full — no policy
 * variables — within Transfer's 2,048-character limit. SSH keys are imported separately.
 */
export function renderTransferUser(p: PlatformConfig, partnerId: string): TransferUserInput {
  const prefix = homePrefix(partnerId);
  const session = renderOwnPrefixPolicy(p, partnerId);
  checkPolicySize(`the Transfer session policy of ${partnerId}`, session, POLICY_SIZE_LIMITS.transferSessionPolicy);
  return {
    ServerId: p.transferServerId,
    UserName: partnerId,
    Role: p.transferRoleArn,
    HomeDirectoryType: 'LOGICAL',
    HomeDirectoryMappings: [{ Entry: '/', Target: `/${p.bucket}/${prefix.slice(0, -1)}` }],
    Policy: session,
    Tags: [{ Key: PARTNER_TAG_KEY, Value: partnerId }],
  };
}

/** The request to send: the same input with `Policy` serialized as Transfer expects it. */
export function toCreateUserRequest(user: TransferUserInput): Omit<TransferUserInput, 'Policy'> & { Policy: string } {
  return { ...user, Policy: JSON.stringify(user.Policy) };
}
