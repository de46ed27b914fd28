/**
 * The reads behind `partnergate doctor`, in three groups — Redis, Slack, AWS — each reporting one
 * CheckResult per check as it goes (src/domain/doctor.ts says what each finding means). Nothing
 * here writes: Redis is asked CONFIG GET and INFO, Slack auth.test, conversations.info, users.info,
 * usergroups.users.list and (Socket Mode) apps.connections.open, AWS only read, describe and
 * simulate calls, plus one AssumeRole of the verifier (what verification does) and one read of the
 * canary object. An error a check did not expect is its FAIL line, and the next check runs.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { redisExposureWarning, redisReachable } from '../redis.js';
import { AppError, AwsError } from '../domain/errors.js';
import {
  fail, identityVerdict, parseRedisInfo, pass, queueProblems, redisEviction, redisPersistence, rightsVerdicts, skip, transferServerVerdict,
  type CheckResult,
} from '../domain/doctor.js';
import type { ControlPlaneClients } from '../aws/control-plane.js';
import { getRole } from '../aws/iam.js';
import { assumeRole } from '../aws/sts.js';
import { listOutbound, sha256OfObject } from '../aws/s3-objects.js';
import { callerIdentity, describeServer, policyExists, queueAttributes, simulateRights } from '../aws/platform-reads.js';
import { botRightSamples } from '../aws/policies/index.js';
import { bucketArn, roleNameOf } from '../aws/policies/names.js';
import { CANARY_OBJECT_KEY } from '../jobs/onboarding/index.js';
import { createNotifySlackClient } from '../jobs/notify/index.js';

export type Report = (result: CheckResult) => void;

/** What failed, in one line: AWS's service, operation and code, Slack's error code, or the message. */
function failure(err: unknown): string {
  if (err instanceof AwsError) return `${err.service} ${err.operation} failed: ${err.code}: ${err.message}`;
  const slack = (err as { data?: { error?: unknown } }).data?.error;
  if (typeof slack === 'string') return `Slack answered ${slack}`;
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

const slackCode = (err: unknown): string | undefined => {
  const code = (err as { data?: { error?: unknown } }).data?.error;
  return typeof code === 'string' ? code : undefined;
};

/** Runs one check; an error it did not turn into a finding is its FAIL line, with `fix`. */
async function attempt(report: Report, name: string, fix: string, body: () => Promise<CheckResult | CheckResult[]>): Promise<boolean> {
  try {
    const results = await body();
    for (const r of ([] as CheckResult[]).concat(results)) report(r);
    return true;
  } catch (err) {
    report(fail(name, failure(err), fix));
    return false;
  }
}

/** `host:port` of REDIS_URL: never its password. */
function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return 'REDIS_URL';
  }
}

export async function redisChecks(config: Config, redis: Redis, report: Report): Promise<void> {
  const where = redisWhere(config.redisUrl);
  const exposed = redisExposureWarning(config.redisUrl);
  report(exposed
    ? fail('redis access', exposed, 'put a password (or an ACL user) in REDIS_URL and use rediss://')
    : pass('redis access', new URL(config.redisUrl).password ? 'REDIS_URL carries a password' : 'on this host'));
  if (!(await redisReachable(redis, 2000))) {
    report(fail('redis', `no answer from ${where} within 2 s`, 'check REDIS_URL (rediss:// and the password for a managed Redis), REDIS_TLS_CA_FILE, and that this host may reach it (its security group)'));
    report(skip('redis persistence', 'Redis did not answer'));
    report(skip('redis eviction', 'Redis did not answer'));
    return;
  }
  report(pass('redis', `answers at ${where}`));
  const info = async (section: string) => parseRedisInfo(await redis.info(section));
  await attempt(report, 'redis persistence', 'let this process run INFO, or check persistence in the service', async () => {
    let config: { appendonly: string; save: string } | null = null;
    try {
      const [, appendonly = ''] = (await redis.config('GET', 'appendonly')) as string[];
      const [, save = ''] = (await redis.config('GET', 'save')) as string[];
      config = { appendonly, save };
    } catch {
      config = null; // managed services refuse CONFIG: INFO says what it can
    }
    return redisPersistence(config, await info('persistence'));
  });
  await attempt(report, 'redis eviction', 'let this process run INFO', async () => redisEviction((await info('memory'))['maxmemory_policy']));
}

