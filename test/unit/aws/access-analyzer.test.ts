import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessAnalyzerClient,
  AccessDeniedException,
  CheckAccessNotGrantedCommand,
  CheckNoPublicAccessCommand,
  InternalServerException,
  ThrottlingException,
  ValidatePolicyCommand,
  ValidationException,
} from '@aws-sdk/client-accessanalyzer';
import {
  analyzerProblems,
  checkAccessNotGranted,
  checkNoPublicAccess,
  checkPartnerDocuments,
  forbiddenResources,
  isBlocking,
  validatePolicy,
} from '../../../src/aws/access-analyzer.js';
import { AwsError } from '../../../src/domain/errors.js';
import { renderPartner } from '../../../src/aws/policies/index.js';
import { partnerSpec, testPlatform } from '../../support/iam-fixtures.js';

const mock = mockClient(AccessAnalyzerClient);
const client = new AccessAnalyzerClient({ region: 'eu-west-1' });
const platform = testPlatform();
const withRole = renderPartner(platform, partnerSpec('acme', '444455556666'));
const sftpOnly = renderPartner(platform, partnerSpec('acme'));
const meta = { httpStatusCode: 400 };

afterEach(() => mock.reset());

function allPass(): void {
  mock.on(ValidatePolicyCommand).resolves({ findings: [] });
  mock.on(CheckAccessNotGrantedCommand).resolves({ result: 'PASS' });
  mock.on(CheckNoPublicAccessCommand).resolves({ result: 'PASS' });
}

describe('validatePolicy', () => {
  it('when findings come in pages, then it sends the document as JSON and returns every finding', async () => {
    mock
      .on(ValidatePolicyCommand)
      .resolvesOnce({ findings: [{ findingType: 'SUGGESTION', issueCode: 'A', findingDetails: 'a', learnMoreLink: '', locations: [] }], nextToken: 't1' })
      .resolvesOnce({ findings: [{ findingType: 'ERROR', issueCode: 'B', findingDetails: 'b', learnMoreLink: '', locations: [] }] });
    const doc = withRole.partnerRole!.trustPolicy;
    const findings = await validatePolicy(client, { document: doc, policyType: 'RESOURCE_POLICY', resourceType: 'AWS::IAM::AssumeRolePolicyDocument' });
    expect(findings.map((f) => f.issueCode)).toEqual(['A', 'B']);
    expect(mock).toHaveReceivedCommandTimes(ValidatePolicyCommand, 2);
    expect(mock).toHaveReceivedNthCommandWith(ValidatePolicyCommand, 1, {
      policyDocument: JSON.stringify(doc), policyType: 'RESOURCE_POLICY', validatePolicyResourceType: 'AWS::IAM::AssumeRolePolicyDocument',
    });
    expect(mock).toHaveReceivedNthCommandWith(ValidatePolicyCommand, 2, { nextToken: 't1' });
  });
});

describe('checkAccessNotGranted and checkNoPublicAccess', () => {
  it('when Access Analyzer answers FAIL, then the result says so with its reasons', async () => {
    mock.on(CheckAccessNotGrantedCommand).resolves({ result: 'FAIL', message: 'access granted', reasons: [{ statementId: 'ReadOwnPrefix', description: 'allows GetObject' }] });
    const r = await checkAccessNotGranted(client, {
      document: withRole.transferUser.Policy, policyType: 'IDENTITY_POLICY', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/x'],
    });
    expect(r).toEqual({ passed: false, message: 'access granted', reasons: [{ statementId: 'ReadOwnPrefix', description: 'allows GetObject' }] });
    expect(mock).toHaveReceivedCommandWith(CheckAccessNotGrantedCommand, {
      policyType: 'IDENTITY_POLICY', access: [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/x'] }],
    });
  });

  it('when the bucket policy is checked for public access and passes, then passed is true', async () => {
    mock.on(CheckNoPublicAccessCommand).resolves({ result: 'PASS' });
    const r = await checkNoPublicAccess(client, { document: withRole.bucketPolicy, resourceType: 'AWS::S3::Bucket' });
    expect(r.passed).toBe(true);
    expect(mock).toHaveReceivedCommandWith(CheckNoPublicAccessCommand, { resourceType: 'AWS::S3::Bucket', policyDocument: JSON.stringify(withRole.bucketPolicy) });
  });
});

describe('SDK exceptions', () => {
  it.each([
    ['ThrottlingException', new ThrottlingException({ message: 'slow down', $metadata: meta }), true],
    ['InternalServerException', new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }), true],
    ['AccessDeniedException', new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } }), false],
    ['ValidationException', new ValidationException({ message: 'bad', reason: 'other', $metadata: meta }), false],
  ])('when the SDK throws %s, then it becomes an AwsError with that code and retryable %s', async (code, error, retryable) => {
    mock.on(CheckNoPublicAccessCommand).rejects(error);
    const err = await checkNoPublicAccess(client, { document: withRole.kmsKeyPolicy, resourceType: 'AWS::KMS::Key' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({ code, retryable, service: 'access-analyzer', operation: 'CheckNoPublicAccess' });
  });
});

