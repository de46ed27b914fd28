/**
 * What an IAM Access Analyzer finding on the platform events queue means, and whether it is one to
 * report. The platform stack's account analyzer (zone of trust: this account) sends an "Access
 * Analyzer Finding" event to EventBridge for each new finding, each change of a finding's status and
 * each deleted finding; a rule of ours forwards them to PLATFORM_EVENTS_QUEUE_URL. Pure: the
 * event in, a classification out; then the finding and the approved account in, a verdict out.
 *
 * Only findings on our resources count: a partner role (`partnergate-partner-<id>`), the bucket,
 * the key and the platform's own roles. Everything else is another team's business, ignored.
 *
 * Access a finding describes is approved only on a partner role, and only for the partner's own
 * AWS account (the one its request named, whose root the role's trust names): every LIVE partner
 * with an account has that finding, expected. Nothing outside the account is approved on the
 * bucket, the key or a platform role (the bucket policy and the key policy name our account only;
 * partners reach their files through roles of ours), so any active finding on them is reported.
 *
 * A finding's condition can hold the partner's ExternalId (the trust's `sts:ExternalId`): only the
 * condition's keys are kept, never its values; every other string is masked too.
 */
import { z } from 'zod';
import { isAwsAccountId } from './aws-account-id.js';
import { roleTarget, type EventTarget, type PlatformEventScope } from './platform-events.js';
import { maskSecrets } from './secrets.js';

export const ACCESS_FINDING_DETAIL_TYPE = 'Access Analyzer Finding';

export type FindingTarget = EventTarget;

/** One entry of the finding's principal map: `AWS` → `999988887777`, `Federated` → a provider, … */
export interface FindingPrincipal {
  /** `AWS`, `Federated`, `CanonicalUser`, `Service`, … */
  kind: string;
  value: string;
  /** The AWS account it names (an account id, or an ARN's account); null when it names none (`*`, a provider). */
  account: string | null;
}

export interface AccessFinding {
  kind: 'access-finding';
  /** EventBridge's id of the event. */
  eventId: string;
  findingId: string;
  status: 'ACTIVE' | 'ARCHIVED' | 'RESOLVED';
  /** The finding was deleted (a resolved finding's retention ran out, or its analyzer was deleted). */
  deleted: boolean;
  /** Access Analyzer could not analyze the resource (`ACCESS_DENIED`, …): an error finding, no principal. */
  error: string | null;
  /** The resource's ARN, masked. */
  resource: string;
  resourceType: string;
  target: FindingTarget;
  principals: FindingPrincipal[];
  isPublic: boolean;
  actions: string[];
  /** The condition's keys only (its values can be an ExternalId). */
  conditionKeys: string[];
  /** When Access Analyzer last analyzed the resource (or the event's time). */
  at: string;
}

export type AccessFindingEvent = AccessFinding | { kind: 'ignored'; eventId: string; reason: string } | { kind: 'invalid'; reason: string };

export type FindingVerdict =
  /** Access no one approved: reported (the partner's thread or the approvals channel) and audited. */
  | { verdict: 'report'; why: string }
  /** The partner role's access for the partner's own approved account: logged only. */
  | { verdict: 'expected' }
  /** Archived, resolved, deleted or an error finding: nothing changes. */
  | { verdict: 'unchanged'; why: string };

const envelope = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.literal(ACCESS_FINDING_DETAIL_TYPE),
  source: z.literal('aws.access-analyzer'),
  account: z.string(),
  time: z.string(),
  detail: z.object({
    id: z.string().min(1).max(200),
    status: z.enum(['ACTIVE', 'ARCHIVED', 'RESOLVED']),
    resourceType: z.string().max(100),
    resource: z.string().min(1).max(2048),
    accountId: z.string().optional(),
    isDeleted: z.boolean().optional(),
    isPublic: z.boolean().optional(),
    error: z.string().max(200).optional(),
    principal: z.record(z.string().max(100), z.string().max(2048)).optional(),
    action: z.array(z.string().max(200)).max(500).optional(),
    condition: z.record(z.string().max(200), z.unknown()).optional(),
    analyzedAt: z.string().optional(),
  }),
});

const MAX_KEPT = 50;
const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:[^\s]*\/)?([\w+=,.@-]{1,64})$/;
const ACCOUNT_IN_ARN = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/;

/**
 * Reads one message body of the platform events queue as an Access Analyzer finding. Null when it
 * is not one (another detail-type, or not even JSON): the API call classifier reads it then.
 */