export async function slackChecks(config: Config, report: Report): Promise<void> {
  const s = config.slack;
  const options = s.apiUrl ? { slackApiUrl: s.apiUrl } : {};
  const slack = createNotifySlackClient(s.botToken, options);
  const tokenWorks = await attempt(report, 'slack token', 'SLACK_BOT_TOKEN is the app\'s Bot User OAuth Token (xoxb-…); reinstall the app if it was revoked', async () => {
    const me = await slack.auth.test();
    if (s.teamId && me.team_id !== s.teamId) {
      return fail('slack token', `the token is of workspace ${me.team ?? ''} (${me.team_id ?? ''}), not SLACK_TEAM_ID ${s.teamId}: every request would be refused`, 'use the token of the app installed in that workspace, or correct SLACK_TEAM_ID');
    }
    return pass('slack token', `bot ${me.user_id ?? ''} in ${me.team ?? ''} (${me.team_id ?? ''})`);
  });
  if (s.appToken) {
    const app = createNotifySlackClient(s.appToken, options);
    await attempt(report, 'slack app token', 'SLACK_APP_TOKEN is an app-level token (xapp-…) with connections:write, of the same app', async () => {
      await app.apps.connections.open();
      return pass('slack app token', 'Socket Mode: the app-level token may open connections');
    });
  } else {
    report(skip('slack app token', 'HTTP mode (no SLACK_APP_TOKEN): Slack posts to /slack/events, which must be the Request URL in the app\'s settings'));
  }
  const channels = [['approvals channel', s.approvalsChannel], ...(s.deliveriesChannel !== s.approvalsChannel ? [['deliveries channel', s.deliveriesChannel]] : [])];
  for (const [name, channel] of channels as [string, string][]) {
    if (!tokenWorks) {
      report(skip(name, 'the bot token did not work'));
      continue;
    }
    await attempt(report, name, `invite the bot: /invite @partnergate in ${channel}, and check that the variable names a channel id (C…)`, async () => {
      try {
        const c = (await slack.conversations.info({ channel })).channel ?? {};
        const label = `#${c.name ?? '?'} (${channel})`;
        if (c.is_archived) return fail(name, `${label} is archived: nothing can be posted there`, 'unarchive it, or point the variable at another channel');
        if (!c.is_member) return fail(name, `the bot is not a member of ${label}: it cannot post cards there or see the approval reaction`, `/invite @partnergate in ${label}`);
        return pass(name, `the bot is a member of ${label}`);
      } catch (err) {
        const code = slackCode(err);
        if (code === 'missing_scope') {
          return fail(name, `the app may not read channel details (missing_scope), so membership of ${channel} cannot be checked`, 'add the channels:read and groups:read bot scopes (manifests/slack/ have them) and reinstall the app');
        }
        if (code === 'channel_not_found') {
          return fail(name, `Slack knows no channel ${channel} the bot can see (none, or a private one without the bot)`, `set the channel id (C…), and /invite @partnergate there`);
        }
        throw err;
      }
    });
  }
  if (!tokenWorks) {
    report(skip('approvers', 'the bot token did not work'));
    return;
  }
  await attempt(report, 'approvers', 'check APPROVERS (user ids, U…) and APPROVER_USERGROUP (a user group id, S…)', async () => {
    const problems: string[] = [];
    for (const user of s.approvers) {
      try {
        const u = (await slack.users.info({ user })).user;
        if (u?.deleted) problems.push(`${user} is deactivated`);
      } catch (err) {
        if (slackCode(err) !== 'user_not_found') throw err;
        problems.push(`${user} is no user of this workspace`);
      }
    }
    let groupMembers = 0;
    if (s.approverUsergroup) {
      try {
        groupMembers = (await slack.usergroups.users.list({ usergroup: s.approverUsergroup })).users?.length ?? 0;
        if (groupMembers === 0) problems.push(`user group ${s.approverUsergroup} has no members`);
      } catch (err) {
        if (slackCode(err) !== 'no_such_subteam') throw err;
        problems.push(`user group ${s.approverUsergroup} does not exist`);
      }
    }
    const who = `${s.approvers.length} in APPROVERS${s.approverUsergroup ? `, ${groupMembers} in ${s.approverUsergroup}` : ''}`;
    if (problems.length > 0) return fail('approvers', `${problems.join('; ')} (${who})`, 'name active users in APPROVERS, or a user group with members in APPROVER_USERGROUP');
    return pass('approvers', who);
  });
}

export interface AwsDeps {
  clients: ControlPlaneClients;
  s3: S3Client;
  sqs: SQSClient;
}

const DRY_RUN_SKIPPED = ['aws identity', 'canary', 'transfer server', 'platform roles', 'verifier', 'bot rights'];

