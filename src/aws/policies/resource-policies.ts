/**
 * The bucket policy and the KMS key policy. Both are constant: nothing in them names a partner,
 * so they are the same for 1 and for 10,000 partners.
 */
import type { PlatformConfig } from './platform.js';
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import {
  accountRootArn, bucketArn, objectsArn, PARTNER_TAG_CONTEXT_KEY, partnerRolesPattern, s3ViaService, TAGGED_HOME_PREFIX,
} from './names.js';
import { policy } from './statements.js';
import type { BucketSettings, PolicyDocument, PolicyStatement } from './types.js';

const KMS_KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE = 's3:x-amz-server-side-encryption';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

/**
 * The bucket's half of the second layer: every principal under the partner role path — whatever
 * its own policies, boundary or lack of one — may only read objects under the home its partner tag
 * names, and list only that home; without the tag, nothing in the bucket. The conditions read the
 * caller's role (`aws:PrincipalArn`, which AWS sets and no caller chooses) and its tag, never a
 * partner's name, so the policy stays constant. A Deny only takes away: like the boundary, a wrong
 * tag narrows a role's access and never adds to what its inline policy grants. The Transfer,
 * verifier and bot roles are not under the partner path and are untouched.
 */
function partnerRoleStatements(p: PlatformConfig): PolicyStatement[] {
  const bucket = bucketArn(p);
  const objects = objectsArn(p, '');
  const onPartnerPath = { ArnLike: { 'aws:PrincipalArn': partnerRolesPattern(p) } };
  return [
    {
      // A policy variable with no value leaves its statement unresolved: this refusal does not depend on one.
      Sid: 'PartnerRolesWithoutTheirTag',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucket, objects],
      Condition: { ...onPartnerPath, Null: { [PARTNER_TAG_CONTEXT_KEY]: 'true' } },
    },
    {
      Sid: 'PartnerRolesOnlyRead',
      Effect: 'Deny',
      Principal: '*',
      NotAction: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
      Resource: [bucket, objects],
      Condition: onPartnerPath,
    },
    {
      // NotResource: S3 has no condition key for an object's key. AWS documents variables in
      // Resource; were one refused here, ValidatePolicy (before every provisioning) would report it.
      Sid: 'PartnerRolesReadOnlyTheirHome',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      NotResource: objectsArn(p, TAGGED_HOME_PREFIX),
      Condition: onPartnerPath,
    },
    {
      // A negated operator is true when s3:prefix is absent: a listing without a prefix is refused too.
      Sid: 'PartnerRolesListOnlyTheirHome',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:ListBucket',
      Resource: bucket,
      Condition: { ...onPartnerPath, StringNotLike: { 's3:prefix': [TAGGED_HOME_PREFIX, `${TAGGED_HOME_PREFIX}*`] } },
    },
  ];
}

/**
 * Grants nothing. Refuses partner roles anything but reading their own home (above), plain-HTTP requests, and uploads (PutObject, which CopyObject is too)
 * that name another KMS key, another kind of encryption or a customer-provided key. An upload that
 * names none passes and gets the bucket's default encryption (SSE-KMS with the platform key). The
 * `Null … false` conditions make each refusal apply only when the header is present: a negated
 * operator alone would also match requests without it.
 */
export function renderBucketPolicy(p: PlatformConfig): PolicyDocument {
  const objects = objectsArn(p, '');
  const doc = policy(
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn(p), objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyUploadsNamingAnotherKey',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { [KMS_KEY_ID]: 'false' }, StringNotEquals: { [KMS_KEY_ID]: p.kmsKeyArn } },
    },
    {
      Sid: 'DenyUploadsNamingAnotherEncryption',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'aws:kms' } },
    },
    {
      Sid: 'DenyCustomerProvidedKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { [SSE_C]: 'false' } },
    },
    ...partnerRoleStatements(p),
  );
  checkPolicySize('the bucket policy', doc, POLICY_SIZE_LIMITS.bucketPolicy);
  return doc;
}

/**
 * The bucket's settings as platform.yaml deploys them (test/unit/manifests.test.ts holds the two
 * equal) and the platform check compares: no public access, ACLs disabled, SSE-KMS with the key.
 */
export function renderBucketSettings(p: PlatformConfig): BucketSettings {
  return {
    publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    objectOwnership: 'BucketOwnerEnforced',
    encryption: { algorithm: 'aws:kms', kmsKeyArn: p.kmsKeyArn, bucketKeyEnabled: true },
  };
}

/**
 * The account administers the key through IAM (the usual root statement), and the platform's own
 * principals — every role under the partner path, the Transfer, verifier and bot roles — may use it
 * only when S3 calls KMS for them. With Bucket Keys the encryption context is the bucket, so KMS
 * cannot tell partners apart: isolation is S3's job, and no partner principal reaches KMS directly.
 * The same refusal keeps the bot from changing the key policy, creating grants or disabling the key;
 * the calls it may make outside S3 are reads: this policy (kms:GetKeyPolicy) and the key's grants
 * (kms:ListGrants), which the platform check compares with this rendering and with none.
 */
export function renderKmsKeyPolicy(p: PlatformConfig): PolicyDocument {
  const doc = policy(
    {
      Sid: 'AccountAdministersKeyThroughIam',
      Effect: 'Allow',
      Principal: { AWS: accountRootArn(p, p.accountId) },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'PlatformPrincipalsOnlyThroughS3',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': [partnerRolesPattern(p), p.transferRoleArn, p.verifierRoleArn] },
        StringNotEquals: { 'kms:ViaService': s3ViaService(p) },
      },
    },
    {
      Sid: 'BotOnlyThroughS3OrReadingThisPolicy',
      Effect: 'Deny',
      Principal: '*',
      NotAction: ['kms:GetKeyPolicy', 'kms:ListGrants'],
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': p.botRoleArn },
        StringNotEquals: { 'kms:ViaService': s3ViaService(p) },
      },
    },
  );
  checkPolicySize('the KMS key policy', doc, POLICY_SIZE_LIMITS.kmsKeyPolicy);
  return doc;
}