export function classifyAccessFinding(body: string, scope: PlatformEventScope): AccessFindingEvent | null {
  // Most messages are CloudTrail's: not parsed twice. A finding whose detail-type were written with
  // escapes would be read as no API call, and ignored.
  if (!body.includes(ACCESS_FINDING_DETAIL_TYPE)) return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || (value as Record<string, unknown>)['detail-type'] !== ACCESS_FINDING_DETAIL_TYPE) return null;
  const parsed = envelope.safeParse(value);
  if (!parsed.success) return { kind: 'invalid', reason: `not an Access Analyzer finding (${parsed.error.issues[0]?.path.join('.') || 'shape'})` };
  const e = parsed.data;
  const d = e.detail;
  const ignored = (reason: string): AccessFindingEvent => ({ kind: 'ignored', eventId: e.id, reason });
  if (e.account !== scope.accountId || (d.accountId !== undefined && d.accountId !== scope.accountId)) return ignored('another account');
  const target = targetOf(d.resourceType, d.resource, scope);
  if ('ignored' in target) return ignored(target.ignored);
  return {
    kind: 'access-finding',
    eventId: e.id,
    findingId: maskSecrets(d.id),
    status: d.status,
    deleted: d.isDeleted === true,
    error: d.error === undefined ? null : maskSecrets(d.error),
    resource: maskSecrets(d.resource),
    resourceType: d.resourceType,
    target,
    principals: Object.entries(d.principal ?? {}).slice(0, MAX_KEPT).map(([kind, v]) => principalOf(kind, v)),
    isPublic: d.isPublic === true,
    actions: (d.action ?? []).slice(0, MAX_KEPT).map(maskSecrets),
    conditionKeys: Object.keys(d.condition ?? {}).slice(0, MAX_KEPT).map(maskSecrets),
    at: d.analyzedAt ?? e.time,
  };
}

function targetOf(resourceType: string, resource: string, scope: PlatformEventScope): FindingTarget | { ignored: string } {
  switch (resourceType) {
    case 'AWS::IAM::Role': {
      const m = ROLE_ARN.exec(resource);
      if (!m || m[1] !== scope.accountId) return { ignored: 'a role of another account' };
      return roleTarget(m[2]!, scope);
    }
    case 'AWS::S3::Bucket':
      return /^arn:[a-z-]+:s3:::/.test(resource) && resource.slice(resource.indexOf(':::') + 3) === scope.bucket
        ? { type: 'platform', resource: `the bucket ${scope.bucket}` }
        : { ignored: 'another bucket' };
    case 'AWS::KMS::Key':
      return resource === scope.kmsKeyArn ? { type: 'platform', resource: 'the platform KMS key' } : { ignored: 'another KMS key' };
    default:
      return { ignored: `a ${resourceType.slice(0, 60)} is none of ours` };
  }
}

function principalOf(kind: string, value: string): FindingPrincipal {
  const account = isAwsAccountId(value) ? value : (ACCOUNT_IN_ARN.exec(value)?.[1] ?? null);
  return { kind: maskSecrets(kind), value: maskSecrets(value.slice(0, 300)), account: kind === 'AWS' ? account : null };
}

/**
 * Whether a finding is one to report. `approvedAccount`: the partner's own AWS account when the
 * finding is on the role of a partner whose record holds it and is not offboarded; null otherwise
 * (nothing outside the account is approved on the bucket, the key or a platform role).
 */
export function judgeAccessFinding(f: AccessFinding, approvedAccount: string | null): FindingVerdict {
  if (f.deleted) return { verdict: 'unchanged', why: 'the finding was deleted' };
  if (f.status !== 'ACTIVE') return { verdict: 'unchanged', why: `the finding is ${f.status.toLowerCase()}` };
  if (f.error !== null) return { verdict: 'unchanged', why: `Access Analyzer could not analyze it (${f.error})` };
  if (f.isPublic) return { verdict: 'report', why: 'it is public: anyone may' };
  if (f.principals.length === 0) return { verdict: 'report', why: 'the finding names no principal' };
  const unapproved = f.principals.filter((p) => approvedAccount === null || p.kind !== 'AWS' || p.account !== approvedAccount);
  if (unapproved.length === 0) return { verdict: 'expected' };
  const names = unapproved.map((p) => `${p.kind} ${p.value}`).join(', ');
  return approvedAccount === null
    ? { verdict: 'report', why: `no outside account is approved on it, and ${names} may` }
    : { verdict: 'report', why: `only the partner's own account ${approvedAccount} is approved, and ${names} may` };
}
