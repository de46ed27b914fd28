import { describe, expect, it } from 'vitest';
import { classifyAccessFinding, judgeAccessFinding, type AccessFinding } from '../../../src/domain/access-findings.js';
import { platformEventScope } from '../../../src/aws/policies/index.js';
import { loadConfig } from '../../../src/config.js';
import { testEnv } from '../../../tools/local/env.js';
import { accessAnalyzerFinding, attachReadOnly, partnerRoleArnOf, type FindingOptions } from '../../support/platform-events.js';

const platform = loadConfig(testEnv()).platform;
const scope = platformEventScope(platform);
const classify = (event: unknown) => classifyAccessFinding(typeof event === 'string' ? event : JSON.stringify(event), scope);
const finding = (o: FindingOptions): AccessFinding => {
  const f = classify(accessAnalyzerFinding(o));
  if (f?.kind !== 'access-finding') throw new Error(`not a finding: ${JSON.stringify(f)}`);
  return f;
};
const PARTNER_ACCOUNT = '444455556666';
const BUCKET_ARN = `arn:aws:s3:::${platform.bucket}`;

describe('classifying an Access Analyzer finding', () => {
  it('when the finding is on a partner role, then it names the partner, the principals with their accounts, the actions and when it was analyzed', () => {
    expect(finding({ resource: partnerRoleArnOf('acme'), principal: { AWS: PARTNER_ACCOUNT } })).toMatchObject({
      kind: 'access-finding', status: 'ACTIVE', deleted: false, error: null, resourceType: 'AWS::IAM::Role', isPublic: false,
      target: { type: 'partner', partnerId: 'acme', resource: 'IAM role partnergate-partner-acme' },
      principals: [{ kind: 'AWS', value: PARTNER_ACCOUNT, account: PARTNER_ACCOUNT }], actions: ['sts:AssumeRole'], at: '2026-12-06T14:05:12Z',
    });
    expect(finding({ resource: partnerRoleArnOf('acme'), principal: { AWS: `arn:aws:iam::${PARTNER_ACCOUNT}:root` } }).principals).toEqual([
      { kind: 'AWS', value: `arn:aws:iam::${PARTNER_ACCOUNT}:root`, account: PARTNER_ACCOUNT },
    ]);
    expect(finding({ resource: partnerRoleArnOf('acme'), principal: { Federated: 'cognito-identity.amazonaws.com' } }).principals).toEqual([
      { kind: 'Federated', value: 'cognito-identity.amazonaws.com', account: null },
    ]);
  });

  it('when the finding is on the bucket, the key or a platform role, then it is a platform resource', () => {
    expect(finding({ resourceType: 'AWS::S3::Bucket', resource: BUCKET_ARN }).target).toEqual({ type: 'platform', resource: `the bucket ${platform.bucket}` });
    expect(finding({ resourceType: 'AWS::KMS::Key', resource: platform.kmsKeyArn }).target).toEqual({ type: 'platform', resource: 'the platform KMS key' });
    expect(finding({ resource: platform.verifierRoleArn }).target).toEqual({ type: 'platform', resource: 'the verifier role' });
  });

  it('when the partner role’s condition holds the ExternalId, then only the condition’s keys are kept', () => {
    const externalId = 'EXT-abcdefghijklmnopqrstuvwxyz012345';
    const f = finding({ resource: partnerRoleArnOf('acme'), condition: { 'sts:externalid': externalId } });
    expect(f.conditionKeys).toEqual(['sts:externalid']);
    expect(JSON.stringify(f)).not.toContain(externalId);
  });

  it.each([
    ['another account', { resource: partnerRoleArnOf('acme'), account: '777788889999' }, 'another account'],
    ['a role of another account in our event', { resource: partnerRoleArnOf('acme', '777788889999') }, 'a role of another account'],
    ['another role of ours', { resource: `arn:aws:iam::111122223333:role/team/reporting` }, 'not one of our roles'],
    ['a partner-like role for no valid id', { resource: partnerRoleArnOf('-canary') }, 'a role named like a partner role, for no valid partner id'],
    ['another bucket', { resourceType: 'AWS::S3::Bucket', resource: 'arn:aws:s3:::someone-elses' }, 'another bucket'],
    ['another key', { resourceType: 'AWS::KMS::Key', resource: 'arn:aws:kms:eu-west-1:111122223333:key/other' }, 'another KMS key'],
    ['a queue', { resourceType: 'AWS::SQS::Queue', resource: 'arn:aws:sqs:eu-west-1:111122223333:q' }, 'a AWS::SQS::Queue is none of ours'],
  ] as const)('when the finding is on %s, then it is ignored with the reason', (_, o, reason) => {
    expect(classify(accessAnalyzerFinding(o))).toMatchObject({ kind: 'ignored', reason });
  });

  it('when the message is a CloudTrail API call or not JSON, then it is not a finding (null: the API call classifier reads it); a finding of the wrong shape is invalid', () => {
    expect(classify(attachReadOnly('acme'))).toBeNull();
    expect(classify('{not json')).toBeNull();
    expect(classify({ ...accessAnalyzerFinding({ resource: partnerRoleArnOf('acme') }), detail: { status: 'ACTIVE' } })).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('detail.id') });
    expect(classify({ ...accessAnalyzerFinding({ resource: partnerRoleArnOf('acme') }), source: 'custom.source' })).toMatchObject({ kind: 'invalid' });
  });
});

