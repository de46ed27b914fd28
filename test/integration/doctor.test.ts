/**
 * `partnergate doctor` against the local stand-ins: a redis-server of the test's own (AOF,
 * noeviction; its settings changed per case), the fake Slack server, s3rver as the bucket (with
 * the canary), and aws-sdk-client-mock for STS, IAM, Transfer and SQS answering as AWS documents —
 * SimulatePrincipalPolicy evaluated by the offline IAM engine against the rendered bot role. One
 * healthy run, then one run per broken item: each names the check that fails, and the fix.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetPolicyCommand, GetRoleCommand, IAMClient, NoSuchEntityException, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeServerCommand, ResourceNotFoundException, TransferClient } from '@aws-sdk/client-transfer';
import { GetQueueAttributesCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { runDoctor } from '../../src/cli/doctor.js';
import { loadPlatformConfig } from '../../src/config.js';
import { identityPolicies, renderPlatform, type PolicyDocument, type RenderedRole } from '../../src/aws/policies/index.js';

/** The bot role's managed policies as one document (the same allows and denies). */
const botDocument = (role: RenderedRole): PolicyDocument => ({ Version: '2012-10-17', Statement: identityPolicies(role).flatMap((p) => p.document.Statement) });
import { CANARY_OBJECT_KEY } from '../../src/jobs/onboarding/index.js';
import { IamEngine } from '../../tools/isolation/iam-engine.js';
import { startFakeSlack, type FakeSlack } from '../../tools/local/fake-slack.js';
import { startLocalS3, type LocalS3 } from '../../tools/local/s3.js';
import { testEnv } from '../../tools/local/env.js';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.js';
import { capture } from '../support/cli.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stubs answer several command types each, as fake-aws.ts's do
type Stub = AwsStub<any, any, any>;

const ACCOUNT = '111122223333';
const DELIVERY_QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/partnergate-deliveries`;
const EVENTS_QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/partnergate-platform-events`;
const BOT_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/partnergate-bot/ecs-task-0123`;

let redis: OwnRedis;
let admin: Redis;
let slack: FakeSlack;
let s3: LocalS3;
/** A second local S3, without the platform's bucket. */
let other: LocalS3 | undefined;
let sts: Stub;
let iam: Stub;
let transfer: Stub;
let sqs: Stub;
const engine = new IamEngine();

beforeAll(async () => {
  redis = await startOwnRedis();
  admin = new Redis(redis.url);
  s3 = await startLocalS3();
});
afterAll(async () => {
  admin.disconnect();
  await redis.close();
  await s3.close();
});

function env(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return testEnv({
    REDIS_URL: redis.url, SLACK_API_URL: slack.apiUrl, DISTRIBUTION_BUCKET: s3.bucket, APPROVER_USERGROUP: 'S0APPROVERS',
    DELIVERIES_CHANNEL: 'C0DELIVERIES', DELIVERY_QUEUE_URL, PLATFORM_EVENTS_QUEUE_URL: EVENTS_QUEUE_URL, ...over,
  });
}

const platform = () => loadPlatformConfig(env());

/** The queue policies and dead-letter queues manifests/platform.yaml gives the two queues. */
function queueAttributesAsDeployed(url: string): Record<string, string> {
  const delivery = url === DELIVERY_QUEUE_URL;
  const arn = `arn:aws:sqs:eu-west-1:${ACCOUNT}:${delivery ? 'partnergate-deliveries' : 'partnergate-platform-events'}`;
  const allow = delivery
    ? { Sid: 'DistributionBucketEvents', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arn,
      Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${s3.bucket}` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } } }
    : { Sid: 'PlatformEventsRuleOnly', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arn,
      Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:events:eu-west-1:${ACCOUNT}:rule/partnergate-platform-events` } } };
  return {
    QueueArn: arn, ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0',
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [allow] }),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${arn}-dlq`, maxReceiveCount: 5 }),
  };
}

