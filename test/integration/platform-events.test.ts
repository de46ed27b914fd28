/**
 * The platform events consumer in the worker role's wiring (the container, real Redis and BullMQ,
 * SQS through aws-sdk-client-mock): a change to a partner's role that the bot did not make queues
 * one check of that partner however many events say so (the bot's own changes are checked too); a
 * platform resource changed outside the bot is an alert in the approvals channel, with the
 * difference it leaves from the rendered documents (the platform check of what it touched, on the
 * fake account: ../support/fake-aws.ts); duplicates, other accounts' events and malformed messages
 * change nothing and are logged with their reason. Issue 16 item 3.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { changeCausesKey as causesKey } from '../../src/jobs/lifecycle/index.js';
import { queuedMessages } from '../support/notify-outbox.js';
import { attachReadOnly, cloudTrailEvent } from '../support/platform-events.js';
import { renderPlatform, type PolicyDocument } from '../../src/aws/policies/index.js';
import { startPlatformEventsRig, type PlatformEventsRig } from '../support/platform-events-rig.js';

let t: PlatformEventsRig;
beforeEach(async () => {
  t = await startPlatformEventsRig('pe');
});
afterEach(async () => {
  await t.close();
});

describe('platform events', () => {
  it('when a managed policy is attached to a partner role, then one check of that partner is queued, with who did it kept for the report and audited', async () => {
    expect(await t.deliver(attachReadOnly('acme'))).toBe(1);
    expect(await t.checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]);
    const [cause] = (await t.redis.lrange(causesKey(t.prefix, 'acme'), 0, -1)).map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(cause).toMatchObject({ call: 'iam:AttachRolePolicy', actor: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', resource: 'IAM role partnergate-partner-acme' });
    expect(t.audits).toEqual([expect.objectContaining({ type: 'platform.changed', partnerId: 'acme', actor: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' })]);
  });

  it('when 1,000 events about one partner arrive in a burst, duplicates among them, then one check is queued and each message is deleted', async () => {
    const first = attachReadOnly('acme');
    const bodies = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? first : attachReadOnly('acme')));
    let deleted = 0;
    for (let i = 0; i < bodies.length; i += 10) deleted += await t.deliver(...bodies.slice(i, i + 10));
    expect(deleted).toBe(1000);
    expect(await t.checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]);
    expect(t.logs.lines.filter((l) => l['msg'] === 'platform event: duplicate, skipped')).toHaveLength(499);
    expect(await t.redis.llen(causesKey(t.prefix, 'acme'))).toBe(20); // the last 20 causes, for the report
  });

  it('when the bucket policy is replaced by someone else, then the approvals channel gets an alert naming who, what and where, escaped', async () => {
    const event = cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: t.c.config.platform.bucket }, session: '<!channel>' });
    await t.deliver(event);
    const [queued] = await queuedMessages(t.redis, t.prefix);
    expect(queued!.lane).toContain('C0APPROVALS');
    expect(queued!.identity).toContain(`the bucket ${t.c.config.platform.bucket} was changed outside partnergate`);
    expect(queued!.identity).toContain('s3:PutBucketPolicy');
    expect(queued!.identity).not.toContain('<!channel>');
    expect(queued!.identity).toContain('&lt;!channel&gt;');
    expect(await t.checks()).toEqual([]);
  });

  it('when the bucket policy was widened, then the alert shows the difference it leaves from the rendered policy as a diff, and the sweep will not report it again', async () => {
    const widened: PolicyDocument = structuredClone(renderPlatform(t.c.config.platform).bucketPolicy);
    widened.Statement.push({ Sid: 'PartnerAuditor', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${t.c.config.platform.bucket}/*` });
    await t.fake.setBucketPolicy(widened);
    await t.deliver(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: t.c.config.platform.bucket } }));
    const [queued] = await queuedMessages(t.redis, t.prefix);
    expect(queued!.identity).toContain('*The difference from the approved state* now:');
    expect(queued!.identity).toContain('• the bucket policy differs');
    expect(queued!.identity).toContain('--- bucket policy: AWS now');
    expect(queued!.identity).toContain('+++ bucket policy: as rendered (the platform stack deploys this)');
    expect(queued!.identity).toContain('-      \\"Sid\\": \\"PartnerAuditor\\"');
    // Recorded as the sweep records it: the sweep reports a difference once, and the alert showed this one.
    expect(await t.redis.get(`${t.prefix}:platform-drift:bucket-policy`)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when the change was reverted before the alert, then the alert says there is no difference; when the call changed nothing the check compares, it says so', async () => {
    await t.deliver(cloudTrailEvent({ eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: t.c.config.platform.kmsKeyArn, policyName: 'default' } }));
    await t.deliver(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketVersioning', requestParameters: { bucketName: t.c.config.platform.bucket } }));
    const [keyAlert, versioningAlert] = await queuedMessages(t.redis, t.prefix);
    expect(keyAlert!.identity).toContain('the platform KMS key was changed outside partnergate');
    expect(keyAlert!.identity).toContain(':white_check_mark: the KMS key policy: no difference from the approved state (the rendered documents) now');
    expect(versioningAlert!.identity).toContain('s3:PutBucketVersioning');
    expect(versioningAlert!.identity).toContain('partnergate compares no rendered document this call changes: look at it by hand.');
  });

  it('when someone turns a public access block off or enables ACLs, or creates a grant on the key, then the alert shows what now lets more in', async () => {
    await t.fake.setBucketSettings({ publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: true }, objectOwnership: 'BucketOwnerPreferred' });
    await t.deliver(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', requestParameters: { bucketName: t.c.config.platform.bucket } }));
    await t.fake.addKeyGrant({ GrantId: 'grant-1', GranteePrincipal: 'arn:aws:iam::999999999999:root', Operations: ['Decrypt'] });
    await t.deliver(cloudTrailEvent({ eventSource: 'kms.amazonaws.com', eventName: 'CreateGrant', requestParameters: { keyId: t.c.config.platform.kmsKeyArn } }));
    const [aclAlert, grantAlert] = await queuedMessages(t.redis, t.prefix);
    expect(aclAlert!.identity).toContain('s3:PutBucketAcl');
    expect(aclAlert!.identity).toContain('the bucket’s public access block has IgnorePublicAcls off');
    expect(aclAlert!.identity).toContain('the bucket’s object ownership is BucketOwnerPreferred, so ACLs can grant access');
    expect(grantAlert!.identity).toContain('kms:CreateGrant');
    expect(grantAlert!.identity).toContain('letting arn:aws:iam::999999999999:root Decrypt');
  });

  it('when AWS refuses to show the difference, then the alert still goes out, saying so', async () => {
    t.fake.failNext('GetRole', Object.assign(new Error('not authorized to perform: iam:GetRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await t.deliver(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: 'partnergate-transfer', policyName: 'x' } }));
    const [alert] = await queuedMessages(t.redis, t.prefix);
    expect(alert!.identity).toContain('the Transfer role (every SFTP session runs as it) was changed outside partnergate');
    expect(alert!.identity).toContain('could not be read: AWS refused the bot');
  });

  it('when the bot made the change, then the partner is still checked (no cause kept, nothing audited); when the call failed, it is another account’s, or the message is unreadable, then nothing is queued or posted; each is logged with its reason and deleted', async () => {
    const botRole = t.c.config.platform.botRoleArn;
    const byBot = attachReadOnly('acme', { role: botRole.slice(botRole.lastIndexOf('/') + 1) });
    (byBot['detail'] as { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } } }).userIdentity.sessionContext.sessionIssuer.arn = botRole;
    const deleted = await t.deliver(byBot, attachReadOnly('acme', { errorCode: 'AccessDenied' }), attachReadOnly('acme', { account: '444455556666' }), '{not json', JSON.stringify({ id: 1 }));
    expect(deleted).toBe(5);
    expect(await t.checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]); // the bot's own change, checked
    expect(await t.redis.llen(causesKey(t.prefix, 'acme'))).toBe(0);
    expect(await queuedMessages(t.redis, t.prefix)).toEqual([]);
    expect(t.audits).toEqual([]);
    const reasons = t.logs.lines.filter((l) => String(l['msg']).startsWith('platform event:')).map((l) => `${String(l['msg'])} ${String(l['reason'] ?? '')}`.trim());
    expect(reasons).toEqual([
      'platform event: the bot’s own change',
      'platform event: not ours, skipped the call failed (AccessDenied): nothing changed',
      'platform event: not ours, skipped another account',
      'platform event: unreadable, skipped not JSON',
      'platform event: unreadable, skipped not an EventBridge event (id)',
    ]);
  });

  it('when the check cannot be queued (Redis refuses), then the message is not deleted: it comes back', async () => {
    const add = t.c.queues.reconcile.add.bind(t.c.queues.reconcile);
    t.c.queues.reconcile.add = (async () => { throw new Error('READONLY You can\'t write against a read only replica.'); }) as never;
    try {
      expect(await t.deliver(attachReadOnly('acme'))).toBe(0);
    } finally {
      t.c.queues.reconcile.add = add;
    }
    expect(t.sqsMock.commandCalls(DeleteMessageBatchCommand)).toEqual([]);
    expect(await t.deliver(attachReadOnly('acme'))).toBe(1); // another event, handled once Redis takes it
  });
});
