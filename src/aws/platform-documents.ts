/**
 * The platform-wide documents as AWS holds them, read for the platform check: the bucket policy and
 * settings (public access block, object ownership, default encryption), the key policy and grants,
 * and a managed policy's default version. One command per function (two for a
 * managed policy: its default version id, then that version), client first, SDK exceptions as
 * AwsError; "not there" answers null. Documents come back parsed.
 */
import {
  GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, ListGrantsCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetPolicyCommand, GetPolicyVersionCommand, type IAMClient } from '@aws-sdk/client-iam';
import { call, hasCode } from './aws-error.js';
import { decodePolicyDocument, type PolicyDocument } from './iam.js';

/** A document as read: parsed JSON, or the text itself when it is not JSON. */
export type ReadDocument = PolicyDocument | string;

/** A policy as S3 and KMS answer it (a JSON string), parsed; the text itself when it is not JSON. */
function parsed(text: string | undefined): ReadDocument | null {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    return text;
  }
}

/** The bucket's policy; null when it has none. */
export async function getBucketPolicy(client: S3Client, bucket: string): Promise<ReadDocument | null> {
  const out = await orNull(() => call('s3', 'GetBucketPolicy', () => client.send(new GetBucketPolicyCommand({ Bucket: bucket }))), 'NoSuchBucketPolicy');
  return out === null ? null : parsed(out.Policy);
}

/** The key's policy (its only one, `default`); null when the key is not there. */
export async function getKeyPolicy(client: KMSClient, keyId: string): Promise<ReadDocument | null> {
  const out = await orNull(() => call('kms', 'GetKeyPolicy', () => client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))), 'NotFoundException');
  return out === null ? null : parsed(out.Policy);
}

/** A managed policy's default version: its id and document; null when the policy is not there. */
export async function getDefaultPolicyVersion(client: IAMClient, policyArn: string): Promise<{ versionId: string; document: ReadDocument | null } | null> {
  return orNull(async () => {
    const policy = await call('iam', 'GetPolicy', () => client.send(new GetPolicyCommand({ PolicyArn: policyArn })));
    const versionId = policy.Policy?.DefaultVersionId;
    if (!versionId) return null;
    const version = await call('iam', 'GetPolicyVersion', () => client.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })));
    return { versionId, document: decodePolicyDocument(version.PolicyVersion?.Document) ?? null };
  }, 'NoSuchEntityException', 'NoSuchEntity');
}

/** What `read` answers; null when AWS answers one of the `missing` codes (not there), other errors thrown. */
async function orNull<T>(read: () => Promise<T>, ...missing: string[]): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (hasCode(err, ...missing)) return null;
    throw err;
  }
}

/** The bucket's settings as S3 answers them; each null when the bucket has none of that kind. */
export interface DeployedBucketSettings {
  publicAccessBlock: Record<string, boolean> | null;
  /** The ownership rule (`BucketOwnerEnforced` disables ACLs). */
  objectOwnership: string | null;
  /** The default encryption rule: its algorithm, key and whether Bucket Keys are on. */
  encryption: { algorithm: string; kmsKeyArn: string | null; bucketKeyEnabled: boolean } | null;
}

/** Three reads: GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketEncryption. */
export async function getBucketSettings(client: S3Client, bucket: string): Promise<DeployedBucketSettings> {
  const publicAccessBlock = await orNull(async () => {
    const out = await call('s3', 'GetPublicAccessBlock', () => client.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));
    const c = out.PublicAccessBlockConfiguration ?? {};
    return {
      BlockPublicAcls: c.BlockPublicAcls === true, IgnorePublicAcls: c.IgnorePublicAcls === true,
      BlockPublicPolicy: c.BlockPublicPolicy === true, RestrictPublicBuckets: c.RestrictPublicBuckets === true,
    };
  }, 'NoSuchPublicAccessBlockConfiguration');
  const objectOwnership = await orNull(async () => {
    const out = await call('s3', 'GetBucketOwnershipControls', () => client.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })));
    return out.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null;
  }, 'OwnershipControlsNotFoundError');
  const encryption = await orNull(async () => {
    const out = await call('s3', 'GetBucketEncryption', () => client.send(new GetBucketEncryptionCommand({ Bucket: bucket })));
    const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0];
    if (!rule?.ApplyServerSideEncryptionByDefault) return null;
    const d = rule.ApplyServerSideEncryptionByDefault;
    return { algorithm: d.SSEAlgorithm ?? '', kmsKeyArn: d.KMSMasterKeyID ?? null, bucketKeyEnabled: rule.BucketKeyEnabled === true };
  }, 'ServerSideEncryptionConfigurationNotFoundError');
  return { publicAccessBlock, objectOwnership, encryption };
}

/** A grant on the key: who may use it for what (ListGrants). */
export interface KeyGrant {
  grantId: string;
  grantee: string;
  operations: string[];
  name: string | null;
}

/** Every grant on the key (ListGrants, pages followed); empty when there are none. */
export async function listKeyGrants(client: KMSClient, keyId: string): Promise<KeyGrant[]> {
  const grants: KeyGrant[] = [];
  let marker: string | undefined;
  do {
    const out = await call('kms', 'ListGrants', () => client.send(new ListGrantsCommand({ KeyId: keyId, ...(marker ? { Marker: marker } : {}) })));
    for (const g of out.Grants ?? []) {
      grants.push({ grantId: g.GrantId ?? '', grantee: g.GranteePrincipal ?? '', operations: [...(g.Operations ?? [])].sort(), name: g.Name ?? null });
    }
    marker = out.Truncated ? out.NextMarker : undefined;
  } while (marker);
  return grants;
}
