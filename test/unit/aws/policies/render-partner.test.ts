import { describe, expect, it } from 'vitest';
import {
  planHash,
  POLICY_SIZE_LIMITS,
  policySize,
  renderPartner,
  renderTransferUser,
  toCreateUserRequest,
  type PolicyDocument,
} from '../../../../src/aws/policies/index.js';
import { PolicyTooLargeError } from '../../../../src/aws/policies/limits.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { list, partnerSpec, statement, testPlatform } from '../../../support/iam-fixtures.js';

const platform = testPlatform();
const bucket = 'arn:aws:s3:::partnergate-dist-test';
const key = platform.kmsKeyArn;
const verifier = 'arn:aws:iam::111122223333:role/partnergate/partnergate-verifier';

function expectOwnPrefixOnly(doc: PolicyDocument, id: string): void {
  expect(doc.Statement.map((s) => s.Sid)).toEqual(['ListOwnPrefix', 'ReadOwnPrefix', 'DecryptOwnPrefixViaS3']);
  expect(doc.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
  const listing = statement(doc, 'ListOwnPrefix');
  expect(listing.Action).toBe('s3:ListBucket');
  expect(listing.Resource).toBe(bucket);
  // Both values end in the slash: `partners/<id>` alone would list `partners/<id>-corp/` too.
  expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': [`partners/${id}/`, `partners/${id}/*`] } });
  const read = statement(doc, 'ReadOwnPrefix');
  expect(list(read.Action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  expect(read.Resource).toBe(`${bucket}/partners/${id}/*`);
  const decrypt = statement(doc, 'DecryptOwnPrefixViaS3');
  expect(decrypt.Action).toBe('kms:Decrypt');
  expect(decrypt.Resource).toBe(key);
  expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
}

describe('renderPartner', () => {
  describe('when the partner has no AWS account', () => {
    const rendered = renderPartner(platform, partnerSpec('acme'));

    it('then it renders the Transfer user with a LOGICAL home on its own prefix only', () => {
      const user = rendered.transferUser;
      expect(user.ServerId).toBe(platform.transferServerId);
      expect(user.UserName).toBe('acme');
      expect(user.Role).toBe(platform.transferRoleArn);
      expect(user.HomeDirectoryType).toBe('LOGICAL');
      expect(user.HomeDirectoryMappings).toEqual([{ Entry: '/', Target: '/partnergate-dist-test/partners/acme' }]);
      expect(user.Tags).toEqual([{ Key: 'partnergate:partner-id', Value: 'acme' }]);
      expect(rendered.homePrefix).toBe('partners/acme/');
    });

    it('then the session policy is read of its own prefix, literal, without policy variables, under 2,048', () => {
      expectOwnPrefixOnly(rendered.transferUser.Policy, 'acme');
      const sent = toCreateUserRequest(rendered.transferUser).Policy;
      expect(sent).not.toContain('${');
      expect(sent.length).toBeLessThan(POLICY_SIZE_LIMITS.transferSessionPolicy);
      expect(JSON.parse(sent)).toEqual(rendered.transferUser.Policy);
    });

    it('then there is no partner role and no partner-side policy', () => {
      expect(rendered.partnerRole).toBeNull();
      expect(rendered.partnerSidePolicy).toBeNull();
    });

    it('then the JSON has exactly the documented keys', () => {
      expect(Object.keys(rendered).sort()).toEqual(
        ['bucketPolicy', 'homePrefix', 'kmsKeyPolicy', 'partnerId', 'partnerRole', 'partnerSidePolicy', 'transferRole', 'transferUser'].sort(),
      );
      expect(Object.keys(rendered.transferRole).sort()).toEqual(['arn', 'policies', 'roleName', 'trustPolicy']);
    });
  });

  describe('when the partner has an AWS account', () => {
    const rendered = renderPartner(platform, partnerSpec('acme-corp', '444455556666'));
    const role = rendered.partnerRole!;

    it('then its role lives under the partner path with the permissions boundary and a partner tag', () => {
      expect(role.roleName).toBe('partnergate-partner-acme-corp');
      expect(role.roleName.length).toBeLessThanOrEqual(64);
      expect(role.path).toBe('/partnergate/partners/');
      expect(role.arn).toBe('arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme-corp');
      expect(role.permissionsBoundary).toBe(platform.permissionsBoundaryArn);
      expect(role.tags).toEqual({ 'partnergate:partner-id': 'acme-corp' });
    });

    it('then the trust names the account root for sts:AssumeRole only, with the ExternalId, plus the verifier', () => {
      const trust = role.trustPolicy;
      expect(trust.Statement).toHaveLength(2);
      const partner = statement(trust, 'PartnerAccountWithExternalId');
      expect(partner).toMatchObject({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' });
      expect(partner.Condition).toEqual({ StringEquals: { 'sts:ExternalId': partnerSpec('acme-corp').externalId } });
      expect(statement(trust, 'VerifierProbes')).toEqual({
        Sid: 'VerifierProbes', Effect: 'Allow', Principal: { AWS: verifier }, Action: 'sts:AssumeRole',
      });
    });

    it('then its permissions are the same literal read of its own prefix as its session policy', () => {
      expect(role.policies).toHaveLength(1);
      expectOwnPrefixOnly(role.policies[0]!.document, 'acme-corp');
      expect(role.policies[0]!.document).toEqual(rendered.transferUser.Policy);
    });

    it('then the partner-side policy lets the partner account assume exactly that role', () => {
      expect(rendered.partnerSidePolicy).toEqual({
        Version: '2012-10-17',
        Statement: [{ Sid: 'AssumePartnergateRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role.arn }],
      });
    });
  });

  it('when two partners are rendered, then the bucket, key and Transfer role documents are identical', () => {
    const a = renderPartner(platform, partnerSpec('acme'));
    const b = renderPartner(platform, partnerSpec('globex', '444455556666'));
    expect(b.bucketPolicy).toEqual(a.bucketPolicy);
    expect(b.kmsKeyPolicy).toEqual(a.kmsKeyPolicy);
    expect(b.transferRole).toEqual(a.transferRole);
    expect(JSON.stringify(a.bucketPolicy) + JSON.stringify(a.kmsKeyPolicy)).not.toMatch(/acme|globex/);
  });

  it('when any document is rendered, then every statement has a unique alphanumeric Sid', () => {
    const r = renderPartner(platform, partnerSpec('acme', '444455556666'));
    const docs = [r.transferUser.Policy, r.transferRole.trustPolicy, ...r.transferRole.policies.map((p) => p.document),
      r.partnerRole!.trustPolicy, ...r.partnerRole!.policies.map((p) => p.document), r.bucketPolicy, r.kmsKeyPolicy, r.partnerSidePolicy!];
    for (const doc of docs) {
      const sids = doc.Statement.map((s) => s.Sid);
      expect(sids.every((sid) => /^[A-Za-z0-9]+$/.test(sid))).toBe(true);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });

  describe('when the input is wrong', () => {
    it.each([
      ['an invalid id', { ...partnerSpec('acme'), partnerId: 'Acme*' }, 'partnerId'],
      ['the reserved id', { ...partnerSpec('acme'), partnerId: 'feeds' }, 'partnerId'],
      ['a short account', partnerSpec('acme', '1234'), 'accountId'],
      ['the platform account', partnerSpec('acme', '111122223333'), 'accountId'],
      ['a short ExternalId', { ...partnerSpec('acme'), externalId: 'abc' }, 'externalId'],
      ['an unknown feed', { ...partnerSpec('acme'), feeds: ['secrets'] }, 'feeds'],
      ['a repeated feed', { ...partnerSpec('acme'), feeds: ['compliance', 'compliance'] }, 'feeds'],
    ])('then %s is refused naming the field', (_what, spec, field) => {
      expect(() => renderPartner(platform, spec)).toThrow(ValidationError);
      try {
        renderPartner(platform, spec);
      } catch (err) {
        expect((err as ValidationError).field).toBe(field);
      }
    });
  });

  it('when a session policy would exceed 2,048 characters, then rendering throws naming it', () => {
    const huge = { ...platform, kmsKeyArn: `${platform.kmsKeyArn}${'0'.repeat(1_500)}` };
    expect(() => renderTransferUser(huge, 'acme')).toThrow(PolicyTooLargeError);
    expect(() => renderTransferUser(huge, 'acme')).toThrow(/Transfer session policy of acme is \d+ characters, over the 2048-character limit/);
  });

  it('when the longest id, bucket and region are used, then the session policy still fits', () => {
    const long = testPlatform({ DISTRIBUTION_BUCKET: `b${'x'.repeat(61)}b`, AWS_REGION: 'ap-southeast-4', KMS_KEY_ARN: 'arn:aws:kms:ap-southeast-4:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c' });
    const id = `a${'b'.repeat(30)}c`;
    const size = policySize(renderPartner(long, partnerSpec(id)).transferUser.Policy);
    expect(size).toBeLessThan(1_000);
  });
});

describe('planHash', () => {
  const rendered = renderPartner(platform, partnerSpec('acme', '444455556666'));

  it('when the same documents are hashed with keys in another order, then the hash is the same', () => {
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys)
        : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]))
          : v;
    const reordered = reverseKeys(rendered) as typeof rendered;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(rendered));
    expect(planHash(reordered)).toBe(planHash(rendered));
    expect(planHash(rendered)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when any document changes, then the hash changes', () => {
    const other = renderPartner(platform, { ...partnerSpec('acme', '444455556666'), externalId: 'y'.repeat(43) });
    expect(planHash(other)).not.toBe(planHash(rendered));
    const noRole = renderPartner(platform, partnerSpec('acme'));
    expect(planHash(noRole)).not.toBe(planHash(rendered));
  });
});
