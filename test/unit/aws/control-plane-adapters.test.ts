import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateUserCommand, DeleteSshPublicKeyCommand, DescribeUserCommand, ImportSshPublicKeyCommand, InvalidRequestException,
  ResourceNotFoundException, ServiceUnavailableException, TagResourceCommand, ThrottlingException, TransferClient,
} from '@aws-sdk/client-transfer';
import {
  CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, IAMServiceException, MalformedPolicyDocumentException,
  NoSuchEntityException, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { isRetryableAwsError, toAwsError } from '../../../src/aws/aws-error.js';
import { AwsError } from '../../../src/domain/errors.js';
import { createUser, deleteSshPublicKey, describeUser, importSshPublicKey, tagResource } from '../../../src/aws/transfer.js';
import { createRole, decodePolicyDocument, getRole, getRolePolicy, putRolePolicy, updateAssumeRolePolicy } from '../../../src/aws/iam.js';
import { assumeRole } from '../../../src/aws/sts.js';

const meta = (httpStatusCode: number) => ({ httpStatusCode });
const doc = { Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/partners/acme/*' }] };

const transferMock = mockClient(TransferClient);
const iamMock = mockClient(IAMClient);
const stsMock = mockClient(STSClient);
const transfer = new TransferClient({ region: 'eu-west-1' });
const iam = new IAMClient({ region: 'eu-west-1' });
const sts = new STSClient({ region: 'eu-west-1' });

afterEach(() => {
  transferMock.reset();
  iamMock.reset();
  stsMock.reset();
});

async function rejection(p: Promise<unknown>): Promise<AwsError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AwsError);
  return err as AwsError;
}

describe('SDK exceptions become AwsError with retryable set', () => {
  it.each([
    ['Transfer ThrottlingException', new ThrottlingException({ message: 'slow down', $metadata: meta(400) }), true],
    ['IAM Throttling (query protocol)', new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: meta(400) }), true],
    ['TooManyRequestsException', Object.assign(new Error('too many'), { name: 'TooManyRequestsException', $metadata: meta(429) }), true],
    ['Transfer ServiceUnavailableException', new ServiceUnavailableException({ message: 'down', $metadata: meta(503) }), true],
    ['an unnamed 500', Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: meta(500) }), true],
    ['a 502 with an unknown name', Object.assign(new Error('bad gateway'), { name: 'Unknown', $metadata: meta(502) }), true],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['STS AccessDenied', new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: meta(403) }), false],
    ['Transfer AccessDeniedException', Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: meta(400) }), false],
    ['ValidationException', Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: meta(400) }), false],
    ['Transfer InvalidRequestException', new InvalidRequestException({ message: 'bad', Message: 'bad', $metadata: meta(400) }), false],
    ['IAM MalformedPolicyDocument', new MalformedPolicyDocumentException({ message: 'bad policy', $metadata: meta(400) }), false],
  ])('%s → retryable %s', (_name, err, retryable) => {
    expect(isRetryableAwsError(err)).toBe(retryable);
    const mapped = toAwsError('iam', 'CreateRole', err);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(err);
  });

  it('keeps the AWS error code and HTTP status', () => {
    const mapped = toAwsError('sts', 'AssumeRole', new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'User is not authorized', $metadata: meta(403) }));
    expect(mapped).toMatchObject({ service: 'sts', operation: 'AssumeRole', code: 'AccessDenied', httpStatus: 403, message: 'User is not authorized' });
  });
});

describe('Transfer adapter', () => {
  it('when the user does not exist, then describeUser answers null', async () => {
    transferMock.on(DescribeUserCommand).rejects(new ResourceNotFoundException({ message: 'no', Message: 'no', Resource: 'acme', ResourceType: 'User', $metadata: meta(400) }));
    await expect(describeUser(transfer, 's-1', 'acme')).resolves.toBeNull();
    expect(transferMock).toHaveReceivedCommandWith(DescribeUserCommand, { ServerId: 's-1', UserName: 'acme' });
  });

  it('when DescribeUser is throttled, then the error is a retryable AwsError', async () => {
    transferMock.on(DescribeUserCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: meta(400) }));
    const err = await rejection(describeUser(transfer, 's-1', 'acme'));
    expect(err).toMatchObject({ code: 'ThrottlingException', retryable: true, service: 'transfer', operation: 'DescribeUser' });
  });

  it('sends CreateUser, ImportSshPublicKey, DeleteSshPublicKey and TagResource as given', async () => {
    transferMock.on(ImportSshPublicKeyCommand).resolves({ ServerId: 's-1', UserName: 'acme', SshPublicKeyId: 'key-0123456789abcdef0' });
    await createUser(transfer, { ServerId: 's-1', UserName: 'acme', Role: 'arn:aws:iam::1:role/t', SshPublicKeyBody: 'ssh-ed25519 AAAA' });
    await expect(importSshPublicKey(transfer, { serverId: 's-1', userName: 'acme', sshPublicKeyBody: 'ssh-ed25519 BBBB' })).resolves.toBe('key-0123456789abcdef0');
    await expect(deleteSshPublicKey(transfer, { serverId: 's-1', userName: 'acme', sshPublicKeyId: 'key-0123456789abcdef0' })).resolves.toBe(true);
    await tagResource(transfer, 'arn:aws:transfer:eu-west-1:1:user/s-1/acme', { 'partnergate:partner-id': 'acme' });
    expect(transferMock).toHaveReceivedCommandWith(CreateUserCommand, { UserName: 'acme', SshPublicKeyBody: 'ssh-ed25519 AAAA' });
    expect(transferMock).toHaveReceivedCommandWith(ImportSshPublicKeyCommand, { ServerId: 's-1', UserName: 'acme', SshPublicKeyBody: 'ssh-ed25519 BBBB' });
    expect(transferMock).toHaveReceivedCommandWith(DeleteSshPublicKeyCommand, { SshPublicKeyId: 'key-0123456789abcdef0' });
    expect(transferMock).toHaveReceivedCommandWith(TagResourceCommand, { Tags: [{ Key: 'partnergate:partner-id', Value: 'acme' }] });
  });

  it('when the key to delete is already gone, then deleteSshPublicKey answers false', async () => {
    transferMock.on(DeleteSshPublicKeyCommand).rejects(new ResourceNotFoundException({ message: 'no', Message: 'no', Resource: 'k', ResourceType: 'SshPublicKey', $metadata: meta(400) }));
    await expect(deleteSshPublicKey(transfer, { serverId: 's-1', userName: 'acme', sshPublicKeyId: 'key-1' })).resolves.toBe(false);
  });
});

describe('IAM adapter', () => {
  it('when the role does not exist, then getRole answers null; a denied GetRole is not retryable', async () => {
    iamMock.on(GetRoleCommand, { RoleName: 'missing' }).rejects(new NoSuchEntityException({ message: 'no', $metadata: meta(404) }));
    iamMock.on(GetRoleCommand, { RoleName: 'secret' }).rejects(new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: meta(403) }));
    await expect(getRole(iam, 'missing')).resolves.toBeNull();
    const err = await rejection(getRole(iam, 'secret'));
    expect(err).toMatchObject({ code: 'AccessDenied', retryable: false });
  });

  it('decodes the URL-encoded trust policy and the tags of a role', async () => {
    iamMock.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'r', RoleId: 'AROA', Arn: 'arn:aws:iam::1:role/partnergate/partners/r', Path: '/partnergate/partners/', CreateDate: new Date(0),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(doc)),
        PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: 'arn:aws:iam::1:policy/b' },
        Tags: [{ Key: 'partnergate:partner-id', Value: 'acme' }],
      },
    });
    await expect(getRole(iam, 'r')).resolves.toMatchObject({
      path: '/partnergate/partners/', permissionsBoundaryArn: 'arn:aws:iam::1:policy/b', trustPolicy: doc, tags: { 'partnergate:partner-id': 'acme' },
    });
  });

  it('creates a role with its path, boundary and tags in one call, and sends documents as JSON', async () => {
    iamMock.on(CreateRoleCommand).resolves({ Role: { RoleName: 'r', RoleId: 'AROA', Arn: 'arn:aws:iam::1:role/p/r', Path: '/p/', CreateDate: new Date(0) } });
    await expect(createRole(iam, { roleName: 'r', path: '/p/', trustPolicy: doc, permissionsBoundary: 'arn:aws:iam::1:policy/b', tags: { a: 'b' } })).resolves.toBe('arn:aws:iam::1:role/p/r');
    await putRolePolicy(iam, { roleName: 'r', policyName: 'p', document: doc });
    await updateAssumeRolePolicy(iam, { roleName: 'r', document: doc });
    expect(iamMock).toHaveReceivedCommandWith(CreateRoleCommand, {
      RoleName: 'r', Path: '/p/', PermissionsBoundary: 'arn:aws:iam::1:policy/b', Tags: [{ Key: 'a', Value: 'b' }], AssumeRolePolicyDocument: JSON.stringify(doc),
    });
    expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: 'r', PolicyName: 'p', PolicyDocument: JSON.stringify(doc) });
    expect(iamMock).toHaveReceivedCommandWith(UpdateAssumeRolePolicyCommand, { RoleName: 'r', PolicyDocument: JSON.stringify(doc) });
  });

  it('when a policy is malformed, then PutRolePolicy fails for good', async () => {
    iamMock.on(PutRolePolicyCommand).rejects(new MalformedPolicyDocumentException({ message: 'Syntax errors in policy.', $metadata: meta(400) }));
    const err = await rejection(putRolePolicy(iam, { roleName: 'r', policyName: 'p', document: doc }));
    expect(err).toMatchObject({ code: 'MalformedPolicyDocumentException', retryable: false });
  });

  it('getRolePolicy answers the parsed document, or null when there is none', async () => {
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'p' }).resolves({ RoleName: 'r', PolicyName: 'p', PolicyDocument: encodeURIComponent(JSON.stringify(doc)) });
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'q' }).rejects(new NoSuchEntityException({ message: 'no', $metadata: meta(404) }));
    await expect(getRolePolicy(iam, { roleName: 'r', policyName: 'p' })).resolves.toEqual(doc);
    await expect(getRolePolicy(iam, { roleName: 'r', policyName: 'q' })).resolves.toBeNull();
  });

  it('decodePolicyDocument takes plain and URL-encoded JSON', () => {
    expect(decodePolicyDocument(JSON.stringify(doc))).toEqual(doc);
    expect(decodePolicyDocument(encodeURIComponent(JSON.stringify(doc)))).toEqual(doc);
  });
});

describe('STS adapter', () => {
  it('sends ExternalId, the session policy as JSON and the source identity, and answers the credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(0) } });
    await expect(
      assumeRole(sts, { roleArn: 'arn:aws:iam::1:role/r', sessionName: 'probe', externalId: 'x'.repeat(43), policy: doc, sourceIdentity: 'partnergate' }),
    ).resolves.toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::1:role/r', RoleSessionName: 'probe', ExternalId: 'x'.repeat(43), Policy: JSON.stringify(doc), SourceIdentity: 'partnergate', DurationSeconds: 900,
    });
  });

  it('when AssumeRole is denied, then the error is not retryable', async () => {
    stsMock.on(AssumeRoleCommand).rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized', $metadata: meta(403) }));
    const err = await rejection(assumeRole(sts, { roleArn: 'arn:aws:iam::1:role/r', sessionName: 'probe' }));
    expect(err).toMatchObject({ code: 'AccessDenied', retryable: false, service: 'sts' });
  });
});
