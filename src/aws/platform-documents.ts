/**
 * The platform-wide documents as AWS holds them, read for the platform check: the bucket policy,
 * the key policy and a managed policy's default version. One command per function (two for a
 * managed policy: its default version id, then that version), client first, SDK exceptions as
 * AwsError; "not there" answers null. Documents come back parsed.
 */
import { GetBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
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
  try {
    const out = await call('s3', 'GetBucketPolicy', () => client.send(new GetBucketPolicyCommand({ Bucket: bucket })));
    return parsed(out.Policy);
  } catch (err) {
    if (hasCode(err, 'NoSuchBucketPolicy')) return null;
    throw err;
  }
}

/** The key's policy (its only one, `default`); null when the key is not there. */
export async function getKeyPolicy(client: KMSClient, keyId: string): Promise<ReadDocument | null> {
  try {
    const out = await call('kms', 'GetKeyPolicy', () => client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })));
    return parsed(out.Policy);
  } catch (err) {
    if (hasCode(err, 'NotFoundException')) return null;
    throw err;
  }
}

/** A managed policy's default version: its id and document; null when the policy is not there. */
export async function getDefaultPolicyVersion(client: IAMClient, policyArn: string): Promise<{ versionId: string; document: ReadDocument | null } | null> {
  try {
    const policy = await call('iam', 'GetPolicy', () => client.send(new GetPolicyCommand({ PolicyArn: policyArn })));
    const versionId = policy.Policy?.DefaultVersionId;
    if (!versionId) return null;
    const version = await call('iam', 'GetPolicyVersion', () => client.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })));
    return { versionId, document: decodePolicyDocument(version.PolicyVersion?.Document) ?? null };
  } catch (err) {
    if (hasCode(err, 'NoSuchEntityException', 'NoSuchEntity')) return null;
    throw err;
  }
}