/** SimulatePrincipalPolicy as IAM answers it, evaluated offline against `botPolicy`. */
function simulateWith(botPolicy: PolicyDocument) {
  const rendered = renderPlatform(platform());
  return async (input: { ActionNames?: string[]; ResourceArns?: string[]; ContextEntries?: { ContextKeyName?: string; ContextKeyValues?: string[] }[] }) => {
    const context = Object.fromEntries((input.ContextEntries ?? []).map((c) => [c.ContextKeyName!, c.ContextKeyValues![0]!]));
    const results = [];
    for (const action of input.ActionNames ?? []) {
      for (const resource of input.ResourceArns ?? ['*']) {
        const keyPolicy = action.startsWith('kms:') ? { resource: rendered.kmsKeyPolicy } : {};
        const r = await engine.simulate({ identity: [{ name: 'partnergate-bot', document: botPolicy }], ...keyPolicy }, {
          principal: BOT_SESSION, action, resource, resourceAccount: ACCOUNT, context,
        });
        const decision = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' }[r.decision];
        results.push({ EvalActionName: action, EvalResourceName: resource, EvalDecision: decision });
      }
    }
    return { EvaluationResults: results, IsTruncated: false };
  };
}

beforeEach(async () => {
  await admin.config('SET', 'appendonly', 'yes');
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
  slack = await startFakeSlack({ usergroups: { S0APPROVERS: ['UAPPROVER3'] } });
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: CANARY_OBJECT_KEY, Body: 'canary' }));
  const p = platform();
  const rendered = renderPlatform(p);
  sts = mockClient(STSClient) as unknown as Stub;
  iam = mockClient(IAMClient) as unknown as Stub;
  transfer = mockClient(TransferClient) as unknown as Stub;
  sqs = mockClient(SQSClient) as unknown as Stub;
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: BOT_SESSION, UserId: 'AROAEXAMPLE:ecs-task-0123' });
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAVERIFIER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
  transfer.on(DescribeServerCommand).resolves({
    Server: { Arn: p.transferServerArn, ServerId: p.transferServerId, State: 'ONLINE', IdentityProviderType: 'SERVICE_MANAGED', Domain: 'S3', Protocols: ['SFTP'], EndpointType: 'PUBLIC' },
  });
  const role = (name: string, trust: PolicyDocument) => ({ Role: { RoleName: name, Arn: `arn:aws:iam::${ACCOUNT}:role/partnergate/${name}`, Path: '/partnergate/', RoleId: 'AROA', CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)) } });
  iam.on(GetRoleCommand, { RoleName: 'partnergate-transfer' }).resolves(role('partnergate-transfer', rendered.transferRole.trustPolicy));
  iam.on(GetRoleCommand, { RoleName: 'partnergate-verifier' }).resolves(role('partnergate-verifier', rendered.verifierRole.trustPolicy));
  iam.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'partnergate-partner-boundary', Arn: p.permissionsBoundaryArn } });
  iam.on(SimulatePrincipalPolicyCommand).callsFake(simulateWith(botDocument(rendered.botRole)));
  sqs.on(GetQueueAttributesCommand).callsFake(async (input: { QueueUrl: string }) => ({ Attributes: queueAttributesAsDeployed(input.QueueUrl) }));
});
afterEach(async () => {
  for (const stub of [sts, iam, transfer, sqs]) stub.restore();
  await slack.close();
  await other?.close();
  other = undefined;
});

async function doctor(over: Record<string, string | undefined> = {}, bucket: S3Client = s3.client): Promise<{ code: number; lines: string[]; err: string }> {
  const { code, out, err } = await capture((o) => runDoctor([], env(over), o, { s3: bucket }));
  return { code, lines: out.trimEnd().split('\n'), err };
}

const failures = (lines: string[]) => lines.filter((l) => l.startsWith('FAIL'));

