/**
 * Benchmark: the drift sweep and the isolation probes at 1,000 and 10,000 partners (issue 16).
 *
 * The real reconcile processor (src/jobs/lifecycle) runs against a real Redis (the partner registry,
 * the drift records, the shared buckets) and AWS answered by aws-sdk-client-mock with what AWS
 * answers for partners as provisioned: DescribeUser with the rendered user and its key, GetRole with
 * the rendered trust policy and boundary, the one inline policy, no managed policy; AssumeRole's
 * credentials; S3 allowing a partner's own prefix and refusing the rest. Every partner has an SFTP
 * user; half have an AWS account (a role), at most 5,000 (IAM's role quota at its highest).
 *
 * 1. Unpaced: one sweep and one round of probes, timed (wall and the process's own CPU), counting
 *    the AWS calls per service, and the peak RSS of this process meanwhile.
 * 2. Paced: the same at the default rates (DEFAULT_PACE_RATES) through the shared buckets, on a
 *    virtual clock: how long AWS's time the sweep and the probes take.
 * 3. Computed: calls ÷ rate per service for both, and the share of each day's budget they use at
 *    the hourly sweep (no platform events) and at the 6-hourly one (events on).
 *
 *   npm run bench:sweep     (BENCH_SWEEP_PARTNERS=1000,10000 by default; BENCH_SWEEP_PACED_MAX: the
 *                            largest size also simulated paced, 10000 by default; BENCH_SWEEP_LABEL: a suffix
 *                            for the results' name, for a run with other Node flags)
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeUserCommand, TransferClient } from '@aws-sdk/client-transfer';
import {
  GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetObjectCommand, GetPublicAccessBlockCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../src/logger.js';
import { createLifecyclePlane, type LifecyclePlane } from '../src/aws/lifecycle-plane.js';
import { renderPlatform } from '../src/aws/policies/index.js';
import type { ControlPlaneClients } from '../src/aws/control-plane.js';
import { PartnerStore } from '../src/store/partners.js';
import type { PartnerRecord } from '../src/domain/partner.js';
import { CHECK_JOB, PROVE_JOB, createReconcileProcessor, intendedFor, type ReconcilePayload } from '../src/jobs/lifecycle/index.js';
import { runS3Probes } from '../src/jobs/onboarding/index.js';
import { createAwsPacer, pacedLifecyclePlane } from '../src/jobs/platform/aws-pace.js';
import { DEFAULT_PACE_RATES, PACED_SERVICES, pacedSeconds, shareOfPublished, type CallCounts, type PacedService } from '../src/domain/aws-pace.js';
import { approvalSeals, parseApprovalSigningKey } from '../src/domain/approval-seal.js';
import { homeMarkerKey } from '../src/aws/s3-objects.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { testPrefix } from '../tools/local/env.js';
import { benchPlatform, report, round } from './lib.js';
import { partnersOf } from './sweep-partners.js';

const SIZES = (process.env.BENCH_SWEEP_PARTNERS ?? '1000,10000').split(',').map(Number);
const PACED_MAX = Number(process.env.BENCH_SWEEP_PACED_MAX ?? 10_000);
const DAY_S = 86_400;
const platform = benchPlatform();
const logger = createLogger('warn');
const signingKey = parseApprovalSigningKey(randomBytes(32).toString('hex'));
if (!signingKey.ok) throw new Error(signingKey.problem);
/** Re-applies are not run here; the processor wants its seals all the same. */
const SEALS = approvalSeals(signingKey.key);

