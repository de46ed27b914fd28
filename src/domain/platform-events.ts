/**
 * What an event on the platform events queue (PLATFORM_EVENTS_QUEUE_URL) means: CloudTrail
 * management events for IAM, Transfer Family, S3 bucket configuration and KMS, as EventBridge
 * delivers them ("AWS API Call via CloudTrail"). Pure: the event in, a classification out.
 *
 * - `access-change`: a successful call that changed something a partner's access is made of — its
 *   role (`partnergate-partner-<id>`: policies, trust, boundary, tags, the role itself) or its
 *   Transfer user on the platform server — or a platform resource every partner depends on: the
 *   Transfer, verifier and bot roles, the boundary policy, the Transfer server, the bucket's
 *   policy, ACLs, public access block, ownership, encryption, lifecycle, versioning or Object Lock,
 *   the key's policy and grants.
 * - `ignored`: well formed, but not about us (another account, server, bucket, key or role), a
 *   read, or a call that failed (it changed nothing).
 * - `invalid`: not an event we can read.
 *
 * Nothing of the event's request is kept whole: policy documents can hold an ExternalId, so only
 * the names that identify what was touched are kept, each masked (src/domain/secrets.ts).
 */
import { z } from 'zod';
import { isPartnerId } from './partner-id.js';
import { maskSecrets } from './secrets.js';
import type { PlatformPart } from './drift.js';

/** Where our resources are: built from the platform configuration by the composition root. */
export interface PlatformEventScope {
  accountId: string;
  transferServerId: string;
  bucket: string;
  kmsKeyArn: string;
  permissionsBoundaryArn: string;
  /** Role name prefix of partner roles (`partnergate-partner-`). */
  partnerRolePrefix: string;
  /** The platform's own roles, by role name: what each is, for the alert. */
  platformRoles: Record<string, string>;
  /** The platform roles the platform check compares, by role name (the Transfer and verifier roles). */
  comparedRoles: Record<string, PlatformPart>;
  /** The bot's role ARN: calls made in its sessions are the bot's own. */
  botRoleArn: string;
}

/**
 * What an event touched. A platform resource's `compared` is the part of the platform check that
 * holds what the call changed (src/domain/drift.ts PLATFORM_PARTS): the alert shows its difference
 * from the rendered documents. Absent: the check compares nothing the call changes (the bot role,
 * the server, a bucket's ACL, the key's grants).
 */
export type EventTarget =
  | { type: 'partner'; partnerId: string; resource: string }
  | { type: 'platform'; resource: string; compared?: PlatformPart };

export interface AccessChange {
  kind: 'access-change';
  /** EventBridge's id of the event (one per CloudTrail event: duplicates carry the same). */
  eventId: string;
  /** `iam:AttachRolePolicy`, `transfer:UpdateUser`, … */
  call: string;
  at: string;
  /** Who made the call: the principal's ARN (an assumed role's session, a user, root, a service). */
  actor: string;
  /** The bot made it (through its own role): expected, reported only if it leaves a difference. */
  byBot: boolean;
  target: EventTarget;
  /** The parameters that name what was touched, masked: role, policy ARN or name, user, server, bucket, key. */
  parameters: Record<string, string>;
}

export type PlatformEvent = AccessChange | { kind: 'ignored'; eventId: string; reason: string } | { kind: 'invalid'; reason: string };

const envelope = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

const apiCall = z.object({
  eventSource: z.string(),
  eventName: z.string().min(1).max(128),
  eventTime: z.string().optional(),
  readOnly: z.boolean().optional(),
  errorCode: z.string().optional(),
  userIdentity: z
    .object({
      type: z.string().optional(),
      arn: z.string().optional(),
      invokedBy: z.string().optional(),
      sessionContext: z.object({ sessionIssuer: z.object({ arn: z.string().optional(), userName: z.string().optional() }).partial().optional() }).partial().optional(),
    })
    .partial()
    .optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
});

type ApiCall = z.infer<typeof apiCall>;

/** The request parameters that identify what a call touched (never a document). */
const NAMING_PARAMETERS = ['roleName', 'policyArn', 'policyName', 'permissionsBoundary', 'userName', 'serverId', 'arn', 'bucketName', 'keyId', 'targetKeyId', 'aliasName', 'grantId', 'sshPublicKeyId'] as const;

