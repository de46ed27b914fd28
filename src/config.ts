/**
 * Configuration: the environment variables of the README's "Configuration" and .env.example, validated once at
 * start-up. This is the only module that reads `process.env`; everything else receives a Config.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { STACK_NAMES, type PlatformConfig } from './aws/policies/platform.js';
import { parseMetadataAllowlist } from './domain/delivery-metadata.js';
import { parseApprovalSigningKey, type ApprovalSigningKey } from './domain/approval-seal.js';
import { AWS_PUBLISHED_RATES, DEFAULT_PACE_RATES, defaultDriftSweepHours, type PacedService, type PaceRates } from './domain/aws-pace.js';
import { parseSlaByFeed, parseSlaHours, type PickupSla } from './domain/pickup-deadlines.js';
import { parseDays, type ReviewRules } from './domain/reviews.js';

/** One variable to fix: its name, what is wrong, and what a valid value looks like. Never its value. */
export interface ConfigProblem {
  variable: string;
  problem: string;
}

/**
 * Every problem of a configuration at once, one per variable: a single one reads as one line
 * (`configuration: AWS_REGION is required (…)`), several as a heading and one indented line each.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `${p.variable} ${p.problem}`);
    super(lines.length === 1 ? `configuration: ${lines[0]}` : `configuration: ${lines.length} variables to fix:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
}

/** The problems found so far, the first per variable, in the order they were found. */
class Problems {
  readonly list: ConfigProblem[] = [];
  add(variable: string, problem: string): void {
    if (!this.list.some((p) => p.variable === variable)) this.list.push({ variable, problem });
  }
  /** None of `variables` has a problem yet: a check across them can read their values. */
  valid(...variables: string[]): boolean {
    return !this.list.some((p) => variables.includes(p.variable));
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError(this.list);
  }
}

const SLACK_ID = /^[A-Z0-9]{2,30}$/;
const ACCOUNT_ID = /^\d{12}$/;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/**
 * A paced service's rate (requests a second, decimals allowed): at most half of what AWS publishes
 * for it, or 50 where AWS publishes no number (src/domain/aws-pace.ts).
 */
const paceRate = (service: PacedService) => {
  const published = AWS_PUBLISHED_RATES[service].perSecond;
  const max = published === null ? 50 : published / 2;
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of requests per second')
    .optional()
    .transform((v) => (v === undefined ? DEFAULT_PACE_RATES[service].perSecond : Number(v)))
    .pipe(z.number().min(0.1, 'must be at least 0.1').max(max, `must be at most ${max}${published === null ? '' : ` (half of AWS's ${published} a second)`}`));
};

const slackIdList = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(SLACK_ID, 'must be a comma list of Slack ids (U0123ABCD)')));

/** Dotted-quad IPv4 (each part 0–255, no leading zeros): what an Elastic IP looks like. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** TRANSFER_STATIC_IPS: the SFTP endpoint's Elastic IPs (platform output TransferStaticIps), for welcome texts. */
const staticIps = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(IPV4, 'must be a comma list of IPv4 addresses (203.0.113.10,203.0.113.11)')));

const optionalSlackId = (what: string, example: string) =>
  z.string().regex(SLACK_ID, `must be a Slack ${what} id (${example})`).optional();

const arn = (kind: string, pattern: RegExp, example: string) =>
  z.string().regex(pattern, `must be ${kind} ARN (${example})`).optional();

const url = z.string().url('must be a URL (https://…)');

