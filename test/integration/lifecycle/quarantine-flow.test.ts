/**
 * Issue 16's "done when", as one process (src/main.ts run(): the real Bolt app over signed HTTP, the
 * workers, real Redis and BullMQ, s3rver, a local Slack Web API) against the fake AWS account
 * (test/support/fake-aws.ts, policy-evaluating) and the platform events queue through the product's
 * SQS loop (aws-sdk-client-mock SQS returning CloudTrail's events as EventBridge delivers them):
 *
 * a LIVE partner's role gets AmazonS3ReadOnlyAccess attached behind the bot → the AttachRolePolicy
 * event quarantines it → a file for it is parked, not delivered → its trust is widened too, so
 * re-applying rewrites a trust policy and needs two people → one approver presses Re-apply, another
 * approves the card → the policy is detached and the trust restored, the partner released, and the
 * parked file delivered into its home.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Redis } from 'ioredis';
import { botPerTest, inThread, onboardLive } from '../../support/bot-harness.js';
import { FakeAws } from '../../support/fake-aws.js';
import { installLifecycleCommands } from '../../support/fake-aws-lifecycle.js';
import { fakeSqsQueue, type FakeSqsQueue } from '../../../tools/local/fake-sqs.js';
import { attachReadOnly, cloudTrailEvent } from '../../support/platform-events.js';
import { until } from '../../support/notify-outbox.js';
import { buttonClick } from '../../../tools/local/slack-requests.js';
import { createTestRedis } from '../../../tools/local/redis.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { CANARY_OBJECT_KEY } from '../../../src/jobs/onboarding/verify-probes.js';
import { DeliveryStore } from '../../../src/store/deliveries.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';
const PARTNER_ACCOUNT = '444455556666';
const ROLE = 'partnergate-partner-acme';
const READ_ONLY_ARN = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const READ_ONLY = {
  Version: '2012-10-17' as const,
  Statement: [{ Sid: 'AmazonS3ReadOnlyAccess', Effect: 'Allow' as const, Action: ['s3:Get*', 's3:List*', 's3:Describe*'], Resource: '*' }],
};

let fake: FakeAws;
let sqs: FakeSqsQueue;
let fakeRedis: Redis;
// Registered before botPerTest's hooks (after-hooks run in reverse): the fakes exist before the bot starts and until it has stopped.
beforeEach(() => {
  sqs = fakeSqsQueue();
  fakeRedis = createTestRedis();
});
afterEach(async () => {
  fake.restore();
  sqs.restore();
  await fakeRedis.quit();
});
const h = botPerTest(
  { DRY_RUN: 'false', TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '1', PLATFORM_EVENTS_QUEUE_URL: QUEUE_URL },
  { web: true, worker: true },
  {
    overrides: async (config, s3) => {
      fake = new FakeAws({ redis: fakeRedis, ns: `${config.prefix}:fakeaws`, platform: config.platform });
      installLifecycleCommands(fake, { redis: fakeRedis, ns: `${config.prefix}:fakeaws`, platform: config.platform });
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: CANARY_OBJECT_KEY, Body: 'canary: no partner may read this' }));
      return {
        awsClients: fake.clients(), s3ForCredentials: fake.policyGatedS3(s3.endpoint), sqs: sqs.client,
        workerOptions: { lifecycle: { backoffBaseMs: 5, backoffMaxMs: 20 } },
      };
    },
  },
);

const status = async () => (JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!) as { status: string }).status;
const exists = (key: string) => h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: key })).then(async (o) => o.Body!.transformToString(), () => null);
const buttonValue = (c: SlackCall, actionId: string) =>
  (c.body['blocks'] as { type: string; elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)!.value;

describe('a partner role widened behind the bot, caught by its CloudTrail event', () => {
  it('when AttachRolePolicy arrives through SQS, then the partner is quarantined and its delivery parked; after the two-person Re-apply it is released and the parked file delivered', async () => {
    // A partner that pulls through its role (no SFTP user: without TRANSFER_HOST an SFTP onboarding is refused).
    const thread = await onboardLive(h, { accountId: PARTNER_ACCOUNT, sshKeys: undefined });

    // Someone attaches AmazonS3ReadOnlyAccess to the role; CloudTrail's event reaches the queue.
    await fake.attachManagedPolicy(ROLE, READ_ONLY_ARN, READ_ONLY);
    sqs.send(attachReadOnly('acme'));
    await h.slack.waitFor(inThread(thread, /`acme` is QUARANTINED/), 20_000);
    expect(await status()).toBe('quarantined');
    await until('the event’s message deleted', async () => sqs.deleted.length > 0); // the alert is queued before the message is done with
    expect(sqs.deleted).toEqual(['rh-1']);

    // A file for it is parked, not delivered.
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'outbound/acme/prices.csv', Body: 'sku,price\nA-1,10.00\n' }));
    const deliveries = new DeliveryStore(h.redis, h.config.prefix);
    await until('the file parked', async () => (await deliveries.parked('acme')).size === 1);
    expect(await exists('partners/acme/prices.csv')).toBeNull();

    // The trust is widened as well: re-applying now rewrites a trust policy, which takes two people.
    const trust = JSON.parse(decodeURIComponent((await fake.role(ROLE))!.AssumeRolePolicyDocument)) as { Statement: Record<string, unknown>[] };
    trust.Statement.push({ Sid: 'Planted', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' });
    const planted = JSON.stringify(trust);
    await fake.clients().iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE, PolicyDocument: planted }));
    sqs.send(cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'UpdateAssumeRolePolicy', requestParameters: { roleName: ROLE, policyDocument: planted } }));
    const report = await h.slack.waitFor(inThread(thread, /Drift on acme.*pressing it asks a second approver/), 20_000);
    expect(JSON.stringify(report.body['blocks'])).toContain(`managed policy ${READ_ONLY_ARN} is attached`);

    // One approver presses Re-apply: a card for a second approver, nothing written yet.
    await h.post(buttonClick('UAPPROVER1', 'drift_reapply', buttonValue(report, 'drift_reapply'), { channel: 'C0APPROVALS', ts: String(report.answer!['ts']) }, h.slack.responseUrl('reapply')));
    const changeCard = await h.slack.waitFor(inThread(thread, /^Awaiting approval: Re-apply the rendered documents/), 20_000);
    const changeId = JSON.stringify(changeCard.body['blocks']).match(/"value":"(chg_[a-z2-7]{26})"/)![1]!;
    const cardAt = { channel: 'C0APPROVALS', ts: String(changeCard.answer!['ts']) };
    await h.post(buttonClick('UAPPROVER1', 'change_approve', changeId, cardAt, h.slack.responseUrl('self')));
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UAPPROVER1' && /You asked for this change/.test(String(c.body['text'])));
    expect(Object.keys(await fake.attachedPolicies(ROLE))).toEqual([READ_ONLY_ARN]);
    expect(await status()).toBe('quarantined');

    // The second approver approves: the policy detached, the trust restored, the partner released, the parked file delivered.
    await h.post(buttonClick('UAPPROVER2', 'change_approve', changeId, cardAt, h.slack.responseUrl('second')));
    const done = await h.slack.waitFor(inThread(thread, /^:wrench: Re-applied on `acme`/), 20_000);
    expect(String(done.body['text'])).toContain('asked by <@UAPPROVER1>, approved by <@UAPPROVER2>');
    expect(String(done.body['text'])).toContain(`detached managed policy ${READ_ONLY_ARN}`);
    await h.slack.waitFor(inThread(thread, /`acme` is released from quarantine/), 20_000);
    expect(await status()).toBe('live');
    expect(await fake.attachedPolicies(ROLE)).toEqual({});
    expect(JSON.stringify(JSON.parse(decodeURIComponent((await fake.role(ROLE))!.AssumeRolePolicyDocument)))).not.toContain('999988887777');
    await h.slack.waitFor(inThread(thread, /partners\/acme\/prices\.csv/), 20_000);
    expect(await exists('partners/acme/prices.csv')).toBe('sku,price\nA-1,10.00\n');
    expect((await deliveries.parked('acme')).size).toBe(0);
  });
});