const counts: Record<string, number> = {};
const count = (what: string) => void (counts[what] = (counts[what] ?? 0) + 1);
const denied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
const notFound = (name: string) => Object.assign(new Error(`${name}: not found`), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

/** AWS for `byId`'s partners, as provisioning left it. Counts every call by service. */
function installAws(byId: Map<string, PartnerRecord>) {
  const transfer = mockClient(TransferClient);
  const iam = mockClient(IAMClient);
  const sts = mockClient(STSClient);
  const s3 = mockClient(S3Client);
  const kms = mockClient(KMSClient);
  // The sweep's platform check reads the bucket and key policies once: as rendered.
  const platformDocs = renderPlatform(platform);
  s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(platformDocs.bucketPolicy) });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(platformDocs.kmsKeyPolicy) });
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  const settings = platformDocs.bucketSettings;
  s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: settings.publicAccessBlock });
  s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: settings.objectOwnership as 'BucketOwnerEnforced' }] } });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: settings.encryption.kmsKeyArn }, BucketKeyEnabled: true }],
    },
  });
  // …and the permissions boundary's default version (the platform roles are not answered: reported missing, once).
  iam.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: 'v1' } });
  iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { VersionId: 'v1', Document: encodeURIComponent(JSON.stringify(platformDocs.permissionsBoundary.policies[0]!.document)) } });
  const rendered = (id: string) => {
    const p = byId.get(id);
    return p ? intendedFor(platform, p) : null;
  };
  const roleOwner = (roleName: string) => roleName.replace(/^partnergate-partner-/, '');
  transfer.on(DescribeUserCommand).callsFake((input: { UserName: string }) => {
    count('transfer');
    const r = rendered(input.UserName);
    if (!r) throw notFound('ResourceNotFoundException');
    const u = r.transferUser;
    return {
      ServerId: platform.transferServerId,
      User: {
        Arn: `arn:aws:transfer:${platform.region}:${platform.accountId}:user/${platform.transferServerId}/${u.UserName}`, UserName: u.UserName, Role: u.Role,
        HomeDirectoryType: u.HomeDirectoryType, HomeDirectoryMappings: u.HomeDirectoryMappings, Policy: JSON.stringify(u.Policy),
        SshPublicKeys: byId.get(input.UserName)!.sshKeys.map((k, i) => ({ SshPublicKeyBody: k, SshPublicKeyId: `key-${i}`, DateImported: new Date(0) })),
      },
    };
  });
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => {
    count('iam');
    const role = rendered(roleOwner(input.RoleName))?.partnerRole;
    if (!role) throw notFound('NoSuchEntityException');
    return {
      Role: {
        RoleName: role.roleName, Path: role.path, Arn: role.arn, RoleId: 'AROAEXAMPLE', CreateDate: new Date(0),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trustPolicy)),
        PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: role.permissionsBoundary },
        Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
      },
    };
  });
  iam.on(ListRolePoliciesCommand).callsFake((input: { RoleName: string }) => {
    count('iam');
    return { PolicyNames: (rendered(roleOwner(input.RoleName))?.partnerRole?.policies ?? []).map((p) => p.name), IsTruncated: false };
  });
  iam.on(GetRolePolicyCommand).callsFake((input: { RoleName: string; PolicyName: string }) => {
    count('iam');
    const doc = rendered(roleOwner(input.RoleName))?.partnerRole?.policies.find((p) => p.name === input.PolicyName)?.document;
    return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) };
  });
  iam.on(ListAttachedRolePoliciesCommand).callsFake(() => {
    count('iam');
    return { AttachedPolicies: [], IsTruncated: false };
  });
  // STS: the session's access key names who it is (the verifier, a partner's role, an SFTP session).
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string; RoleSessionName: string }) => {
    count('sts');
    const who = input.RoleArn === platform.verifierRoleArn ? 'verifier' : input.RoleSessionName.replace(/^partnergate-verify-/, 'partner:');
    return { Credentials: { AccessKeyId: who, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) } };
  });
  // S3 (data plane, not paced): the verifier reads the canary; a partner's sessions reach their own home only.
  const sessionOf = new WeakMap<object, string>();
  const ownHome = (who: string | undefined, keyOrPrefix: string) => who?.startsWith('partner:') && keyOrPrefix.startsWith(`partners/${who.slice('partner:'.length)}/`);
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }, getClient: () => S3Client) => {
    count('s3-data');
    if (!ownHome(sessionOf.get(getClient()), input.Prefix ?? '')) throw denied();
    return { KeyCount: 1, Contents: [{ Key: homeMarkerKey(sessionOf.get(getClient())!.slice('partner:'.length)) }], IsTruncated: false };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }, getClient: () => S3Client) => {
    count('s3-data');
    const who = sessionOf.get(getClient());
    if (!(who === 'verifier' && input.Key.startsWith('partners/-canary/')) && !ownHome(who, input.Key)) throw denied();
    return { Body: Readable.from([Buffer.from('partnergate\n')]), ContentLength: 12 };
  });
  const s3ForCredentials = (c: { accessKeyId: string }) => {
    const client = new S3Client({ region: platform.region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: 'x' } });
    sessionOf.set(client, c.accessKeyId);
    return client;
  };
  const clients: ControlPlaneClients = {
    transfer: new TransferClient({ region: platform.region }), iam: new IAMClient({ region: platform.region }), sts: new STSClient({ region: platform.region }),
    analyzer: new AccessAnalyzerClient({ region: platform.region }), stsWith: () => new STSClient({ region: platform.region }),
    kms: new KMSClient({ region: platform.region }), s3Config: new S3Client({ region: platform.region }),
  };
  // The mocks keep every call for inspection; forget them now and then so 10,000 partners' calls do not count as the sweep's memory.
  const forget = setInterval(() => [transfer, iam, sts, s3].forEach((m) => m.resetHistory()), 1000);
  return {
    clients, s3ForCredentials,
    restore() {
      clearInterval(forget);
      [transfer, iam, sts, s3, kms].forEach((m) => m.restore());
    },
  };
}