describe('partnergate doctor', () => {
  it('when everything is as the platform stack and the Slack app make it, then every check passes and it exits 0', async () => {
    const run = await doctor();

    expect(run.err).toBe('');
    expect(run.lines.map((l) => (l.includes(':') ? l.slice(0, l.indexOf(':')) : l))).toEqual([
      'PASS config', 'PASS redis access', 'PASS redis', 'PASS redis persistence', 'PASS redis eviction',
      'PASS slack token', 'SKIP slack app token', 'PASS approvals channel', 'PASS deliveries channel', 'PASS approvers',
      'PASS aws identity', 'PASS bucket', 'PASS canary', 'PASS transfer server', 'PASS platform roles', 'PASS verifier',
      'PASS bot rights', 'PASS bot rights', 'PASS bot rights', 'PASS bot rights', 'PASS bot rights', 'PASS bot rights', 'PASS bot rights',
      'PASS delivery queue', 'PASS platform events queue', 'healthy; 1 skipped',
    ]);
    expect(run.code).toBe(0);
    expect(run.lines).toContain('PASS redis persistence: AOF on (appendonly yes)');
    expect(run.lines).toContain('PASS approvers: 2 in APPROVERS, 1 in S0APPROVERS');
    expect(run.lines.filter((l) => l.startsWith('PASS bot rights')).map((l) => l.split(':')[1]!.trim()).sort())
      .toEqual(['bucket', 'key', 'partner roles', 'policy checks', 'queues', 'transfer', 'verifier']);
    // Nothing is written: the only AWS calls are reads, one simulation per resource and one AssumeRole.
    expect(sqs.calls().map((c) => c.args[0].constructor.name)).toEqual(['GetQueueAttributesCommand', 'GetQueueAttributesCommand']);
    expect(slack.calls().map((c) => c.method).sort()).toEqual(
      ['auth.test', 'conversations.info', 'conversations.info', 'usergroups.users.list', 'users.info', 'users.info'],
    );
    // No secret in the report: not the tokens, not the signing secret.
    expect(run.lines.join('\n')).not.toMatch(/xoxb-|test-signing-secret/);
  });

  /** `arrange` breaks one thing; it may answer the environment to run with, or another bucket. `lines`: every FAIL line expected, in order. */
  type Arranged = { env?: Record<string, string | undefined>; s3?: S3Client } | void;
  const broken: { item: string; arrange: () => Promise<Arranged>; lines: RegExp[] }[] = [
    {
      item: 'Redis keeps nothing across a restart',
      arrange: async () => void (await admin.config('SET', 'appendonly', 'no'), await admin.config('SET', 'save', '')),
      lines: [/^FAIL redis persistence: no persistence .*\. Fix: appendonly yes/],
    },
    {
      item: 'Redis keeps RDB snapshots only',
      arrange: async () => void (await admin.config('SET', 'appendonly', 'no'), await admin.config('SET', 'save', '3600 1')),
      lines: [/^FAIL redis persistence: AOF off, RDB snapshots only \(save "3600 1"\)/],
    },
    {
      item: 'Redis may evict keys',
      arrange: async () => void (await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')),
      lines: [/^FAIL redis eviction: maxmemory-policy is allkeys-lru: .*\. Fix: maxmemory-policy noeviction/],
    },
    {
      item: 'Redis does not answer',
      arrange: async () => ({ env: { REDIS_URL: 'redis://127.0.0.1:1' } }),
      lines: [/^FAIL redis: no answer from redis:\/\/127\.0\.0\.1:1 within 2 s\. Fix: check REDIS_URL/],
    },
    {
      item: 'Redis is elsewhere without a password',
      // Not on this host: it does not answer here either.
      arrange: async () => ({ env: { REDIS_URL: 'redis://192.0.2.10:6379' } }),
      lines: [/^FAIL redis access: Redis at 192\.0\.2\.10:6379 is not on this host and REDIS_URL has no password.*\. Fix: put a password/, /^FAIL redis: no answer/],
    },
    {
      item: 'the Slack token was revoked',
      arrange: async () => void slack.fail('auth.test', { kind: 'error', error: 'invalid_auth' }),
      lines: [/^FAIL slack token: Slack answered invalid_auth\. Fix: SLACK_BOT_TOKEN is the app's Bot User OAuth Token/],
    },
    {
      item: 'the token is of another workspace',
      arrange: async () => ({ env: { SLACK_TEAM_ID: 'T0OTHER01' } }),
      lines: [/^FAIL slack token: the token is of workspace partnergate-test \(T0TEAM001\), not SLACK_TEAM_ID T0OTHER01/],
    },
    {
      item: 'the Socket Mode app token does not work',
      arrange: async () => (slack.fail('apps.connections.open', { kind: 'error', error: 'invalid_auth' }), { env: { SLACK_APP_TOKEN: 'xapp-1-A0-1-revoked' } }),
      lines: [/^FAIL slack app token: Slack answered invalid_auth\. Fix: SLACK_APP_TOKEN is an app-level token/],
    },
    {
      item: 'the bot is not in the approvals channel',
      arrange: async () => slack.handle('conversations.info', ({ body }) => ({ ok: true, channel: { id: body.channel, name: 'partner-approvals', is_member: body.channel !== 'C0APPROVALS' } })),
      lines: [/^FAIL approvals channel: the bot is not a member of #partner-approvals \(C0APPROVALS\).*Fix: \/invite @partnergate/],
    },
    {
      item: 'the app lacks the scope to read channels',
      arrange: async () => void slack.fail('conversations.info', { kind: 'error', error: 'missing_scope' }, { times: 2 }),
      lines: [/^FAIL approvals channel: the app may not read channel details \(missing_scope\).*Fix: add the channels:read and groups:read bot scopes/, /^FAIL deliveries channel: the app may not read channel details/],
    },
    {
      item: 'the deliveries channel does not exist',
      arrange: async () => void slack.fail('conversations.info', { kind: 'error', error: 'channel_not_found' }, { match: (c) => c.body.channel === 'C0DELIVERIES' }),
      lines: [/^FAIL deliveries channel: Slack knows no channel C0DELIVERIES the bot can see/],
    },
    {
      item: 'an approver was deactivated',
      arrange: async () => slack.handle('users.info', ({ body }) => ({ ok: true, user: { id: body.user, deleted: body.user === 'UAPPROVER2' } })),
      lines: [/^FAIL approvers: UAPPROVER2 is deactivated/],
    },
    {
      item: 'the approver group is empty',
      arrange: async () => slack.handle('usergroups.users.list', () => ({ ok: true, users: [] })),
      lines: [/^FAIL approvers: user group S0APPROVERS has no members/],
    },
    {
      item: 'doctor does not run as the bot',
      arrange: async () => void sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice` }),
      lines: [/^FAIL aws identity: the credentials are arn:aws:sts::111122223333:assumed-role\/Admin\/alice, not the bot role.*Fix: run doctor where the bot runs/],
    },
    {
      item: 'the credentials are of another account',
      arrange: async () => void sts.on(GetCallerIdentityCommand).resolves({ Account: '999988887777', Arn: 'arn:aws:sts::999988887777:assumed-role/partnergate-bot/x' }),
      lines: [/^FAIL aws identity: the credentials are of account 999988887777, not AWS_ACCOUNT_ID 111122223333/],
    },
    {
      item: 'the bucket is not there',
      arrange: async () => {
        other = await startLocalS3({ buckets: ['someone-elses'] });
        return { s3: other.client };
      },
      // Without the bucket there is no canary either.
      lines: [/^FAIL bucket: s3 ListObjectsV2 failed: NoSuchBucket.*Fix: set DISTRIBUTION_BUCKET/, /^FAIL canary: .* is missing/],
    },
    {
      item: 'the canary was never created',
      arrange: async () => void (await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: CANARY_OBJECT_KEY }))),
      lines: [/^FAIL canary: partners\/-canary\/canary\.txt is missing: every verification fails without it\. Fix: create it once/],
    },
    {
      item: 'the Transfer server is stopped',
      arrange: async () => void transfer.on(DescribeServerCommand).resolves({ Server: { Arn: 'a', ServerId: 's', State: 'OFFLINE', IdentityProviderType: 'SERVICE_MANAGED', Domain: 'S3', Protocols: ['SFTP'] } }),
      lines: [/^FAIL transfer server: s-0123456789abcdef0 is OFFLINE: .*Fix: aws transfer start-server --server-id s-0123456789abcdef0/],
    },
    {
      item: 'TRANSFER_SERVER_ID names no server',
      arrange: async () => void transfer.on(DescribeServerCommand).rejects(new ResourceNotFoundException({ message: 'Unknown server', $metadata: { httpStatusCode: 400 }, Message: 'Unknown server', Resource: 's', ResourceType: 'Server' })),
      lines: [/^FAIL transfer server: no Transfer server s-0123456789abcdef0 in this region/],
    },
    {
      item: 'the Transfer role is missing',
      arrange: async () => void iam.on(GetRoleCommand, { RoleName: 'partnergate-transfer' }).rejects(new NoSuchEntityException({ message: 'no role', $metadata: { httpStatusCode: 404 } })),
      lines: [/^FAIL platform roles: missing: the Transfer role arn:aws:iam::111122223333:role\/partnergate\/partnergate-transfer/],
    },
    {
      item: 'the verifier does not trust the bot',
      arrange: async () => void sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })),
      lines: [/^FAIL verifier: sts AssumeRole failed: AccessDenied: .*Fix: the verifier role must trust the bot role/],
    },
    {
      item: 'the bot role lacks a right (passing the Transfer role)',
      arrange: async () => {
        const document = botDocument(renderPlatform(platform()).botRole);
        iam.on(SimulatePrincipalPolicyCommand).callsFake(simulateWith({ ...document, Statement: document.Statement.filter((s) => s.Sid !== 'PassTransferRoleToTransfer') }));
      },
      lines: [/^FAIL bot rights: partner roles: refused: iam:PassRole on arn:aws:iam::111122223333:role\/partnergate\/partnergate-transfer \(implicitDeny\)\. Fix: the bot role's policy is not the one manifests\/platform\.yaml renders/],
    },
    {
      item: 'the bot role may not simulate itself',
      arrange: async () => void iam.on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error('not authorized to perform: iam:SimulatePrincipalPolicy'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })),
      lines: [/^FAIL bot rights: iam SimulatePrincipalPolicy failed: AccessDenied/],
    },
    {
      item: 'the bucket may not send to the delivery queue',
      arrange: async () => void sqs.on(GetQueueAttributesCommand, { QueueUrl: DELIVERY_QUEUE_URL }).resolves({ Attributes: { ...queueAttributesAsDeployed(DELIVERY_QUEUE_URL), Policy: JSON.stringify({ Statement: [] }) } }),
      lines: [/^FAIL delivery queue: its policy lets no s3\.amazonaws\.com send to it from arn:aws:s3:::partnergate-dist-test: nothing arrives/],
    },
    {
      item: 'the platform events queue is gone',
      arrange: async () => void sqs.on(GetQueueAttributesCommand, { QueueUrl: EVENTS_QUEUE_URL }).rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400 } })),
      lines: [/^FAIL platform events queue: no queue at https:\/\/sqs\.eu-west-1\.amazonaws\.com\/111122223333\/partnergate-platform-events\. Fix: set PLATFORM_EVENTS_QUEUE_URL/],
    },
  ];

  it.each(broken)('when $item, then that check fails with its fix, the others still run, and it exits 1', async ({ arrange, lines }) => {
    const arranged = (await arrange()) ?? {};
    const run = await doctor(arranged.env, arranged.s3);

    expect(failures(run.lines)).toEqual(lines.map((l) => expect.stringMatching(l)));
    expect(run.code).toBe(1);
    expect(run.lines.at(-1)).toMatch(new RegExp(`^${lines.length} check\\(s\\) failed`));
    expect(run.lines.some((l) => l.startsWith('PASS platform events queue') || l.startsWith('FAIL platform events queue'))).toBe(true);
  });

  it('when variables are missing or malformed, then it says which, one FAIL line each, checks nothing else and exits 2', async () => {
    const run = await doctor({ SLACK_BOT_TOKEN: undefined, PORT: 'eighty' });
    expect(run.lines).toEqual([
      expect.stringMatching(/^FAIL config: SLACK_BOT_TOKEN is required \(.*xoxb-.*\)\. Fix: set it as \.env\.example says$/),
      'FAIL config: PORT must be a whole number from 0 to 65535. Fix: set it as .env.example says',
    ]);
    expect(run.code).toBe(2);
    expect(slack.calls()).toEqual([]);
    expect(await runDoctor(['--bogus'], env(), { stdout: () => undefined, stderr: () => undefined })).toBe(2);
  });

  it('when DRY_RUN is on, then what the bot would not call is skipped and said so, the rest is checked, and nothing reaches STS, IAM or Transfer', async () => {
    const run = await doctor({ DRY_RUN: 'true' });

    expect(run.code).toBe(0);
    for (const name of ['aws identity', 'canary', 'transfer server', 'platform roles', 'verifier', 'bot rights']) {
      expect(run.lines).toContain(`SKIP ${name}: DRY_RUN: the bot sends no STS, IAM, Transfer or KMS call, and neither does doctor`);
    }
    for (const name of ['redis persistence', 'approvals channel', 'bucket', 'delivery queue']) expect(run.lines.some((l) => l.startsWith(`PASS ${name}:`))).toBe(true);
    expect(run.lines.at(-1)).toBe('healthy; 7 skipped');
    expect([...sts.calls(), ...iam.calls(), ...transfer.calls()]).toEqual([]);
  });
});