describe('checkPartnerDocuments', () => {
  it('when everything passes, then there are no findings, and every check was asked', async () => {
    allPass();
    expect(await checkPartnerDocuments(client, platform, withRole)).toEqual([]);
    // session policy, role policy, Transfer trust and policy, bucket, key, partner trust, partner-side policy
    expect(mock).toHaveReceivedCommandTimes(ValidatePolicyCommand, 8);
    // two identity documents × neighbour, canary and outbound prefixes
    expect(mock).toHaveReceivedCommandTimes(CheckAccessNotGrantedCommand, 6);
    expect(mock).toHaveReceivedCommandTimes(CheckNoPublicAccessCommand, 3);
    expect(mock).toHaveReceivedCommandWith(CheckNoPublicAccessCommand, { resourceType: 'AWS::IAM::AssumeRolePolicyDocument' });
    expect(mock).toHaveReceivedCommandWith(CheckNoPublicAccessCommand, { resourceType: 'AWS::KMS::Key' });
  });

  it('when the partner has no account, then no role documents are checked', async () => {
    allPass();
    expect(await checkPartnerDocuments(client, platform, sftpOnly)).toEqual([]);
    expect(mock).toHaveReceivedCommandTimes(ValidatePolicyCommand, 5);
    expect(mock).toHaveReceivedCommandTimes(CheckAccessNotGrantedCommand, 3);
    expect(mock).toHaveReceivedCommandTimes(CheckNoPublicAccessCommand, 2);
  });

  it('when the session policy reaches a neighbour prefix, then a blocking finding names the document and the check', async () => {
    allPass();
    const session = JSON.stringify(sftpOnly.transferUser.Policy);
    const neighbours = forbiddenResources(platform, 'acme')['neighbour-prefixes'];
    mock.on(CheckAccessNotGrantedCommand).callsFake((input: { policyDocument: string; access: Array<{ resources: string[] }> }) =>
      input.policyDocument === session && JSON.stringify(input.access[0]!.resources) === JSON.stringify(neighbours)
        ? { result: 'FAIL', message: 'The policy document grants access to perform one or more of the listed actions.', reasons: [{ statementId: 'ReadOwnPrefix' }] }
        : { result: 'PASS' });
    const findings = await checkPartnerDocuments(client, platform, sftpOnly);
    expect(findings).toEqual([{
      document: 'transferUser.Policy', check: 'CheckAccessNotGranted', severity: 'error', code: 'neighbour-prefixes',
      message: 'The policy document grants access to perform one or more of the listed actions. — ReadOwnPrefix',
    }]);
    expect(analyzerProblems(findings)).toEqual([expect.stringMatching(/^transferUser\.Policy: CheckAccessNotGranted neighbour-prefixes: /)]);
  });

  it('when ValidatePolicy returns a security warning and a suggestion, then only the warning blocks', async () => {
    allPass();
    mock.on(ValidatePolicyCommand, { policyType: 'RESOURCE_POLICY', validatePolicyResourceType: 'AWS::S3::Bucket' }).resolves({
      findings: [
        { findingType: 'SECURITY_WARNING', issueCode: 'PASS_ROLE_WITH_STAR_IN_RESOURCE', findingDetails: 'x', learnMoreLink: '', locations: [] },
        { findingType: 'SUGGESTION', issueCode: 'EMPTY_ARRAY_ACTION', findingDetails: 'y', learnMoreLink: '', locations: [] },
      ],
    });
    const findings = await checkPartnerDocuments(client, platform, withRole);
    expect(findings.map((f) => [f.document, f.severity, isBlocking(f)])).toEqual([
      ['bucketPolicy', 'security-warning', true],
      ['bucketPolicy', 'suggestion', false],
    ]);
    expect(analyzerProblems(findings)).toHaveLength(1);
  });
});

describe('forbiddenResources', () => {
  it('when built for acme, then it names neighbours, the no-slash key, the canary and outbound, and nothing under acme/', () => {
    const all = Object.values(forbiddenResources(platform, 'acme')).flat();
    expect(all).toEqual(expect.arrayContaining([
      'arn:aws:s3:::partnergate-dist-test/partners/acme-corp/prices.csv',
      'arn:aws:s3:::partnergate-dist-test/partners/acme',
      'arn:aws:s3:::partnergate-dist-test/partners/-canary/canary.txt',
      'arn:aws:s3:::partnergate-dist-test/outbound/acme/prices.csv',
    ]));
    expect(all.some((r) => r.includes('/partners/acme/'))).toBe(false);
    expect(all.length).toBeLessThanOrEqual(100);
  });
});