const S3_BUCKET_CHANGES = new Set([
  'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls', 'PutBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketLifecycle', 'DeleteBucketLifecycle', 'PutBucketVersioning', 'PutObjectLockConfiguration', 'PutBucketCors', 'PutBucketReplication',
]);
const KMS_KEY_CHANGES = new Set([
  'PutKeyPolicy', 'CreateGrant', 'RevokeGrant', 'RetireGrant', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'DisableKey', 'EnableKey', 'CreateAlias', 'UpdateAlias',
]);
const BOUNDARY_CHANGES = new Set(['CreatePolicyVersion', 'SetDefaultPolicyVersion', 'DeletePolicyVersion', 'DeletePolicy', 'TagPolicy', 'UntagPolicy']);
/** The calls that change a document the platform check compares. */
const BUCKET_POLICY_CHANGES = new Set(['PutBucketPolicy', 'DeleteBucketPolicy']);
const BUCKET_SETTINGS_CHANGES = new Set([
  'PutBucketAcl', 'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock', 'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls',
  'PutBucketEncryption', 'DeleteBucketEncryption',
]);
const KEY_POLICY_CHANGES = new Set(['PutKeyPolicy']);
const KEY_GRANT_CHANGES = new Set(['CreateGrant', 'RevokeGrant', 'RetireGrant']);

/** The part of the platform check an S3 or KMS change touches, if it compares one. */
function comparedPart(eventName: string): PlatformPart | undefined {
  if (BUCKET_POLICY_CHANGES.has(eventName)) return 'bucket-policy';
  if (BUCKET_SETTINGS_CHANGES.has(eventName)) return 'bucket-settings';
  if (KEY_POLICY_CHANGES.has(eventName)) return 'key-policy';
  if (KEY_GRANT_CHANGES.has(eventName)) return 'key-grants';
  return undefined;
}

/**
 * The calls on a partner's role that can only widen its access, whatever their parameters: a partner
 * role has no attached managed policy, ever, so any one attached adds to it; removing the permissions
 * boundary takes a limit away. Anything else (an inline policy, a trust policy, a tag, a boundary put
 * in place) may as well narrow or restore: only reading AWS can tell.
 */
const ONLY_WIDENING_CALLS = new Set(['iam:AttachRolePolicy', 'iam:DeleteRolePermissionsBoundary']);

/**
 * The change is one of those calls on a partner's role: someone else's such change quarantines the
 * live partner at once, before AWS is read (src/jobs/platform-events/consumer.ts).
 */
export function onlyWidens(e: Pick<AccessChange, 'call' | 'target'>): boolean {
  // An IAM call whose target is a partner is on its role (`roleTarget`).
  return e.target.type === 'partner' && ONLY_WIDENING_CALLS.has(e.call);
}

/** Reads one message body of the platform events queue. */
export function classifyPlatformEvent(body: string, scope: PlatformEventScope): PlatformEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const outer = envelope.safeParse(value);
  if (!outer.success) return { kind: 'invalid', reason: `not an EventBridge event (${outer.error.issues[0]?.path.join('.') || 'shape'})` };
  const e = outer.data;
  const ignored = (reason: string): PlatformEvent => ({ kind: 'ignored', eventId: e.id, reason });
  if (e['detail-type'] !== 'AWS API Call via CloudTrail') return ignored(`detail-type ${JSON.stringify(e['detail-type'].slice(0, 80))} is not an API call`);
  if (e.account !== scope.accountId) return ignored('another account');
  const inner = apiCall.safeParse(e.detail);
  if (!inner.success) return { kind: 'invalid', reason: `not a CloudTrail API call (${inner.error.issues[0]?.path.join('.') || 'shape'})` };
  const d = inner.data;
  if (d.errorCode) return ignored(`the call failed (${d.errorCode.slice(0, 80)}): nothing changed`);
  if (d.readOnly === true) return ignored('a read');
  const params = d.requestParameters ?? {};
  const target = targetOf(d, params, scope);
  if ('ignored' in target) return ignored(target.ignored);
  return {
    kind: 'access-change',
    eventId: e.id,
    call: `${d.eventSource.replace(/\.amazonaws\.com$/, '')}:${d.eventName}`,
    at: d.eventTime ?? e.time,
    actor: maskSecrets(d.userIdentity?.arn ?? d.userIdentity?.invokedBy ?? d.userIdentity?.type ?? 'unknown'),
    byBot: isBot(d, scope),
    target,
    parameters: namingParameters(params),
  };
}