const metadataAllowlist = z
  .string()
  .optional()
  .transform((v, ctx) => {
    try {
      return parseMetadataAllowlist(v ?? '');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/** A number of days (docs/reviews.md "Configuration"): decimals allowed, so the demo can run in seconds. */
const days = (fallback: string, o: { allowZero: boolean; max: number }) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const parsed = parseDays(v, o);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    });

const slaHours = z
  .string()
  .default('48')
  .transform((v, ctx) => {
    const parsed = parseSlaHours(v);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  });

const FEED_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** What a valid value looks like (and where to find or how to make it), after "is required"; every required variable has one. */
const REQUIRED_HINT: Record<string, string> = {
  AWS_REGION: "the platform's AWS region, such as eu-west-1: platform output AwsRegion",
  AWS_ACCOUNT_ID: "the platform's 12-digit AWS account id: platform output AwsAccountId",
  DISTRIBUTION_BUCKET: "the distribution bucket's name: platform output DistributionBucket",
  KMS_KEY_ARN: 'arn:aws:kms:<region>:<account>:key/<uuid>: platform output KmsKeyArn',
  TRANSFER_SERVER_ID: 's-0123456789abcdef0: platform output TransferServerId',
  SLACK_SIGNING_SECRET: "the Slack app's signing secret: Basic Information → App Credentials",
  SLACK_BOT_TOKEN: "the Slack app's bot token, xoxb-…: OAuth & Permissions",
  APPROVALS_CHANNEL: 'the id of the channel for request cards, such as C0123ABCD',
  APPROVAL_SIGNING_KEY: 'at least 32 random bytes, hex or base64: `openssl rand -hex 32`',
};

const signingKey = z.string().transform((text, ctx): ApprovalSigningKey => {
  const parsed = parseApprovalSigningKey(text);
  if (parsed.ok) return parsed.key;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

const redisShape = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** A PEM file of the CA certificates that sign the Redis server's TLS certificate (rediss:// only). */
  REDIS_TLS_CA_FILE: z.string().optional(),
};

const BUCKET_NAME = 'must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)';

/** The platform part: everything `partnergate render` needs, and nothing about Slack or Redis. */
const platformShape = {
  AWS_REGION: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  AWS_ACCOUNT_ID: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
  DISTRIBUTION_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, BUCKET_NAME)
    .refine((b) => !b.includes('..'), BUCKET_NAME),
  KMS_KEY_ARN: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>)'),
  TRANSFER_SERVER_ID: z.string().regex(/^s-[0-9a-f]{17}$/, 'must be a Transfer Family server id (s-0123456789abcdef0)'),
  TRANSFER_ROLE_ARN: arn('an IAM role', /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'arn:aws:iam::<account>:role/<path/name>'),
  VERIFIER_ROLE_ARN: arn('an IAM role', /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'arn:aws:iam::<account>:role/<path/name>'),
  PERMISSIONS_BOUNDARY_ARN: arn('an IAM policy', /^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]+$/, 'arn:aws:iam::<account>:policy/<path/name>'),
  OUTBOUND_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\/$/, 'must be one lower-case path segment ending in / (outbound/)')
    .refine((p) => p !== 'partners/' && p !== 'archive/' && p !== 'audit/', 'must not be partners/, archive/ or audit/')
    .default('outbound/'),
  FEEDS: z
    .string()
    .default('price-lists,parts-catalogs,compliance')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(FEED_NAME, 'must be a comma list of lower-case feed names'))
        .min(1, 'must name at least one feed')
        .refine((a) => new Set(a).size === a.length, 'must not repeat a feed'),
    ),
  DRY_RUN: bool(false),
};