/** A job as the worker hands it over (data kept across runs; a delay is not expected here). */
function jobOf(name: string): Job<ReconcilePayload> {
  const job = {
    name, data: {} as ReconcilePayload,
    updateData: async (d: ReconcilePayload) => void (job.data = d),
    moveToDelayed: async () => { throw new Error('the bench run ran out of budget: raise maxWaitMs'); },
  };
  return job as unknown as Job<ReconcilePayload>;
}

const MiB = 2 ** 20;
/** After a full collection (node --expose-gc, as `npm run bench:sweep` runs it): what is really held. */
function settled(): { rssMiB: number; heapUsedMiB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMiB: round(m.rss / MiB, 0), heapUsedMiB: round(m.heapUsed / MiB, 0) };
}

/** Peak RSS while `work` runs, sampled every 50 ms. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number; peakRssMiB: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const start = performance.now();
  try {
    const value = await work();
    const used = process.cpuUsage(cpu);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000, peakRssMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

function processorFor(redis: Redis, prefix: string, partners: PartnerStore, cp: LifecyclePlane, s3ForCredentials: (c: { accessKeyId: string }) => S3Client) {
  return createReconcileProcessor({
    cp, platform, redis, prefix, partners, notify: async () => undefined, audit: async () => undefined, logger, approvalsChannel: 'C0APPROVALS',
    seals: SEALS,
    prove: (p, neighbour) => runS3Probes({ cp, platform, s3ForCredentials: s3ForCredentials as never, partners }, p, intendedFor(platform, p), neighbour),
    // Every live partner due: one full round of the probes.
    assurance: { intervalMs: 1, tickMs: 1 },
  });
}

const perPartner = (c: Record<string, number>, n: number) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round(v / n, 2)]));
const paced = (c: Record<string, number>): CallCounts => Object.fromEntries(PACED_SERVICES.map((s) => [s, c[s] ?? 0])) as CallCounts;

async function run(n: number) {
  const redis = createTestRedis();
  const prefix = testPrefix('bench-sweep');
  const records = partnersOf(n);
  const byId = new Map(records.map((p) => [p.partnerId, p]));
  const store = new PartnerStore(redis, prefix);
  for (const p of records) await store.save(p);
  const aws = installAws(byId);
  try {
    const cp = createLifecyclePlane(aws.clients, platform);
    // 1. Unpaced: the code's own time, the calls, the memory.
    const unpaced = processorFor(redis, prefix, store, cp, aws.s3ForCredentials);
    const before = settled();
    for (const k of Object.keys(counts)) delete counts[k];
    const sweep = await measured(() => unpaced(jobOf(CHECK_JOB)));
    const afterSweep = settled();
    const sweepCalls = { ...counts };
    for (const k of Object.keys(counts)) delete counts[k];
    const probes = await measured(() => unpaced(jobOf(PROVE_JOB)));
    const afterProbes = settled();
    const probeCalls = { ...counts };
    if ((sweep.value as { clean?: number }).clean !== n) throw new Error(`the sweep found drift where there is none: ${JSON.stringify(sweep.value)}`);
    if (Object.values(probes.value).filter((o) => o === 'proven').length !== n) throw new Error('not every partner was proven');

    // 3. Computed from the calls and the rates.
    const sweepS = pacedSeconds(paced(sweepCalls), DEFAULT_PACE_RATES);
    const probesS = pacedSeconds(paced(probeCalls), DEFAULT_PACE_RATES);
    const dailyShare = (sweepsPerDay: number) => Object.fromEntries(PACED_SERVICES.map((s: PacedService) => [
      s, round((100 * (sweepsPerDay * (sweepCalls[s] ?? 0) + (probeCalls[s] ?? 0))) / (DEFAULT_PACE_RATES[s].perSecond * DAY_S), 1),
    ]));
    const figures = {
      partners: n,
      partnersWithRole: records.filter((p) => p.accountId).length,
      awsCallsPerPartner: { sweep: perPartner(sweepCalls, n), probes: perPartner(probeCalls, n) },
      awsCalls: { sweep: sweepCalls, probes: probeCalls },
      unpaced: {
        sweepWallS: round(sweep.wallMs / 1000, 2), sweepCpuS: round(sweep.cpuMs / 1000, 2),
        probesWallS: round(probes.wallMs / 1000, 2), probesCpuS: round(probes.cpuMs / 1000, 2),
        cpuMsPerPartner: round((sweep.cpuMs + probes.cpuMs) / n, 3),
        memory: {
          before: before, sweepPeakRssMiB: round(sweep.peakRssMiB, 0), afterSweep,
          probesPeakRssMiB: round(probes.peakRssMiB, 0), afterProbes,
        },
      },
      computedAtDefaults: {
        sweepHours: round(sweepS / 3600, 2), probesHours: round(probesS / 3600, 2), sweepPlusProbesHours: round((sweepS + probesS) / 3600, 2),
        dailyBudgetUsedPercent: { hourlySweep: dailyShare(24), sixHourlySweep: dailyShare(4) },
      },
    };

    // 2. Paced at the default rates, on a virtual clock: each sleep moves it on to the latest wake-up
    //    (up to BENCH_SWEEP_PACED_MAX partners: it doubles the run, and the arithmetic above scales).
    if (n > PACED_MAX) return { ...figures, pacedAtDefaults: `not simulated above ${PACED_MAX} partners (BENCH_SWEEP_PACED_MAX)` };
    const clock = { t: 1_700_000_000_000, now: () => clock.t, sleep: async (ms: number) => void (clock.t = Math.max(clock.t, clock.t + ms)) };
    const pacer = createAwsPacer({ redis, prefix, rates: DEFAULT_PACE_RATES, now: clock.now, sleep: clock.sleep, maxWaitMs: Number.POSITIVE_INFINITY });
    const pacedRun = processorFor(redis, prefix, store, pacedLifecyclePlane(cp, pacer), aws.s3ForCredentials);
    const t0 = clock.t;
    const pacedSweep = await measured(() => pacedRun(jobOf(CHECK_JOB)));
    const sweepVirtualS = (clock.t - t0) / 1000;
    const t1 = clock.t;
    await pacedRun(jobOf(PROVE_JOB));
    const probesVirtualS = (clock.t - t1) / 1000;
    return {
      ...figures,
      pacedAtDefaults: {
        sweepHours: round(sweepVirtualS / 3600, 2), probesHours: round(probesVirtualS / 3600, 2),
        sweepPlusProbesHours: round((sweepVirtualS + probesVirtualS) / 3600, 2), peakRssMiB: round(pacedSweep.peakRssMiB, 0),
      },
    };
  } finally {
    aws.restore();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  }
}

// Each size is reported (merged into bench/results.json) as soon as it is measured.
for (const n of SIZES) {
  process.stdout.write(`sweep-scale: ${n} partners…\n`);
  report(`sweep-scale-${n}${process.env.BENCH_SWEEP_LABEL ?? ''}`, {
    nodeFlags: process.execArgv.filter((a) => a.startsWith('--max') || a === '--expose-gc'),
    rates: DEFAULT_PACE_RATES,
    shareOfPublishedRate: shareOfPublished(DEFAULT_PACE_RATES),
    goal: '10,000 partners swept and probed within 24 hours at no more than half of each default rate; RSS < 200 MB',
    ...(await run(n)),
  });
}
