import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertString, Intrinsic, toCloudFormation } from '../../scripts/manifests/cfn-value.js';
import { PARTNER_SUBSTITUTIONS, PLATFORM_SUBSTITUTIONS, SENTINELS } from '../../scripts/manifests/sentinels.js';
import { blockYaml } from '../../scripts/manifests/splice.js';
import { parseTemplate, resolve, type Deployment } from '../../tools/cloudformation/cloudformation.js';

/** A deployment in which every parameter holds its sentinel: resolving a converted string must give the original. */
const SENTINEL_DEPLOYMENT: Deployment = {
  template: { Resources: { PlatformKey: { Type: 'AWS::KMS::Key' }, TransferServer: { Type: 'AWS::Transfer::Server' } } },
  parameters: {
    BucketName: SENTINELS.bucket,
    OutboundPrefix: SENTINELS.outboundPrefix,
    KmsKeyArn: SENTINELS.kmsKeyArn,
    TransferServerId: SENTINELS.transferServerId,
    PartnerId: SENTINELS.partnerId,
    PartnerAccountId: SENTINELS.partnerAccountId,
    ExternalId: SENTINELS.externalId,
  },
  pseudo: { 'AWS::Partition': 'aws', 'AWS::Region': SENTINELS.region, 'AWS::AccountId': SENTINELS.accountId, 'AWS::URLSuffix': 'amazonaws.com' },
  physical: (id, attribute) => {
    if (id === 'PlatformKey' && attribute === 'Arn') return SENTINELS.kmsKeyArn;
    if (id === 'TransferServer' && attribute === 'ServerId') return SENTINELS.transferServerId;
    throw new Error(`unexpected ${id}.${attribute}`);
  },
};

const asCfn = (v: string | Intrinsic) =>
  v instanceof Intrinsic ? (v.fn === 'GetAtt' ? { 'Fn::GetAtt': v.arg.split('.') } : v.fn === 'Ref' ? { Ref: v.arg } : { 'Fn::Sub': v.arg }) : v;

describe('sentinel conversion (scripts/manifests/cfn-value.ts)', () => {
  it('when a string holds no sentinel, then it is written as it is, even with ${ in it', () => {
    expect(convertString('s3:GetObject', PLATFORM_SUBSTITUTIONS)).toBe('s3:GetObject');
    expect(convertString('${aws:username}', PLATFORM_SUBSTITUTIONS)).toBe('${aws:username}');
  });

  it('when a string is one sentinel, then it becomes !Ref or !GetAtt', () => {
    expect(convertString(SENTINELS.bucket, PLATFORM_SUBSTITUTIONS)).toEqual(new Intrinsic('Ref', 'BucketName'));
    expect(convertString(SENTINELS.kmsKeyArn, PLATFORM_SUBSTITUTIONS)).toEqual(new Intrinsic('GetAtt', 'PlatformKey.Arn'));
    expect(convertString(SENTINELS.kmsKeyArn, PARTNER_SUBSTITUTIONS)).toEqual(new Intrinsic('Ref', 'KmsKeyArn'));
  });

  it('when a string holds sentinels, then it becomes !Sub naming what CloudFormation substitutes', () => {
    const text = `arn:aws:s3:::${SENTINELS.bucket}/partners/${SENTINELS.partnerId}/*`;
    const converted = convertString(text, PARTNER_SUBSTITUTIONS);
    expect(converted).toEqual(new Intrinsic('Sub', 'arn:${AWS::Partition}:s3:::${BucketName}/partners/${PartnerId}/*'));
    expect(resolve(SENTINEL_DEPLOYMENT, asCfn(converted))).toBe(text);
  });

  it('when a string holding sentinels also holds a policy variable, then !Sub escapes it (${!…}) and CloudFormation writes it back', () => {
    const text = `arn:aws:s3:::${SENTINELS.bucket}/partners/\${aws:PrincipalTag/partnergate:partner-id}/*`;
    const converted = convertString(text, PLATFORM_SUBSTITUTIONS);
    expect(converted).toEqual(new Intrinsic('Sub', 'arn:${AWS::Partition}:s3:::${BucketName}/partners/${!aws:PrincipalTag/partnergate:partner-id}/*'));
    expect(resolve(SENTINEL_DEPLOYMENT, asCfn(converted))).toBe(text);
  });

  it('when any text of sentinels and $ { } is converted, then CloudFormation substitutes it back to the same text, or conversion refuses a literal ${ it cannot escape', () => {
    const sentinels = PARTNER_SUBSTITUTIONS.substitutions.map((s) => s.find);
    const piece = fc.oneof(fc.constantFrom(...sentinels), fc.constantFrom('${', '$', '{', '}', '!', '/', ':', '*', 'partners/', 'arn:', 'aws'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join('');
        const needsSub = sentinels.some((s) => text.includes(s)) || text.includes('arn:aws:');
        let converted: string | Intrinsic;
        try {
          converted = convertString(text, PARTNER_SUBSTITUTIONS);
        } catch (err) {
          expect(needsSub && text.includes('${')).toBe(true);
          expect(String(err)).toMatch(/literal "\$\{" it cannot escape/);
          return;
        }
        expect(resolve(SENTINEL_DEPLOYMENT, asCfn(converted))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('when a sentinel survives in altered form, or sits in a key, then conversion refuses', () => {
    expect(() => toCloudFormation({ a: SENTINELS.bucket.toUpperCase() }, PLATFORM_SUBSTITUTIONS)).toThrow(/sentinel fragment/);
    expect(() => toCloudFormation({ a: SENTINELS.partnerId }, PLATFORM_SUBSTITUTIONS)).toThrow(/sentinel fragment/);
    expect(() => toCloudFormation({ [`aws:PrincipalTag/${SENTINELS.bucket}`]: 'x' }, PLATFORM_SUBSTITUTIONS)).toThrow(/cannot substitute keys/);
  });

  it('when a block is written as YAML, then it parses back to the same CloudFormation value', () => {
    const block = toCloudFormation(
      { PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: 'A', Resource: `arn:aws:s3:::${SENTINELS.bucket}/*`, Condition: { StringEquals: { 'aws:SourceAccount': SENTINELS.accountId, 'x:y': 'yes' } } }] } },
      PLATFORM_SUBSTITUTIONS,
    ) as Record<string, never>;
    const parsed = parseTemplate(`Resources:\n  X:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n${blockYaml(block, '      ')}\n`);
    expect(parsed.Resources['X']!.Properties).toEqual({
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'A', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BucketName}/*' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'x:y': 'yes' } } }],
      },
    });
  });
});
