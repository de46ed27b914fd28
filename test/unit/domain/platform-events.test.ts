import { describe, expect, it } from 'vitest';
import { classifyPlatformEvent, onlyWidens, type AccessChange } from '../../../src/domain/platform-events.js';
import { platformEventScope } from '../../../src/aws/policies/index.js';
import { loadConfig } from '../../../src/config.js';
import { testEnv } from '../../../tools/local/env.js';
import { ACCOUNT, ADMIN_ARN, attachReadOnly, cloudTrailEvent } from '../../support/platform-events.js';

const platform = loadConfig(testEnv()).platform;
const scope = platformEventScope(platform);
const classify = (event: unknown) => classifyPlatformEvent(typeof event === 'string' ? event : JSON.stringify(event), scope);
const SERVER = platform.transferServerId;

describe('classifying a platform event', () => {
  it('when someone attaches a managed policy to a partner role, then it is an access change of that partner, naming who and what', () => {
    expect(classify(attachReadOnly('acme'))).toMatchObject({
      kind: 'access-change', call: 'iam:AttachRolePolicy', actor: ADMIN_ARN, byBot: false, at: '2026-12-06T14:03:00Z',
      target: { type: 'partner', partnerId: 'acme', resource: 'IAM role partnergate-partner-acme' },
      parameters: { roleName: 'partnergate-partner-acme', policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' },
    });
  });

  it('when the bot itself makes the call (a session of its role), then it is marked as the bot’s', () => {
    const botRole = platform.botRoleArn.slice(platform.botRoleArn.lastIndexOf('/') + 1);
    const event = cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: 'partnergate-partner-acme', policyName: 'x' }, role: botRole });
    // The issuer ARN of the fixture has no path; the bot's role has one: give the event the real ARN.
    (event['detail'] as { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } } }).userIdentity.sessionContext.sessionIssuer.arn = platform.botRoleArn;
    expect(classify(event)).toMatchObject({ kind: 'access-change', byBot: true });
    expect(classify(attachReadOnly('acme', { role: botRole }))).toMatchObject({ byBot: false }); // a role of the same name elsewhere on the path is not the bot
  });

  it('when a trust policy is rewritten with an ExternalId in it, then no document is kept, only the names', () => {
    const externalId = 'EXT-abcdefghijklmnopqrstuvwxyz012345';
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }] });
    const c = classify(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: 'partnergate-partner-acme', policyDocument: doc } }));
    expect(c).toMatchObject({ kind: 'access-change', parameters: { roleName: 'partnergate-partner-acme' } });
    expect(JSON.stringify(c)).not.toContain(externalId);
  });

  it.each([
    // What the second layer reads (the partner tag) and what it is (the boundary): each an access change of the partner.
    ["a partner role's partner tag is changed", { eventSource: 'iam.amazonaws.com', eventName: 'TagRole', requestParameters: { roleName: 'partnergate-partner-acme', tags: [{ key: 'partnergate:partner-id', value: 'globex' }] } }, { type: 'partner', partnerId: 'acme', resource: 'IAM role partnergate-partner-acme' }],
    ["a partner role's partner tag is removed", { eventSource: 'iam.amazonaws.com', eventName: 'UntagRole', requestParameters: { roleName: 'partnergate-partner-acme', tagKeys: ['partnergate:partner-id'] } }, { type: 'partner', partnerId: 'acme' }],
    ["a partner role's boundary is removed", { eventSource: 'iam.amazonaws.com', eventName: 'DeleteRolePermissionsBoundary', requestParameters: { roleName: 'partnergate-partner-acme' } }, { type: 'partner', partnerId: 'acme' }],
    ["a partner role's boundary is replaced", { eventSource: 'iam.amazonaws.com', eventName: 'PutRolePermissionsBoundary', requestParameters: { roleName: 'partnergate-partner-acme', permissionsBoundary: 'arn:aws:iam::aws:policy/AdministratorAccess' } }, { type: 'partner', partnerId: 'acme' }],
    ["an inline policy is put on a partner role", { eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: 'partnergate-partner-acme', policyName: 'added-by-hand', policyDocument: '{}' } }, { type: 'partner', partnerId: 'acme' }],
    ['a Transfer user of the platform server is updated', { eventSource: 'transfer.amazonaws.com', eventName: 'UpdateUser', requestParameters: { serverId: SERVER, userName: 'acme', homeDirectoryType: 'PATH' } }, { type: 'partner', partnerId: 'acme', resource: 'Transfer user acme' }],
    ['a key is imported for a partner user', { eventSource: 'transfer.amazonaws.com', eventName: 'ImportSshPublicKey', requestParameters: { serverId: SERVER, userName: 'globex', sshPublicKeyBody: 'ssh-ed25519 AAAA' } }, { type: 'partner', partnerId: 'globex' }],
    ['a partner user is tagged (by its ARN)', { eventSource: 'transfer.amazonaws.com', eventName: 'TagResource', requestParameters: { arn: `arn:aws:transfer:eu-west-1:${ACCOUNT}:user/${SERVER}/acme`, tags: [] } }, { type: 'partner', partnerId: 'acme' }],
    ['the server itself changes', { eventSource: 'transfer.amazonaws.com', eventName: 'UpdateServer', requestParameters: { serverId: SERVER } }, { type: 'platform', resource: `the Transfer server ${SERVER}` }],
    ['the Transfer role gets a policy', { eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy', requestParameters: { roleName: platform.transferRoleArn.split('/').pop(), policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' } }, { type: 'platform', resource: 'the Transfer role (every SFTP session runs as it)' }],
    ['the boundary gets a new default version', { eventSource: 'iam.amazonaws.com', eventName: 'CreatePolicyVersion', requestParameters: { policyArn: platform.permissionsBoundaryArn, setAsDefault: true } }, { type: 'platform', resource: 'the permissions boundary policy' }],
    ['the bucket policy is replaced', { eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: platform.bucket, bucketPolicy: {} } }, { type: 'platform', resource: `the bucket ${platform.bucket}` }],
    ['an alias is pointed at the key (CreateAlias names it as targetKeyId)', { eventSource: 'kms.amazonaws.com', eventName: 'UpdateAlias', requestParameters: { aliasName: 'alias/partnergate', targetKeyId: platform.kmsKeyArn.split('/').pop() } }, { type: 'platform', resource: 'the platform KMS key' }],
    ['the key policy is replaced (by key id)', { eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: platform.kmsKeyArn.split('/').pop(), policyName: 'default' } }, { type: 'platform', resource: 'the platform KMS key' }],
  ])('when %s, then it is an access change of what it touched', (_what, call, target) => {
    expect(classify(cloudTrailEvent(call))).toMatchObject({ kind: 'access-change', target });
  });

  it.each([
    ['the bucket policy is replaced', { eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: platform.bucket } }, 'bucket-policy'],
    ['the bucket policy is deleted', { eventSource: 's3.amazonaws.com', eventName: 'DeleteBucketPolicy', requestParameters: { bucketName: platform.bucket } }, 'bucket-policy'],
    ['the key policy is replaced', { eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: platform.kmsKeyArn } }, 'key-policy'],
    ['the Transfer role gets a policy', { eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: platform.transferRoleArn.split('/').pop() } }, 'transfer-role'],
    ['the verifier role’s trust is rewritten', { eventSource: 'iam.amazonaws.com', eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: platform.verifierRoleArn.split('/').pop() } }, 'verifier-role'],
    ['the boundary gets a new default version', { eventSource: 'iam.amazonaws.com', eventName: 'SetDefaultPolicyVersion', requestParameters: { policyArn: platform.permissionsBoundaryArn } }, 'permissions-boundary'],
    ['the bucket’s ACL changes', { eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', requestParameters: { bucketName: platform.bucket } }, 'bucket-settings'],
    ['the public access block is deleted', { eventSource: 's3.amazonaws.com', eventName: 'DeleteBucketPublicAccessBlock', requestParameters: { bucketName: platform.bucket } }, 'bucket-settings'],
    ['the default encryption changes', { eventSource: 's3.amazonaws.com', eventName: 'PutBucketEncryption', requestParameters: { bucketName: platform.bucket } }, 'bucket-settings'],
    ['a grant is made on the key', { eventSource: 'kms.amazonaws.com', eventName: 'CreateGrant', requestParameters: { keyId: platform.kmsKeyArn } }, 'key-grants'],
    ['the bucket’s versioning changes (not compared)', { eventSource: 's3.amazonaws.com', eventName: 'PutBucketVersioning', requestParameters: { bucketName: platform.bucket } }, undefined],
    ['the key is disabled (not compared)', { eventSource: 'kms.amazonaws.com', eventName: 'DisableKey', requestParameters: { keyId: platform.kmsKeyArn } }, undefined],
    ['the bot role gets a policy (not compared)', { eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy', requestParameters: { roleName: platform.botRoleArn.split('/').pop() } }, undefined],
    ['the server changes (not compared)', { eventSource: 'transfer.amazonaws.com', eventName: 'UpdateServer', requestParameters: { serverId: SERVER } }, undefined],
  ])('when %s, then the part of the platform check it changed is named (or none)', (_what, call, compared) => {
    const e = classify(cloudTrailEvent(call));
    expect(e.kind === 'access-change' && e.target.type === 'platform' ? e.target.compared : 'not a platform change').toBe(compared);
  });

  it.each([
    ['the call failed', attachReadOnly('acme', { errorCode: 'AccessDenied' }), /failed \(AccessDenied\)/],
    ['it is a read', cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'GetRole', requestParameters: { roleName: 'partnergate-partner-acme' }, readOnly: true }), /a read/],
    ['it is another account’s', attachReadOnly('acme', { account: '444455556666' }), /another account/],
    ['it is another role', cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy', requestParameters: { roleName: 'Admin', policyArn: 'x' } }), /not one of our roles/],
    ['the role name carries no valid partner id', cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: 'partnergate-partner-../x' } }), /no valid partner id/],
    ['it is another Transfer server', cloudTrailEvent({ eventSource: 'transfer.amazonaws.com', eventName: 'UpdateUser', requestParameters: { serverId: 's-fedcba9876543210f', userName: 'acme' } }), /another Transfer server/],
    ['it is another bucket', cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: 'someone-else' } }), /another bucket/],
    ['it is an object read on our bucket', cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', requestParameters: { bucketName: platform.bucket, key: 'partners/acme/x' } }), /not a change of the bucket/],
    ['it is another key', cloudTrailEvent({ eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: 'another' } }), /another KMS key/],
    ['it is a service we do not watch', cloudTrailEvent({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' }), /not watched/],
    ['it is an S3 notification, not an API call', { version: '0', id: 'x', 'detail-type': 'Object Created', source: 'aws.s3', account: ACCOUNT, time: 't', detail: {} }, /not an API call/],
  ])('when %s, then it is ignored, saying why', (_what, event, reason) => {
    const c = classify(event);
    expect(c.kind).toBe('ignored');
    expect(c.kind === 'ignored' && c.reason).toMatch(reason);
  });

  it.each([
    ['not JSON', '{"id":', /not JSON/],
    ['JSON but not an object', '[1,2]', /not an EventBridge event/],
    ['an envelope with wrong types', JSON.stringify({ id: 5, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iam', account: ACCOUNT, time: 't', detail: {} }), /not an EventBridge event \(id\)/],
    ['a detail with wrong types', JSON.stringify({ ...attachReadOnly('acme'), detail: { eventSource: 'iam.amazonaws.com', eventName: 7 } }), /not a CloudTrail API call \(eventName\)/],
  ])('when the message is %s, then it is invalid, saying why', (_what, body, reason) => {
    const c = classify(body);
    expect(c.kind).toBe('invalid');
    expect(c.kind === 'invalid' && c.reason).toMatch(reason);
  });
});

describe('a change that can only widen a partner’s access, whatever its parameters', () => {
  const change = (event: unknown) => classify(event) as AccessChange;
  const onRole = (eventName: string, requestParameters: Record<string, unknown> = {}) =>
    change(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName, requestParameters: { roleName: 'partnergate-partner-acme', ...requestParameters } }));

  it('when a managed policy is attached to a partner role, whichever policy, or its boundary is deleted, then it can only widen', () => {
    expect(onlyWidens(change(attachReadOnly('acme')))).toBe(true);
    expect(onlyWidens(onRole('AttachRolePolicy', { policyArn: 'arn:aws:iam::111122223333:policy/nothing-at-all' }))).toBe(true);
    expect(onlyWidens(onRole('DeleteRolePermissionsBoundary'))).toBe(true);
  });

  it('when the call may as well narrow or restore (inline policy, trust, boundary set, tags, a detach), then it is not decided without reading AWS', () => {
    for (const eventName of ['PutRolePolicy', 'DeleteRolePolicy', 'UpdateAssumeRolePolicy', 'PutRolePermissionsBoundary', 'TagRole', 'UntagRole', 'DetachRolePolicy', 'DeleteRole']) {
      expect(onlyWidens(onRole(eventName, { policyName: 'x', policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' })), eventName).toBe(false);
    }
  });

  it('when the same call is on a platform role, or a Transfer user’s change, then it is not a partner role’s', () => {
    expect(onlyWidens(change(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy', requestParameters: { roleName: 'partnergate-transfer', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' } })))).toBe(false);
    expect(onlyWidens(change(cloudTrailEvent({ eventSource: 'transfer.amazonaws.com', eventName: 'UpdateUser', requestParameters: { serverId: SERVER, userName: 'acme' } })))).toBe(false);
  });
});