describe('judging an Access Analyzer finding', () => {
  const role = (o: Partial<FindingOptions> = {}) => finding({ resource: partnerRoleArnOf('acme'), principal: { AWS: PARTNER_ACCOUNT }, ...o });

  it('when an active finding on a partner role names only the partner’s own approved account, then it is expected', () => {
    expect(judgeAccessFinding(role(), PARTNER_ACCOUNT)).toEqual({ verdict: 'expected' });
    expect(judgeAccessFinding(role({ principal: { AWS: `arn:aws:iam::${PARTNER_ACCOUNT}:root` } }), PARTNER_ACCOUNT)).toEqual({ verdict: 'expected' });
  });

  it.each([
    ['another account', { principal: { AWS: '999988887777' } }, PARTNER_ACCOUNT, `only the partner's own account ${PARTNER_ACCOUNT} is approved, and AWS 999988887777 may`],
    ['the approved account and another', { principal: { AWS: PARTNER_ACCOUNT, Federated: 'accounts.google.com' } }, PARTNER_ACCOUNT, `only the partner's own account ${PARTNER_ACCOUNT} is approved, and Federated accounts.google.com may`],
    ['a public trust', { principal: { AWS: '*' }, isPublic: true }, PARTNER_ACCOUNT, 'it is public: anyone may'],
    ['a partner with no approved account', {}, null, `no outside account is approved on it, and AWS ${PARTNER_ACCOUNT} may`],
  ] as const)('when an active finding on a partner role names %s, then it is reported, saying why', (_, o, approved, why) => {
    expect(judgeAccessFinding(role(o), approved)).toEqual({ verdict: 'report', why });
  });

  it('when an active finding is on the bucket, then it is reported whatever account it names: none is approved there', () => {
    expect(judgeAccessFinding(finding({ resourceType: 'AWS::S3::Bucket', resource: BUCKET_ARN, principal: { AWS: PARTNER_ACCOUNT } }), null)).toMatchObject({ verdict: 'report' });
  });

  it.each([
    ['archived', { status: 'ARCHIVED' }, 'the finding is archived'],
    ['resolved', { status: 'RESOLVED' }, 'the finding is resolved'],
    ['deleted', { isDeleted: true }, 'the finding was deleted'],
    ['an error finding', { error: 'ACCESS_DENIED' }, 'Access Analyzer could not analyze it (ACCESS_DENIED)'],
  ] as const)('when the finding is %s, then nothing changes, even for an account no one approved', (_, o, why) => {
    expect(judgeAccessFinding(role({ principal: { AWS: '999988887777' }, ...o }), PARTNER_ACCOUNT)).toEqual({ verdict: 'unchanged', why });
  });
});
