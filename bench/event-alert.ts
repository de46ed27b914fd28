/**
 * Benchmark 5: event to alert (issue 16). From an SQS message of an AttachRolePolicy event on a
 * LIVE partner's role (CloudTrail through EventBridge, as AWS documents it) to the quarantine alert
 * queued for Slack, in this process, wired as the worker role wires it (the container, the platform
 * events SQS loop, the lifecycle workers' reconcile queue, the notify outbox), on the local Redis.
 * The control plane is simulated with aws-sdk-client-mock: IAM answers each partner's role as the
 * renderer makes it, plus AmazonS3ReadOnlyAccess attached once the event's change happened; SQS
 * gives each message once, long-polling when it has none (tools/local/fake-sqs.ts). Slack is not
 * involved: "queued" is the alert's entry in the notify outbox, whose timestamp is read back.
 *
 * Runs, each on its own LIVE partners (role only, no Transfer user), one event per partner:
 * - paced: `--events` events (1,000) at each of `--rates` a second (10 and 50), as a CloudTrail
 *   stream brings them;
 * - burst: `--events` events queued at once (the worst case: every check waits its turn).
 * Per event: the time from the message being available to its partner's alert queued (p50, p99,
 * max). The alert is the quarantine's on the event itself: it does not wait for the check, whose
 * deliberate wait for more events (EVENT_CHECK_COALESCE_MS, reported) delays only its report.
 *
 *   npm run bench:events  [-- --events 1000 --rates 10,50]
 */
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { DescribeUserCommand, ResourceNotFoundException, TransferClient } from '@aws-sdk/client-transfer';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createContainer } from '../src/container/container.js';
import { lifecycleWorkers, platformEventsWorkers } from '../src/container/workers.js';
import { createControlPlaneClients } from '../src/aws/control-plane.js';
import { renderPartner, type RenderedPartnerRole } from '../src/aws/policies/index.js';
import { EVENT_CHECK_COALESCE_MS } from '../src/jobs/lifecycle/index.js';
import type { PartnerRecord } from '../src/domain/partner.js';
import { PartnerStore } from '../src/store/partners.js';
import { attachReadOnly } from '../tools/local/aws-events.js';
import { fakeSqsQueue } from '../tools/local/fake-sqs.js';
import { testEnv } from '../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { ownCpuMs, percentile, report, round } from './lib.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '1000' }, rates: { type: 'string', default: '10,50' } } });
const EVENTS = Number(args.events);
const RATES = args.rates.split(',').map(Number);
const PARTNER_ACCOUNT = '444455556666';
const READ_ONLY_ARN = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';

const env = testEnv({ PLATFORM_EVENTS_QUEUE_URL: QUEUE_URL, LOG_LEVEL: 'info' });
const config = loadConfig(env);
const prefix = config.prefix;
const redis = createTestRedis();
const partners = new PartnerStore(redis, prefix);

// --- the simulated control plane: each partner's role as rendered, the managed policy once attached
const roles = new Map<string, RenderedPartnerRole>();
const attached = new Set<string>();
const iam = mockClient(IAMClient);
const transfer = mockClient(TransferClient);
const meta = { httpStatusCode: 404, attempts: 1, totalRetryDelay: 0 };
const roleOf = (name: string) => {
  const role = roles.get(name);
  if (!role) throw new NoSuchEntityException({ message: `The role with name ${name} cannot be found.`, $metadata: meta });
  return role;
};
const encoded = (document: unknown) => encodeURIComponent(JSON.stringify(document));
iam.on(GetRoleCommand).callsFake(async ({ RoleName }: { RoleName: string }) => {
  const r = roleOf(RoleName);
  return {
    Role: {
      RoleName: r.roleName, Arn: r.arn, Path: r.path, CreateDate: new Date(), AssumeRolePolicyDocument: encoded(r.trustPolicy),
      PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: r.permissionsBoundary },
      Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
    },
  };
});
iam.on(ListRolePoliciesCommand).callsFake(async ({ RoleName }: { RoleName: string }) => ({ PolicyNames: roleOf(RoleName).policies.map((p) => p.name), IsTruncated: false }));
iam.on(GetRolePolicyCommand).callsFake(async ({ RoleName, PolicyName }: { RoleName: string; PolicyName: string }) => {
  const policy = roleOf(RoleName).policies.find((p) => p.name === PolicyName)!;
  return { RoleName, PolicyName, PolicyDocument: encoded(policy.document) };
});
iam.on(ListAttachedRolePoliciesCommand).callsFake(async ({ RoleName }: { RoleName: string }) => ({
  AttachedPolicies: attached.has(RoleName) ? [{ PolicyArn: READ_ONLY_ARN, PolicyName: 'AmazonS3ReadOnlyAccess' }] : [], IsTruncated: false,
}));
transfer.on(DescribeUserCommand).callsFake(async ({ UserName }: { UserName: string }) => {
  throw new ResourceNotFoundException({ message: `Unknown user ${UserName}`, Message: `Unknown user ${UserName}`, $metadata: { ...meta, httpStatusCode: 400 }, Resource: UserName, ResourceType: 'User' });
});