const fullShape = {
  ...platformShape,
  SLACK_SIGNING_SECRET: z.string().min(8, "must be the Slack app's signing secret (Basic Information → App Credentials)"),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)'),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: url.optional(),
  PORT: int(3000, 0, 65535),
  METRICS_PORT: z
    .string()
    .regex(/^(off|\d{1,5})$/, 'must be a port number or off')
    .default('9464')
    .transform((s) => (s === 'off' ? null : Number(s)))
    .refine((n) => n === null || n <= 65535, 'must be a port number (0–65535) or off'),
  SLACK_TEAM_ID: z.string().regex(/^T[A-Z0-9]{2,30}$/, 'must be a Slack workspace id (T…)').optional(),
  APPROVALS_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,30}$/, 'must be a Slack channel id (C0123ABCD)'),
  DELIVERIES_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,30}$/, 'must be a Slack channel id (C0123ABCD)').optional(),
  APPROVERS: slackIdList,
  APPROVER_USERGROUP: optionalSlackId('user group', 'S0123ABCD'),
  RESENDERS: slackIdList,
  APPROVAL_REACTION: z
    .string()
    .regex(/^[a-z0-9_+'-]{1,100}$/, 'must be a reaction name without colons (white_check_mark)')
    .default('white_check_mark'),
  REQUEST_TTL_HOURS: int(72, 1, 24 * 30),
  ...redisShape,
  APPROVAL_SIGNING_KEY: signingKey,
  PARTNERGATE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}_.-]{1,64}$/, 'must be letters, digits, {}, _, . or - (up to 64)')
    .default('partnergate'),
  TRANSFER_HOST: z.string().regex(/^[A-Za-z0-9.-]+(?::\d+)?$/, 'must be a host name, optionally with :port').optional(),
  TRANSFER_STATIC_IPS: staticIps,
  DELIVERY_QUEUE_URL: url.optional(),
  PLATFORM_EVENTS_QUEUE_URL: url.optional(),
  TRANSFER_SETTLE_SECONDS: int(300, 0, 86_400),
  POLL_INTERVAL_SECONDS: int(30, 1, 86_400),
  FANOUT_THREAD_THRESHOLD: int(50, 1, 100_000),
  DELIVERY_METADATA_ALLOWLIST: metadataAllowlist,
  KEY_MAX_AGE_DAYS: int(365, 1, 10 * 365),
  ASSURANCE_INTERVAL_HOURS: int(24, 1, 720),
  AUTO_REVERT: bool(false),
  DRIFT_SWEEP_INTERVAL_HOURS: int(0, 1, 168).optional(),
  PACE_IAM_PER_SECOND: paceRate('iam'),
  PACE_STS_PER_SECOND: paceRate('sts'),
  PACE_TRANSFER_PER_SECOND: paceRate('transfer'),
  PACE_S3_CONTROL_PER_SECOND: paceRate('s3-control'),
  TRANSFER_USER_LIMIT: int(10_000, 1, 10_000),
  PARTNER_ROLE_LIMIT: int(1_000, 1, 5_000),
  NUDGE_AFTER_HOURS: int(24, 1, 24 * 30),
  PICKUP_SLA_HOURS: slaHours,
  /** Checked against FEEDS once both are read (loadConfig). */
  PICKUP_SLA_BY_FEED: z.string().optional(),
  AUDIT_RETENTION_DAYS: int(0, 0, 36_500),
  REVIEW_INTERVAL_DAYS: days('90', { allowZero: false, max: 3_650 }),
  REVIEW_GRACE_DAYS: days('14', { allowZero: true, max: 365 }),
  IDLE_DAYS: days('60', { allowZero: false, max: 3_650 }),
  AUDIT_LOCK_MODE: z.enum(['GOVERNANCE', 'COMPLIANCE'], { message: 'must be GOVERNANCE or COMPLIANCE' }).default('GOVERNANCE'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be fatal, error, warn, info, debug, trace or silent' }).default('info'),
  S3_FORCE_PATH_STYLE: bool(false),
};