function targetOf(d: ApiCall, params: Record<string, unknown>, scope: PlatformEventScope): EventTarget | { ignored: string } {
  const text = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
  switch (d.eventSource) {
    case 'iam.amazonaws.com': {
      const roleName = text('roleName');
      if (roleName) return roleTarget(roleName, scope);
      if (text('policyArn') === scope.permissionsBoundaryArn && BOUNDARY_CHANGES.has(d.eventName)) return { type: 'platform', resource: 'the permissions boundary policy', compared: 'permissions-boundary' };
      return { ignored: 'an IAM call on none of our roles or policies' };
    }
    case 'transfer.amazonaws.com': {
      const arn = text('arn');
      const serverId = text('serverId') ?? arn?.match(/:(?:user|server)\/(s-[0-9a-f]{17})(?:\/|$)/)?.[1];
      if (serverId !== scope.transferServerId) return { ignored: 'another Transfer server' };
      const userName = text('userName') ?? arn?.match(/:user\/s-[0-9a-f]{17}\/([^/]+)$/)?.[1];
      if (!userName) return { type: 'platform', resource: `the Transfer server ${scope.transferServerId}` };
      return isPartnerId(userName)
        ? { type: 'partner', partnerId: userName, resource: `Transfer user ${userName}` }
        : { type: 'platform', resource: `a Transfer user that is no partner's (${maskSecrets(userName.slice(0, 100))})` };
    }
    case 's3.amazonaws.com':
      if (text('bucketName') !== scope.bucket) return { ignored: 'another bucket' };
      if (!S3_BUCKET_CHANGES.has(d.eventName)) return { ignored: 'not a change of the bucket’s access configuration' };
      return platformTarget(`the bucket ${scope.bucket}`, comparedPart(d.eventName));
    case 'kms.amazonaws.com': {
      const keyId = text('keyId') ?? text('targetKeyId') ?? '';
      const ours = keyId !== '' && (keyId === scope.kmsKeyArn || scope.kmsKeyArn.endsWith(`/${keyId}`));
      if (!ours) return { ignored: 'another KMS key' };
      if (!KMS_KEY_CHANGES.has(d.eventName)) return { ignored: 'not a change of the key’s access' };
      return platformTarget('the platform KMS key', comparedPart(d.eventName));
    }
    default:
      return { ignored: `event source ${d.eventSource.slice(0, 60)} is not watched` };
  }
}

const platformTarget = (resource: string, compared: PlatformPart | undefined): EventTarget => ({ type: 'platform', resource, ...(compared ? { compared } : {}) });

/** A role of our account by its name: a platform role, a partner's role, or none of ours (why). */
export function roleTarget(roleName: string, scope: PlatformEventScope): EventTarget | { ignored: string } {
  const platform = scope.platformRoles[roleName];
  const compared = scope.comparedRoles[roleName];
  if (platform) return platformTarget(platform, compared);
  if (!roleName.startsWith(scope.partnerRolePrefix)) return { ignored: 'not one of our roles' };
  const partnerId = roleName.slice(scope.partnerRolePrefix.length);
  if (!isPartnerId(partnerId)) return { ignored: 'a role named like a partner role, for no valid partner id' };
  return { type: 'partner', partnerId, resource: `IAM role ${roleName}` };
}

/** CloudTrail names the role behind an assumed-role session as the session's issuer. */
function isBot(d: ApiCall, scope: PlatformEventScope): boolean {
  return d.userIdentity?.type === 'AssumedRole' && d.userIdentity.sessionContext?.sessionIssuer?.arn === scope.botRoleArn;
}

function namingParameters(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMING_PARAMETERS) {
    const v = params[name];
    if (typeof v === 'string' && v !== '') out[name] = maskSecrets(v.slice(0, 300));
  }
  return out;
}
