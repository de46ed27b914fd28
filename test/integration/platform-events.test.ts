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
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container/container.js';
import { platformEventsWorkers } from '../../src/container/workers.js';
import type { SqsPoller } from '../../src/jobs/platform/sqs-poller.js';
import type { AuditInput } from '../../src/actions/ports.js';
import { changeCausesKey as causesKey } from '../../src/jobs/lifecycle/index.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { queuedMessages } from '../support/notify-outbox.js';
import { attachReadOnly, cloudTrailEvent } from '../support/platform-events.js';
import { FakeAws } from '../support/fake-aws.js';
import { renderPlatform, type PolicyDocument } from '../../src/aws/policies/index.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';
const sqsMock = mockClient(SQSClient);

let c: Container;
let source: SqsPoller;
let redis: Redis;
let prefix: string;
let logs: LogCapture;
let audits: AuditInput[];
let fake: FakeAws;

beforeEach(() => {
  prefix = testPrefix('pe');
  redis = createTestRedis();
  logs = captureLogs('debug');
  audits = [];
  const config = loadConfig(testEnv({ PARTNERGATE_PREFIX: prefix, PLATFORM_EVENTS_QUEUE_URL: QUEUE_URL }));
  fake = new FakeAws({ redis, ns: `${prefix}:fakeaws`, platform: config.platform });
  c = createContainer(config, logs.logger, { sqs: new SQSClient({ region: 'eu-west-1' }), awsClients: fake.clients(), audit: async (a) => void audits.push(a) });
  source = platformEventsWorkers(c).source!;
  sqsMock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
});
afterEach(async () => {
  sqsMock.reset();
  fake.restore();
  await c.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

/** One receive that returns these bodies, as SQS would. */
async function deliver(...bodies: (string | Record<string, unknown>)[]): Promise<number> {
  sqsMock.on(ReceiveMessageCommand).resolves({
    Messages: bodies.map((b, i) => ({ MessageId: `m${i}`, ReceiptHandle: `rh${i}`, Body: typeof b === 'string' ? b : JSON.stringify(b) })),
  });
  return source.receiveOnce();
}
const checks = async () => (await c.queues.reconcile.getJobs(['delayed', 'waiting'])).map((j) => ({ name: j.name, data: j.data }));

describe('platform events', () => {
  it('when a managed policy is attached to a partner role, then one check of that partner is queued, with who did it kept for the report and audited', async () => {
    expect(await deliver(attachReadOnly('acme'))).toBe(1);
    expect(await checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]);
    const [cause] = (await redis.lrange(causesKey(prefix, 'acme'), 0, -1)).map((x) => JSON.parse(x) as Record<string, unknown>);
    expect(cause).toMatchObject({ call: 'iam:AttachRolePolicy', actor: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', resource: 'IAM role partnergate-partner-acme' });
    expect(audits).toEqual([expect.objectContaining({ type: 'platform.changed', partnerId: 'acme', actor: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' })]);
  });

  it('when 1,000 events about one partner arrive in a burst, duplicates among them, then one check is queued and each message is deleted', async () => {
    const first = attachReadOnly('acme');
    const bodies = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? first : attachReadOnly('acme')));
    let deleted = 0;
    for (let i = 0; i < bodies.length; i += 10) deleted += await deliver(...bodies.slice(i, i + 10));
    expect(deleted).toBe(1000);
    expect(await checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]);
    expect(logs.lines.filter((l) => l['msg'] === 'platform event: duplicate, skipped')).toHaveLength(499);
    expect(await redis.llen(causesKey(prefix, 'acme'))).toBe(20); // the last 20 causes, for the report
  });

  it('when the bucket policy is replaced by someone else, then the approvals channel gets an alert naming who, what and where, escaped', async () => {
    const event = cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: c.config.platform.bucket }, session: '<!channel>' });
    await deliver(event);
    const [queued] = await queuedMessages(redis, prefix);
    expect(queued!.lane).toContain('C0APPROVALS');
    expect(queued!.identity).toContain(`the bucket ${c.config.platform.bucket} was changed outside partnergate`);
    expect(queued!.identity).toContain('s3:PutBucketPolicy');
    expect(queued!.identity).not.toContain('<!channel>');
    expect(queued!.identity).toContain('&lt;!channel&gt;');
    expect(await checks()).toEqual([]);
  });

  it('when the bucket policy was widened, then the alert shows the difference it leaves from the rendered policy as a diff, and the sweep will not report it again', async () => {
    const widened: PolicyDocument = structuredClone(renderPlatform(c.config.platform).bucketPolicy);
    widened.Statement.push({ Sid: 'PartnerAuditor', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${c.config.platform.bucket}/*` });
    await fake.setBucketPolicy(widened);
    await deliver(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: c.config.platform.bucket } }));
    const [queued] = await queuedMessages(redis, prefix);
    expect(queued!.identity).toContain('*The difference from the approved state* now:');
    expect(queued!.identity).toContain('• the bucket policy differs');
    expect(queued!.identity).toContain('--- bucket policy: AWS now');
    expect(queued!.identity).toContain('+++ bucket policy: as rendered (the platform stack deploys this)');
    expect(queued!.identity).toContain('-      \\"Sid\\": \\"PartnerAuditor\\"');
    // Recorded as the sweep records it: the sweep reports a difference once, and the alert showed this one.
    expect(await redis.get(`${prefix}:platform-drift:bucket-policy`)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when the change was reverted before the alert, then the alert says there is no difference; when the call changed nothing the check compares, it says so', async () => {
    await deliver(cloudTrailEvent({ eventSource: 'kms.amazonaws.com', eventName: 'PutKeyPolicy', requestParameters: { keyId: c.config.platform.kmsKeyArn, policyName: 'default' } }));
    await deliver(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', requestParameters: { bucketName: c.config.platform.bucket } }));
    const [keyAlert, aclAlert] = await queuedMessages(redis, prefix);
    expect(keyAlert!.identity).toContain('the platform KMS key was changed outside partnergate');
    expect(keyAlert!.identity).toContain(':white_check_mark: the KMS key policy: no difference from the approved state (the rendered documents) now');
    expect(aclAlert!.identity).toContain('s3:PutBucketAcl');
    expect(aclAlert!.identity).toContain('partnergate compares no rendered document this call changes: look at it by hand.');
  });

  it('when AWS refuses to show the difference, then the alert still goes out, saying so', async () => {
    fake.failNext('GetRole', Object.assign(new Error('not authorized to perform: iam:GetRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await deliver(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'PutRolePolicy', requestParameters: { roleName: 'partnergate-transfer', policyName: 'x' } }));
    const [alert] = await queuedMessages(redis, prefix);
    expect(alert!.identity).toContain('the Transfer role (every SFTP session runs as it) was changed outside partnergate');
    expect(alert!.identity).toContain('could not be read (AWS answered `AccessDenied`)');
  });

  it('when the bot made the change, then the partner is still checked (no cause kept, nothing audited); when the call failed, it is another account’s, or the message is unreadable, then nothing is queued or posted; each is logged with its reason and deleted', async () => {
    const botRole = c.config.platform.botRoleArn;
    const byBot = attachReadOnly('acme', { role: botRole.slice(botRole.lastIndexOf('/') + 1) });
    (byBot['detail'] as { userIdentity: { sessionContext: { sessionIssuer: { arn: string } } } }).userIdentity.sessionContext.sessionIssuer.arn = botRole;
    const deleted = await deliver(byBot, attachReadOnly('acme', { errorCode: 'AccessDenied' }), attachReadOnly('acme', { account: '444455556666' }), '{not json', JSON.stringify({ id: 1 }));
    expect(deleted).toBe(5);
    expect(await checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]); // the bot's own change, checked
    expect(await redis.llen(causesKey(prefix, 'acme'))).toBe(0);
    expect(await queuedMessages(redis, prefix)).toEqual([]);
    expect(audits).toEqual([]);
    const reasons = logs.lines.filter((l) => String(l['msg']).startsWith('platform event:')).map((l) => `${String(l['msg'])} ${String(l['reason'] ?? '')}`.trim());
    expect(reasons).toEqual([
      'platform event: the bot’s own change',
      'platform event: not ours, skipped the call failed (AccessDenied): nothing changed',
      'platform event: not ours, skipped another account',
      'platform event: unreadable, skipped not JSON',
      'platform event: unreadable, skipped not an EventBridge event (id)',
    ]);
  });

  it('when the check cannot be queued (Redis refuses), then the message is not deleted: it comes back', async () => {
    const add = c.queues.reconcile.add.bind(c.queues.reconcile);
    c.queues.reconcile.add = (async () => { throw new Error('READONLY You can\'t write against a read only replica.'); }) as never;
    try {
      expect(await deliver(attachReadOnly('acme'))).toBe(0);
    } finally {
      c.queues.reconcile.add = add;
    }
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toEqual([]);
    expect(await deliver(attachReadOnly('acme'))).toBe(1); // another event, handled once Redis takes it
  });
});