export interface Config {
  platform: PlatformConfig;
  slack: {
    signingSecret: string;
    botToken: string;
    appToken: string | undefined;
    apiUrl: string | undefined;
    approvalsChannel: string;
    deliveriesChannel: string;
    approvers: string[];
    approverUsergroup: string | undefined;
    resenders: string[];
    approvalReaction: string;
    /** SLACK_TEAM_ID: requests from any other workspace are refused; unset: any. */
    teamId: string | undefined;
  };
  port: number;
  /** METRICS_PORT: GET /metrics on its own port, apart from Slack's; null: off. */
  metricsPort: number | null;
  requestTtlHours: number;
  redisUrl: string;
  /** The CA certificates (PEM) a rediss:// server's certificate is checked against; unset: Node's own. */
  redisTlsCa: string | undefined;
  /** Seals request contents and decisions (src/domain/approval-seal.ts); never logged. */
  approvalSigningKey: ApprovalSigningKey;
  prefix: string;
  /** TRANSFER_HOST: required (onboarding refuses SSH keys without it) once SFTP partners exist, DRY_RUN aside. */
  transferHost: string | undefined;
  /** TRANSFER_STATIC_IPS: the VPC endpoint's Elastic IPs partners allow-list; [] with the public endpoint. */
  transferStaticIps: string[];
  deliveryQueueUrl: string | undefined;
  /** CloudTrail's management events through EventBridge (docs/security.md "Changes caught as they happen"); unset: the hourly drift sweep alone. */
  platformEventsQueueUrl: string | undefined;
  transferSettleSeconds: number;
  pollIntervalSeconds: number;
  fanoutThreadThreshold: number;
  /** User metadata keys (lower case, without x-amz-meta-) a partner's copy keeps; the pipeline's others are dropped. */
  deliveryMetadataAllowlist: string[];
  /** Capacity refused beyond (docs/security.md "Quotas and limits that cap the platform"): Transfer users per server, partner roles. */
  limits: { sftpUsers: number; partnerRoles: number };
  /** SSH keys older than this are flagged (and reminded of weekly). */
  keyMaxAgeDays: number;
  /** Every live partner's isolation is re-proven by the live probes at least this often. */
  assuranceIntervalHours: number;
  /**
   * AUTO_REVERT: a partner quarantined for drift is restored to its approved state by the bot itself,
   * narrowing only (docs/security.md "Changes caught as they happen"); false: by the Re-apply button.
   */
  autoRevert: boolean;
  /** Every partner's drift is checked this often: hourly alone, 6-hourly behind platform events (DRIFT_SWEEP_INTERVAL_HOURS). */
  driftSweepIntervalHours: number;
  /** The shared AWS buckets of the sweep, the probes and event checks (PACE_*_PER_SECOND); burst: one second's worth. */
  pace: PaceRates;
  /** Pending approvals are nudged in their thread after this long. */
  nudgeAfterHours: number;
  /** How long partners have to pick a delivered file up (PICKUP_SLA_HOURS, PICKUP_SLA_BY_FEED). */
  pickupSla: PickupSla;
  /** Access reviews (docs/reviews.md): REVIEW_INTERVAL_DAYS, REVIEW_GRACE_DAYS, IDLE_DAYS. */
  reviews: ReviewRules;
  /**
   * Object Lock on each audit object the bot writes (AUDIT_RETENTION_DAYS, AUDIT_LOCK_MODE); null
   * when the retention is 0. The bucket must have Object Lock on (manifests/platform.yaml).
   */
  auditLock: AuditLock | null;
  logLevel: string;
  s3ForcePathStyle: boolean;
}