export async function awsChecks(config: Config, aws: AwsDeps, report: Report): Promise<void> {
  const p = config.platform;
  const refused = 'run doctor where the bot runs, with the bot role\'s credentials; see the bot rights lines for what the role lacks';
  if (p.dryRun) {
    for (const name of DRY_RUN_SKIPPED) report(skip(name, 'DRY_RUN: the bot sends no STS, IAM, Transfer or KMS call, and neither does doctor'));
  } else {
    await attempt(report, 'aws identity', 'give this process AWS credentials: the bot\'s task role, or AWS_PROFILE', async () => identityVerdict(await callerIdentity(aws.clients.sts), { accountId: p.accountId, botRoleArn: p.botRoleArn }));
  }
  await attempt(report, 'bucket', `set DISTRIBUTION_BUCKET and AWS_REGION from the platform stack's outputs; ${refused}`, async () => {
    const listing = listOutbound(aws.s3, p.bucket, p.outboundPrefix, { pageSize: 1 });
    await listing.next();
    return pass('bucket', `${p.bucket}: ${p.outboundPrefix} can be listed`);
  });
  if (!p.dryRun) {
    await attempt(report, 'canary', 'the key policy must let the bot decrypt through S3 (deploy manifests/platform.yaml again)', async () => {
      const read = await sha256OfObject(aws.s3, { bucket: p.bucket, key: CANARY_OBJECT_KEY, maxBytes: 64 * 1024 });
      if (read === null) return fail('canary', `${CANARY_OBJECT_KEY} is missing: every verification fails without it`, 'create it once (docs/runbook.md "Deploying the platform", step 3)');
      return pass('canary', `${CANARY_OBJECT_KEY} read and decrypted through S3 with the platform key`);
    });
    await attempt(report, 'transfer server', refused, async () => transferServerVerdict(p.transferServerId, await describeServer(aws.clients.transfer, p.transferServerId)));
    await attempt(report, 'platform roles', refused, async () => {
      const [transfer, verifier, boundary] = await Promise.all([
        getRole(aws.clients.iam, roleNameOf(p.transferRoleArn)), getRole(aws.clients.iam, roleNameOf(p.verifierRoleArn)), policyExists(aws.clients.iam, p.permissionsBoundaryArn),
      ]);
      const missing = [
        ...(transfer ? [] : [`the Transfer role ${p.transferRoleArn}`]),
        ...(verifier ? [] : [`the verifier role ${p.verifierRoleArn}`]),
        ...(boundary ? [] : [`the permissions boundary ${p.permissionsBoundaryArn}`]),
      ];
      if (missing.length > 0) return fail('platform roles', `missing: ${missing.join(', ')}`, 'deploy manifests/platform.yaml in this account (the names are fixed), or correct AWS_ACCOUNT_ID');
      if (!JSON.stringify(transfer?.trustPolicy ?? {}).includes('transfer.amazonaws.com')) {
        return fail('platform roles', `${p.transferRoleArn} does not trust transfer.amazonaws.com: no SFTP session can start`, 'deploy manifests/platform.yaml again');
      }
      return pass('platform roles', 'the Transfer role, the verifier role and the permissions boundary exist');
    });
    await attempt(report, 'verifier', 'the verifier role must trust the bot role (deploy manifests/platform.yaml again); without it verification\'s probes fail', async () => {
      await assumeRole(aws.clients.sts, { roleArn: p.verifierRoleArn, sessionName: 'partnergate-doctor', durationSeconds: 900 });
      return pass('verifier', `the bot can assume ${p.verifierRoleArn} (verification's probes)`);
    });
    await attempt(report, 'bot rights', 'give the bot role iam:SimulatePrincipalPolicy on itself (manifests/platform.yaml has it), or run doctor with credentials that may simulate it', async () => {
      const samples = botRightSamples(p, { deliveryQueue: config.deliveryQueueUrl !== undefined, platformEventsQueue: config.platformEventsQueueUrl !== undefined });
      const verdicts = await simulateRights(aws.clients.iam, p.botRoleArn, samples);
      return rightsVerdicts(verdicts.map((v) => ({ ...v.sample, decision: v.decision })));
    });
  }
  const queues: [string, string | undefined, string, { service: string; sourceArn?: string }, string][] = [
    ['delivery queue', config.deliveryQueueUrl, 'DELIVERY_QUEUE_URL', { service: 's3.amazonaws.com', sourceArn: bucketArn(p) }, 'DELIVERY_QUEUE_URL unset: the poll alone finds new files, every POLL_INTERVAL_SECONDS'],
    ['platform events queue', config.platformEventsQueueUrl, 'PLATFORM_EVENTS_QUEUE_URL', { service: 'events.amazonaws.com' }, 'PLATFORM_EVENTS_QUEUE_URL unset: changes made outside partnergate are found by the hourly check alone'],
  ];
  for (const [name, url, variable, sender, unset] of queues) {
    if (url === undefined) {
      report(skip(name, unset));
      continue;
    }
    await attempt(report, name, refused, async () => {
      const attributes = await queueAttributes(aws.sqs, url);
      if (attributes === null) return fail(name, `no queue at ${url}`, `set ${variable} from the platform stack's outputs`);
      const problems = queueProblems(attributes, sender);
      const waiting = `${attributes['ApproximateNumberOfMessages'] ?? '?'} message(s) waiting, ${attributes['ApproximateNumberOfMessagesNotVisible'] ?? '?'} in flight`;
      if (problems.length > 0) return fail(name, `${problems.join('; ')} (${waiting})`, 'deploy manifests/platform.yaml again: the stack sets the queue\'s policy and dead-letter queue');
      return pass(name, `receives from ${sender.service}${sender.sourceArn ? ` (${sender.sourceArn})` : ''}, with a dead-letter queue; ${waiting}`);
    });
  }
}
