/**
 * The platform check's comparison (pure): the documents every partner depends on, as read from AWS,
 * against the renderer's — what differs, part by part, with the documents for the diff — and the
 * hash a report is made once for.
 */
import { describe, expect, it } from 'vitest';
import { renderPlatform, type PolicyDocument } from '../../../../src/aws/policies/index.js';
import { comparePlatform, type DeployedRole, type PlatformSnapshot } from '../../../../src/jobs/lifecycle/platform-drift.js';
import { PLATFORM_PARTS, platformDriftOf, platformPartHash } from '../../../../src/domain/drift.js';
import { driftDiffLines } from '../../../../src/bot/messages/drift.js';
import { testPlatform } from '../../../support/iam-fixtures.js';

const platform = testPlatform();
const rendered = renderPlatform(platform);

const asDeployed = (role: typeof rendered.transferRole): DeployedRole => ({
  trustPolicy: structuredClone(role.trustPolicy),
  inline: Object.fromEntries(role.policies.map((p) => [p.name, structuredClone(p.document)])),
  attached: [],
});

/** The platform exactly as the stack deploys it (documents read back as parsed JSON, keys in another order). */
function deployed(): Required<PlatformSnapshot> {
  const reversed = (doc: PolicyDocument) => Object.fromEntries(Object.entries(structuredClone(doc)).reverse()) as unknown as PolicyDocument;
  return {
    'bucket-policy': reversed(rendered.bucketPolicy),
    'bucket-settings': structuredClone(rendered.bucketSettings),
    'key-policy': reversed(rendered.kmsKeyPolicy),
    'key-grants': [],
    'transfer-role': asDeployed(rendered.transferRole),
    'verifier-role': asDeployed(rendered.verifierRole),
    'permissions-boundary': { versionId: 'v1', document: structuredClone(rendered.permissionsBoundary.policies[0]!.document) },
  };
}