/** LIVE partners with an AWS account (a role, no Transfer user), registered and their roles in the simulated IAM. */
async function seed(stem: string, count: number): Promise<string[]> {
  const now = new Date().toISOString();
  const ids = Array.from({ length: count }, (_, i) => `${stem}-${String(i).padStart(5, '0')}`);
  for (const id of ids) {
    const record: PartnerRecord = {
      partnerId: id, requestId: `req_${'b'.repeat(26)}`, displayName: id, contactEmail: `${id}@partner.example`, accountId: PARTNER_ACCOUNT,
      externalId: 'x'.repeat(43), feeds: [], sshKeys: [], status: 'live', steps: [], threadRef: `card:thread-${id}`,
      channel: 'C0APPROVALS', approvedBy: 'UAPPROVER1', provisionedAt: now, verifiedAt: now, transferUserCreatedAt: null, dryRun: false, updatedAt: now,
    };
    await partners.save(record);
    const role = renderPartner(config.platform, { partnerId: id, accountId: PARTNER_ACCOUNT, externalId: record.externalId, sshKeys: [], feeds: [] }).partnerRole!;
    roles.set(role.roleName, role);
  }
  return ids;
}

// --- the worker role's pieces, as the composition root builds them -------------------------------
const sqs = fakeSqsQueue(config.platform.region);
const discard = new Writable({ write: (_chunk, _enc, done) => done() });
const logger = createLogger('info', discard);
const c = createContainer(config, logger, { sqs: sqs.client, awsClients: createControlPlaneClients(config.platform.region) });
const lifecycle = lifecycleWorkers(c); // not started: no hourly sweep or assurance tick, only the jobs the events queue
const events = platformEventsWorkers(c);
await events.start!();

const QUARANTINED = /^:rotating_light: `([a-z0-9-]+)` is QUARANTINED/;

/** When each partner's first quarantine alert was queued (the outbox entries' own timestamps). */
async function alertsQueued(ids: ReadonlySet<string>): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  const head = `${prefix}:outbox:`;
  for (const key of await redis.keys(`${head}*`)) {
    for (const raw of await redis.lrange(key, 0, -1)) {
      const entry = JSON.parse(raw) as { at: string; message: { text: string } };
      const id = QUARANTINED.exec(entry.message.text)?.[1];
      if (id && ids.has(id)) at.set(id, Math.min(at.get(id) ?? Infinity, Date.parse(entry.at)));
    }
  }
  return at;
}

interface Run {
  events: number;
  ms: { p50: number; p99: number; max: number };
  firstToLastAlertMs: number;
  /** This process's CPU time (every part of the pipeline runs here) per event, seeding excluded. */
  cpuMsPerEvent: number;
}

async function run(stem: string, o: { ratePerSecond: number | null }): Promise<Run> {
  const ids = await seed(stem, EVENTS);
  const sentAt = new Map<string, number>();
  const cpuBefore = ownCpuMs();
  const started = Date.now();
  for (const [i, id] of ids.entries()) {
    // The change happens, then CloudTrail's event about it reaches the queue.
    attached.add(`partnergate-partner-${id}`);
    sentAt.set(id, Date.now());
    sqs.send(attachReadOnly(id));
    if (o.ratePerSecond !== null) {
      const due = started + ((i + 1) * 1000) / o.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }
  const wanted = new Set(ids);
  for (;;) {
    const live = new Set(await partners.liveIds());
    if (!ids.some((id) => live.has(id))) break;
    await sleep(200);
  }
  const cpuMs = ownCpuMs() - cpuBefore;
  const queued = await alertsQueued(wanted);
  if (queued.size !== ids.length) throw new Error(`${ids.length - queued.size} partners were quarantined without an alert queued`);
  const latencies = ids.map((id) => queued.get(id)! - sentAt.get(id)!);
  const stats = (values: number[]) => ({ p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(Math.max(...values)) });
  const times = [...queued.values()];
  return {
    events: ids.length,
    ms: stats(latencies),
    firstToLastAlertMs: Math.max(...times) - Math.min(...times),
    cpuMsPerEvent: round(cpuMs / ids.length, 2),
  };
}

try {
  const loadBefore = loadavg()[0]!;
  const paced: Record<string, Run> = {};
  for (const rate of RATES) paced[`${rate} a second`] = await run(`paced${rate}`, { ratePerSecond: rate });
  const burst = await run('burst', { ratePerSecond: null });
  report('event-alert', {
    loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
    what: `${EVENTS} AttachRolePolicy events on LIVE partners' roles through the platform events SQS loop (aws-sdk-client-mock SQS) to the quarantine alert queued in the notify outbox; IAM simulated (aws-sdk-client-mock), local Redis, in-process worker wiring, LOG_LEVEL=info`,
    coalesceWaitMs: EVENT_CHECK_COALESCE_MS,
    paced,
    burst,
    goal: 'p99 < 2000 ms',
  });
} finally {
  await events.close();
  await lifecycle.close();
  await c.close();
  sqs.restore();
  iam.restore();
  transfer.restore();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
}