export interface AuditLock {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

type Env = Record<string, string | undefined>;

/**
 * Every variable of `shape`, each parsed on its own so that all their problems are found in one pass.
 * A variable with a problem has no value: read it only where `problems.valid(...)` says so.
 */
function parse<S extends z.ZodRawShape>(shape: S, env: Env, problems: Problems): z.infer<z.ZodObject<S>> {
  const values: Record<string, unknown> = {};
  for (const [variable, schema] of Object.entries(shape)) {
    const raw = env[variable]?.trim() || undefined;
    const result = z.safeParse(schema, raw);
    if (result.success) {
      values[variable] = result.data;
      continue;
    }
    const issue = result.error.issues[0]!;
    const hint = REQUIRED_HINT[variable];
    problems.add(variable, raw === undefined && issue.code === 'invalid_type' ? `is required${hint ? ` (${hint})` : ''}` : issue.message);
  }
  return values as z.infer<z.ZodObject<S>>;
}

type PlatformValues = z.infer<z.ZodObject<typeof platformShape>>;

/** The key must be in the region's partition. */
function checkPlatform(v: PlatformValues, problems: Problems): void {
  if (!problems.valid('AWS_REGION', 'KMS_KEY_ARN')) return;
  const partition = partitionOf(v.AWS_REGION);
  if (!v.KMS_KEY_ARN.startsWith(`arn:${partition}:kms:`)) {
    problems.add('KMS_KEY_ARN', `must be in partition ${partition}, as AWS_REGION says (arn:${partition}:kms:${v.AWS_REGION}:<account>:key/<uuid>)`);
  }
}

/** Once every problem has been thrown: the platform's parameters. */
function platformFrom(v: PlatformValues): PlatformConfig {
  const partition = partitionOf(v.AWS_REGION);
  const iam = `arn:${partition}:iam::${v.AWS_ACCOUNT_ID}`;
  const n = STACK_NAMES;
  return {
    partition,
    region: v.AWS_REGION,
    accountId: v.AWS_ACCOUNT_ID,
    bucket: v.DISTRIBUTION_BUCKET,
    kmsKeyArn: v.KMS_KEY_ARN,
    transferServerId: v.TRANSFER_SERVER_ID,
    transferServerArn: `arn:${partition}:transfer:${v.AWS_REGION}:${v.AWS_ACCOUNT_ID}:server/${v.TRANSFER_SERVER_ID}`,
    transferRoleArn: v.TRANSFER_ROLE_ARN ?? `${iam}:role${n.iamPath}${n.transferRole}`,
    verifierRoleArn: v.VERIFIER_ROLE_ARN ?? `${iam}:role${n.iamPath}${n.verifierRole}`,
    botRoleArn: `${iam}:role${n.iamPath}${n.botRole}`,
    permissionsBoundaryArn: v.PERMISSIONS_BOUNDARY_ARN ?? `${iam}:policy${n.iamPath}${n.permissionsBoundary}`,
    outboundPrefix: v.OUTBOUND_PREFIX,
    feeds: v.FEEDS,
    dryRun: v.DRY_RUN,
  };
}

/** The CA file's certificates, read once at start-up; only with a rediss:// URL. The URL holds a password: never shown. */
function redisTlsCa(v: { REDIS_URL: string; REDIS_TLS_CA_FILE?: string | undefined }, problems: Problems): string | undefined {
  const file = v.REDIS_TLS_CA_FILE;
  if (file === undefined || !problems.valid('REDIS_URL', 'REDIS_TLS_CA_FILE')) return undefined;
  if (!v.REDIS_URL.startsWith('rediss://')) {
    problems.add('REDIS_TLS_CA_FILE', 'is set but REDIS_URL is not a rediss:// (TLS) URL: unset it, or use rediss://host:6380');
    return undefined;
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    problems.add('REDIS_TLS_CA_FILE', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}: ${file}); it must be a readable PEM file of CA certificates`);
    return undefined;
  }
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
  problems.add('REDIS_TLS_CA_FILE', `must be a PEM file of CA certificates (${file} holds none)`);
  return undefined;
}

/** PICKUP_SLA_BY_FEED against the configured feeds. */
function slaByFeed(text: string | undefined, feeds: string[], problems: Problems): Record<string, number> {
  if (!problems.valid('FEEDS', 'PICKUP_SLA_BY_FEED')) return {};
  const parsed = parseSlaByFeed(text ?? '', feeds);
  if (parsed.ok) return parsed.value;
  problems.add('PICKUP_SLA_BY_FEED', parsed.error);
  return {};
}

/** Only the platform parameters (for `partnergate render`). Throws ConfigError listing every bad variable. */
export function loadPlatformConfig(env: Env): PlatformConfig {
  const problems = new Problems();
  const v = parse(platformShape, env, problems);
  checkPlatform(v, problems);
  problems.throwIfAny();
  return platformFrom(v);
}

/** The whole configuration for the bot. Throws ConfigError listing every bad variable, one line each. */
export function loadConfig(env: Env): Config {
  const problems = new Problems();
  const v = parse(fullShape, env, problems);
  checkPlatform(v, problems);
  if (problems.valid('APPROVERS', 'APPROVER_USERGROUP') && v.APPROVERS.length === 0 && v.APPROVER_USERGROUP === undefined) {
    problems.add('APPROVERS', 'or APPROVER_USERGROUP must be set (at least one approver: Slack user ids such as U0123ABCD,U0456EFGH, or a user group id such as S0123ABCD)');
  }
  const tlsCa = redisTlsCa(v, problems);
  const byFeed = slaByFeed(v.PICKUP_SLA_BY_FEED, v.FEEDS, problems);
  problems.throwIfAny();
  return {
    platform: platformFrom(v),
    slack: {
      signingSecret: v.SLACK_SIGNING_SECRET,
      botToken: v.SLACK_BOT_TOKEN,
      appToken: v.SLACK_APP_TOKEN,
      apiUrl: v.SLACK_API_URL,
      approvalsChannel: v.APPROVALS_CHANNEL,
      deliveriesChannel: v.DELIVERIES_CHANNEL ?? v.APPROVALS_CHANNEL,
      approvers: v.APPROVERS,
      approverUsergroup: v.APPROVER_USERGROUP,
      resenders: v.RESENDERS,
      approvalReaction: v.APPROVAL_REACTION,
      teamId: v.SLACK_TEAM_ID,
    },
    port: v.PORT,
    metricsPort: v.METRICS_PORT,
    requestTtlHours: v.REQUEST_TTL_HOURS,
    redisUrl: v.REDIS_URL,
    redisTlsCa: tlsCa,
    approvalSigningKey: v.APPROVAL_SIGNING_KEY,
    prefix: v.PARTNERGATE_PREFIX,
    transferHost: v.TRANSFER_HOST,
    transferStaticIps: v.TRANSFER_STATIC_IPS,
    deliveryQueueUrl: v.DELIVERY_QUEUE_URL,
    platformEventsQueueUrl: v.PLATFORM_EVENTS_QUEUE_URL,
    transferSettleSeconds: v.TRANSFER_SETTLE_SECONDS,
    pollIntervalSeconds: v.POLL_INTERVAL_SECONDS,
    fanoutThreadThreshold: v.FANOUT_THREAD_THRESHOLD,
    deliveryMetadataAllowlist: v.DELIVERY_METADATA_ALLOWLIST,
    limits: { sftpUsers: v.TRANSFER_USER_LIMIT, partnerRoles: v.PARTNER_ROLE_LIMIT },
    keyMaxAgeDays: v.KEY_MAX_AGE_DAYS,
    assuranceIntervalHours: v.ASSURANCE_INTERVAL_HOURS,
    autoRevert: v.AUTO_REVERT,
    driftSweepIntervalHours: v.DRIFT_SWEEP_INTERVAL_HOURS ?? defaultDriftSweepHours(v.PLATFORM_EVENTS_QUEUE_URL !== undefined),
    pace: paceRates({ iam: v.PACE_IAM_PER_SECOND, sts: v.PACE_STS_PER_SECOND, transfer: v.PACE_TRANSFER_PER_SECOND, 's3-control': v.PACE_S3_CONTROL_PER_SECOND }),
    nudgeAfterHours: v.NUDGE_AFTER_HOURS,
    pickupSla: { defaultHours: v.PICKUP_SLA_HOURS, byFeed },
    reviews: { intervalDays: v.REVIEW_INTERVAL_DAYS, graceDays: v.REVIEW_GRACE_DAYS, idleDays: v.IDLE_DAYS },
    auditLock: v.AUDIT_RETENTION_DAYS > 0 ? { mode: v.AUDIT_LOCK_MODE, days: v.AUDIT_RETENTION_DAYS } : null,
    logLevel: v.LOG_LEVEL,
    s3ForcePathStyle: v.S3_FORCE_PATH_STYLE,
  };
}

/** Each rate with a burst of one second's worth (at least 1). */
function paceRates(perSecond: Record<PacedService, number>): PaceRates {
  const rate = (n: number) => ({ perSecond: n, burst: Math.max(1, Math.ceil(n)) });
  return { iam: rate(perSecond.iam), sts: rate(perSecond.sts), transfer: rate(perSecond.transfer), 's3-control': rate(perSecond['s3-control']) };
}

/** What the operator commands (`audit`, `reconcile --rebuild`) need: no Slack credentials. */
export interface ToolConfig {
  platform: PlatformConfig;
  redisUrl: string;
  redisTlsCa: string | undefined;
  prefix: string;
  s3ForcePathStyle: boolean;
}

const toolShape = {
  ...platformShape,
  ...redisShape,
  PARTNERGATE_PREFIX: fullShape.PARTNERGATE_PREFIX,
  S3_FORCE_PATH_STYLE: fullShape.S3_FORCE_PATH_STYLE,
};

/** The platform, Redis and S3 settings only. Throws ConfigError listing every bad variable. */
export function loadToolConfig(env: Env): ToolConfig {
  const problems = new Problems();
  const v = parse(toolShape, env, problems);
  checkPlatform(v, problems);
  const tlsCa = redisTlsCa(v, problems);
  problems.throwIfAny();
  return { platform: platformFrom(v), redisUrl: v.REDIS_URL, redisTlsCa: tlsCa, prefix: v.PARTNERGATE_PREFIX, s3ForcePathStyle: v.S3_FORCE_PATH_STYLE };
}