const everyone = { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${platform.bucket}/*` };

describe('comparePlatform', () => {
  it('when every document is as the stack deploys it (key order aside), then nothing differs, and every part was compared', () => {
    const drift = comparePlatform(rendered, deployed());
    expect(drift).toEqual({ parts: [...PLATFORM_PARTS], items: [], documents: [] });
    for (const part of PLATFORM_PARTS) expect(platformPartHash(drift, part)).toBeNull();
  });

  it('when a statement is added to the bucket policy, then the bucket policy differs, with both documents for the diff', () => {
    const d = deployed();
    const widened = structuredClone(rendered.bucketPolicy);
    widened.Statement.push(everyone as never);
    d['bucket-policy'] = widened;
    const drift = comparePlatform(rendered, d);
    expect(drift.items).toEqual([{ part: 'bucket-policy', line: 'the bucket policy differs' }]);
    expect(drift.documents).toEqual([{ part: 'bucket-policy', name: 'bucket policy', actual: widened, intended: rendered.bucketPolicy }]);
    const diff = driftDiffLines(drift.documents, 'stack');
    expect(diff[0]).toBe('--- bucket policy: AWS now');
    expect(diff[1]).toBe('+++ bucket policy: as rendered (the platform stack deploys this)');
    expect(diff).toContain('-      "Sid": "Everyone"');
  });

  it('when an administrator turns off public access blocks, enables ACLs and swaps the default key, then each setting is its own line, with the settings for the diff', () => {
    const d = deployed();
    d['bucket-settings'] = {
      publicAccessBlock: { ...rendered.bucketSettings.publicAccessBlock, BlockPublicPolicy: false, RestrictPublicBuckets: false },
      objectOwnership: 'ObjectWriter',
      encryption: { algorithm: 'aws:kms', kmsKeyArn: 'arn:aws:kms:eu-west-1:999999999999:key/other', bucketKeyEnabled: true },
    };
    const drift = comparePlatform(rendered, d);
    expect(drift.items.map((i) => i.line)).toEqual([
      'the bucket’s public access block has BlockPublicPolicy off',
      'the bucket’s public access block has RestrictPublicBuckets off',
      'the bucket’s object ownership is ObjectWriter, so ACLs can grant access (rendered: BucketOwnerEnforced)',
      'the bucket’s default encryption uses arn:aws:kms:eu-west-1:999999999999:key/other, not the platform key',
    ]);
    expect(drift.documents).toEqual([{ part: 'bucket-settings', name: 'bucket settings', actual: d['bucket-settings'], intended: rendered.bucketSettings }]);
    expect(platformPartHash(drift, 'bucket-settings')).not.toBeNull();
    expect(platformPartHash(drift, 'bucket-policy')).toBeNull();
  });

  it('when the bucket has no public access block, no ownership rule and no default encryption, then all three are missing; a key named by its id alone is the platform key', () => {
    const d = deployed();
    d['bucket-settings'] = { publicAccessBlock: null, objectOwnership: null, encryption: null };
    expect(comparePlatform(rendered, d).items.map((i) => i.line)).toEqual([
      'the bucket has no public access block',
      'the bucket’s object ownership is not set, so ACLs can grant access (rendered: BucketOwnerEnforced)',
      'the bucket has no default encryption',
    ]);
    const keyId = platform.kmsKeyArn.split('/').pop()!;
    d['bucket-settings'] = { ...structuredClone(rendered.bucketSettings), encryption: { algorithm: 'aws:kms', kmsKeyArn: keyId, bucketKeyEnabled: false } };
    expect(comparePlatform(rendered, d).items.map((i) => i.line)).toEqual(['the bucket’s default encryption has Bucket Keys off']);
  });

  it('when someone creates a grant on the key, then the grant is reported with its grantee and operations (the platform renders none)', () => {
    const d = deployed();
    const grant = { grantId: 'g-1', grantee: 'arn:aws:iam::999999999999:root', operations: ['Decrypt', 'GenerateDataKey'], name: null };
    d['key-grants'] = [grant];
    const drift = comparePlatform(rendered, d);
    expect(drift.items).toEqual([{ part: 'key-grants', line: 'the KMS key has a grant (g-1) letting arn:aws:iam::999999999999:root Decrypt, GenerateDataKey' }]);
    expect(drift.documents).toEqual([{ part: 'key-grants', name: 'KMS key grants', actual: [grant], intended: [] }]);
  });

  it('when the bucket policy or the key policy is gone, or the key policy is not JSON, then each is reported as such', () => {
    const d = deployed();
    d['bucket-policy'] = null;
    d['key-policy'] = 'not json';
    const drift = comparePlatform(rendered, d);
    expect(drift.items).toEqual([
      { part: 'bucket-policy', line: 'the bucket policy is missing' },
      { part: 'key-policy', line: 'the KMS key policy differs' },
    ]);
    expect(drift.documents.map((x) => x.actual)).toEqual([null, 'not json']);
  });

  it('when the Transfer role has another trust, an inline policy changed and one added, and a managed policy attached, then each is an item', () => {
    const d = deployed();
    const role = d['transfer-role']!;
    role.trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' }] };
    role.inline['partnergate-transfer-read-partners'] = { Version: '2012-10-17', Statement: [everyone] };
    role.inline['by-hand'] = { Version: '2012-10-17', Statement: [] };
    role.attached = ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'];
    const drift = comparePlatform(rendered, d);
    expect(drift.items.map((i) => i.line)).toEqual([
      'the Transfer role partnergate-transfer: trust policy differs',
      'the Transfer role partnergate-transfer: inline policy partnergate-transfer-read-partners differs',
      'the Transfer role partnergate-transfer: inline policy by-hand is not rendered',
      'the Transfer role partnergate-transfer: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is attached (not rendered)',
    ]);
    expect(drift.items.every((i) => i.part === 'transfer-role')).toBe(true);
    expect(drift.documents.map((x) => [x.name, x.intended === null])).toEqual([
      ['IAM role partnergate-transfer: trust policy', false],
      ['IAM role partnergate-transfer: inline policy partnergate-transfer-read-partners', false],
      ['IAM role partnergate-transfer: inline policy by-hand', true],
      ['IAM role partnergate-transfer: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', true],
    ]);
  });

  it('when the verifier role is gone or lost its inline policy, then it is missing', () => {
    const d = deployed();
    d['verifier-role'] = null;
    expect(comparePlatform(rendered, d).items).toEqual([{ part: 'verifier-role', line: 'the verifier role partnergate-verifier is missing' }]);
    d['verifier-role'] = { ...asDeployed(rendered.verifierRole), inline: {} };
    expect(comparePlatform(rendered, d).items).toEqual([{ part: 'verifier-role', line: 'the verifier role partnergate-verifier: inline policy partnergate-verifier-probes is missing' }]);
  });

  it('when the boundary has a new default version with another document, then the boundary differs, naming the version', () => {
    const d = deployed();
    d['permissions-boundary'] = { versionId: 'v3', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } };
    const drift = comparePlatform(rendered, d);
    expect(drift.items).toEqual([{ part: 'permissions-boundary', line: 'the permissions boundary policy partnergate-partner-boundary: its default version (v3) differs' }]);
    expect(drift.documents[0]!.name).toBe('permissions boundary partnergate-partner-boundary (default version v3)');
    d['permissions-boundary'] = null;
    expect(comparePlatform(rendered, d).items.map((i) => i.line)).toEqual(['the permissions boundary policy partnergate-partner-boundary is missing']);
  });

  it('when only some parts were read, then only those are compared', () => {
    const drift = comparePlatform(rendered, { 'key-policy': null });
    expect(drift.parts).toEqual(['key-policy']);
    expect(drift.items).toEqual([{ part: 'key-policy', line: 'the KMS key policy is missing' }]);
  });

  it('when a part changes again, then its hash changes; another part\'s does not', () => {
    const d = deployed();
    d['bucket-policy'] = { Version: '2012-10-17', Statement: [everyone] };
    d['key-policy'] = null;
    const first = comparePlatform(rendered, d);
    d['bucket-policy'] = { Version: '2012-10-17', Statement: [{ ...everyone, Sid: 'Other' }] };
    const second = comparePlatform(rendered, d);
    expect(platformPartHash(first, 'bucket-policy')).toMatch(/^[0-9a-f]{64}$/);
    expect(platformPartHash(second, 'bucket-policy')).not.toBe(platformPartHash(first, 'bucket-policy'));
    expect(platformPartHash(second, 'key-policy')).toBe(platformPartHash(first, 'key-policy'));
    expect(platformDriftOf(second, ['key-policy'])).toEqual({ parts: ['key-policy'], items: [second.items[1]], documents: [second.documents[1]] });
  });
});
