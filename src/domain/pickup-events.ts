/**
 * Pickup events (docs/pickups.md): what a message on the platform events queue says about a
 * partner downloading a file — Transfer Family's `SFTP Server File Download Completed` / `… Failed`,
 * or a CloudTrail data event for an S3 GetObject under `partners/`. Pure: the parsed event in, a
 * classification out; the outcome of a pickup once its delivery's size is known.
 *
 * Nothing here trusts the event: the user name must be a partner id, the role a partner role of our
 * account, the path a plain key under that partner's own home, in our bucket, on our server. What
 * fails is `ignored` (well formed, not a pickup we count) or `invalid` (not readable), each with a
 * reason for the log line.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkObjectKey, describeObjectKeyProblem } from './outbound-key.js';
import { homePrefix, isPartnerId } from './partner-id.js';
import { normalizeEtag } from './delivery.js';
import { maskSecrets } from './secrets.js';
import { excerpt } from './text.js';

/** Where our resources are (from the platform configuration). */
export interface PickupEventScope {
  accountId: string;
  transferServerId: string;
  bucket: string;
  /** Role name prefix of partner roles (`partnergate-partner-`). */
  partnerRolePrefix: string;
  /** Every SFTP session reads as this role: its GetObjects are counted by the Transfer event instead. */
  transferRoleArn: string;
}

/** Sessions the bot itself opens as a partner role (live probes): not the partner's pickups. */
export const PROBE_SESSION_PREFIXES = ['partnergate-verify-', 'partnergate-offboard-'] as const;

export const SFTP_DOWNLOAD_COMPLETED = 'SFTP Server File Download Completed';
export const SFTP_DOWNLOAD_FAILED = 'SFTP Server File Download Failed';
const API_CALL = 'AWS API Call via CloudTrail';

export type PickupChannel = 'sftp' | 's3';
export type PickupOutcome = 'complete' | 'partial' | 'failed';

/** What every pickup carries, from its event. */
interface PickupFacts {
  /** Identifies the download: equal for every copy of the event (docs/pickups.md "Once"). */
  id: string;
  /** EventBridge's id. */
  eventId: string;
  channel: PickupChannel;
  partnerId: string;
  /** The object key, under the partner's home. */
  targetKey: string;
  etag: string | null;
  at: string;
  startedAt: string | null;
  bytes: number | null;
  clientIp: string | null;
  /** Transfer's session-id, or the assumed-role session ARN. */
  session: string;
}

/** A download by a partner, as the event says it; matched to a delivery by the handler. */
export interface PickupEvent extends PickupFacts {
  kind: 'pickup';
  /** S3 pulls that named a version. */
  versionId: string | null;
  /** S3: a ranged GET (part of the object by design). */
  ranged: boolean;
  failed: boolean;
  /** `failure-code: failure-message` of a failed SFTP download, capped. */
  failure: string | null;
  /** PARTIAL_DOWNLOAD. */
  partialFailure: boolean;
}

export type PickupClassification =
  | PickupEvent
  | { kind: 'ignored'; eventId: string; reason: string }
  | { kind: 'invalid'; eventId: string | null; reason: string }
  | { kind: 'not-pickup' };

const REASON_MAX = 300;

const envelope = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.string().max(256),
  source: z.string().max(256),
  account: z.string().max(32),
  time: z.string().max(64),
  detail: z.record(z.string(), z.unknown()),
});

const text = (max: number) => z.string().max(max);
const transferDetail = z.object({
  username: text(256),
  'server-id': text(64),
  'file-path': text(2048),
  bytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  etag: text(256).optional(),
  'status-code': z.enum(['COMPLETED', 'FAILED']),
  'failure-code': text(64).optional(),
  'failure-message': text(4096).optional(),
  'client-ip': text(64).optional(),
  'session-id': text(256).min(1),
  'start-timestamp': text(64).optional(),
  'end-timestamp': text(64).optional(),
});

const s3Detail = z.object({
  eventSource: z.literal('s3.amazonaws.com'),
  eventName: text(128),
  eventID: text(128).min(1),
  eventTime: text(64),
  errorCode: text(256).optional(),
  sourceIPAddress: text(256).optional(),
  userIdentity: z.object({
    type: text(64).optional(),
    arn: text(2048).optional(),
    sessionContext: z.object({ sessionIssuer: z.object({ arn: text(2048).optional(), userName: text(256).optional() }).partial().optional() }).partial().optional(),
  }).partial(),
  requestParameters: z.object({
    bucketName: text(256),
    key: text(4096),
    versionId: text(1024).optional(),
    Range: text(256).optional(),
  }),
  additionalEventData: z.object({ bytesTransferredOut: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER).optional() }).partial().nullable().optional(),
});

/** True for the two events this module reads: pickups come first, everything else goes on. */
function isPickupShaped(source: unknown, detailType: unknown, detail: unknown): boolean {
  if (source === 'aws.transfer') return detailType === SFTP_DOWNLOAD_COMPLETED || detailType === SFTP_DOWNLOAD_FAILED;
  if (source !== 'aws.s3' || detailType !== API_CALL || typeof detail !== 'object' || detail === null) return false;
  return (detail as Record<string, unknown>)['eventName'] === 'GetObject';
}

/** Reads one parsed message body (JSON.parse of it) of the platform events queue. */
export function classifyPickupEvent(value: unknown, scope: PickupEventScope): PickupClassification {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'not-pickup' };
  const raw = value as Record<string, unknown>;
  if (!isPickupShaped(raw['source'], raw['detail-type'], raw['detail'])) return { kind: 'not-pickup' };
  const outer = envelope.safeParse(value);
  if (!outer.success) return { kind: 'invalid', eventId: null, reason: `not an EventBridge event (${issueOf(outer.error)})` };
  const e = outer.data;
  const ignored = (reason: string): PickupClassification => ({ kind: 'ignored', eventId: e.id, reason });
  if (e.account !== scope.accountId) return ignored('another account');
  return e.source === 'aws.transfer' ? transferPickup(e, scope, ignored) : s3Pickup(e, scope, ignored);
}

type Envelope = z.infer<typeof envelope>;
type Ignore = (reason: string) => PickupClassification;

function transferPickup(e: Envelope, scope: PickupEventScope, ignored: Ignore): PickupClassification {
  const parsed = transferDetail.safeParse(e.detail);
  if (!parsed.success) return { kind: 'invalid', eventId: e.id, reason: `not a Transfer download event (${issueOf(parsed.error, 'detail.')})` };
  const d = parsed.data;
  if (d['server-id'] !== scope.transferServerId) return ignored('another Transfer server');
  if (!isPartnerId(d.username)) return ignored(`the user name ${JSON.stringify(excerpt(d.username))} is not a partner id`);
  const bucketPath = `/${scope.bucket}/`;
  if (!d['file-path'].startsWith(bucketPath)) return ignored('a path in another bucket');
  const key = homeKey(d['file-path'].slice(bucketPath.length), d.username);
  if ('ignored' in key) return ignored(key.ignored);
  const at = isoTime(d['end-timestamp']) ?? isoTime(e.time);
  if (at === null) return { kind: 'invalid', eventId: e.id, reason: 'no readable time' };
  const failed = d['status-code'] === 'FAILED';
  const failure = failed ? capped([d['failure-code'] ?? 'UNKNOWN_ERROR', d['failure-message']].filter(Boolean).join(': ')) : null;
  const startedAt = isoTime(d['start-timestamp']);
  return {
    kind: 'pickup',
    id: `t-${sha(scope.transferServerId, d['session-id'], d['file-path'], d['start-timestamp'] ?? '', d['end-timestamp'] ?? '', d['status-code'], d['start-timestamp'] || d['end-timestamp'] ? '' : e.id)}`,
    eventId: e.id,
    channel: 'sftp',
    partnerId: d.username,
    targetKey: key.key,
    etag: d.etag ? normalizeEtag(d.etag) : null,
    versionId: null,
    at,
    startedAt,
    bytes: d.bytes ?? null,
    ranged: false,
    failed,
    failure,
    partialFailure: failed && d['failure-code'] === 'PARTIAL_DOWNLOAD',
    clientIp: clientIp(d['client-ip']),
    session: capped(d['session-id'], 256),
  };
}

function s3Pickup(e: Envelope, scope: PickupEventScope, ignored: Ignore): PickupClassification {
  const parsed = s3Detail.safeParse(e.detail);
  if (!parsed.success) return { kind: 'invalid', eventId: e.id, reason: `not a CloudTrail GetObject (${issueOf(parsed.error, 'detail.')})` };
  const d = parsed.data;
  if (d.errorCode) return ignored(`the call failed (${excerpt(d.errorCode, 80)})`);
  if (d.requestParameters.bucketName !== scope.bucket) return ignored('another bucket');
  const who = partnerOfSession(d.userIdentity, scope);
  if ('ignored' in who) return ignored(who.ignored);
  const key = homeKey(d.requestParameters.key, who.partnerId);
  if ('ignored' in key) return ignored(key.ignored);
  const at = isoTime(d.eventTime) ?? isoTime(e.time);
  if (at === null) return { kind: 'invalid', eventId: e.id, reason: 'no readable time' };
  const version = d.requestParameters.versionId;
  return {
    kind: 'pickup',
    id: `s-${sha(d.eventID)}`,
    eventId: e.id,
    channel: 's3',
    partnerId: who.partnerId,
    targetKey: key.key,
    etag: null,
    versionId: version && version !== 'null' ? capped(version, 1024) : null,
    at,
    startedAt: null,
    bytes: d.additionalEventData?.bytesTransferredOut ?? null,
    ranged: d.requestParameters.Range !== undefined,
    failed: false,
    failure: null,
    partialFailure: false,
    clientIp: clientIp(d.sourceIPAddress),
    session: who.session,
  };
}

/** The partner whose role the session assumed; the Transfer role's and the bot's probes' are not partners'. */
function partnerOfSession(
  u: z.infer<typeof s3Detail>['userIdentity'], scope: PickupEventScope,
): { partnerId: string; session: string } | { ignored: string } {
  const issuer = u.sessionContext?.sessionIssuer;
  const sessionArn = u.arn ?? '';
  if (u.type !== 'AssumedRole') return { ignored: `not an assumed role (${excerpt(u.type ?? 'no identity', 40)})` };
  if (issuer?.arn === scope.transferRoleArn) return { ignored: 'the Transfer role’s own read (its Transfer event counts the file)' };
  const assumed = sessionArn.match(/^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/);
  if (!assumed) return { ignored: 'no assumed-role session ARN' };
  const [, account, roleName, sessionName] = assumed as unknown as [string, string, string, string];
  if (account !== scope.accountId) return { ignored: 'a role of another account' };
  if (issuer?.userName !== undefined && issuer.userName !== roleName) return { ignored: 'the session’s issuer and its ARN disagree' };
  if (roleName === scope.transferRoleArn.slice(scope.transferRoleArn.lastIndexOf('/') + 1)) {
    return { ignored: 'the Transfer role’s own read (its Transfer event counts the file)' };
  }
  if (!roleName.startsWith(scope.partnerRolePrefix)) return { ignored: 'not a partner role' };
  const partnerId = roleName.slice(scope.partnerRolePrefix.length);
  if (!isPartnerId(partnerId)) return { ignored: 'a role named like a partner role, for no valid partner id' };
  if (PROBE_SESSION_PREFIXES.some((p) => sessionName.startsWith(p))) return { ignored: 'the bot’s own probe of the partner’s access' };
  return { partnerId, session: maskSecrets(capped(sessionArn, 512)) };
}

/** The key when it is a plain key under the partner's own home; else why not. */
function homeKey(key: string, partnerId: string): { key: string } | { ignored: string } {
  const problem = checkObjectKey(key);
  if (problem) return { ignored: `a bad path: ${describeObjectKeyProblem(problem)}` };
  const home = homePrefix(partnerId);
  if (!key.startsWith(home)) return { ignored: 'a path outside the partner’s home' };
  if (key === home || key.endsWith('/')) return { ignored: 'a folder, not a file' };
  return { key };
}

/**
 * What a pickup amounts to, given the delivered size (null: unknown or unmatched) and, for ranged S3
 * GETs, the bytes the session has read so far. A COMPLETED SFTP download of fewer bytes than were
 * delivered is partial (a resumed or cut read); a GetObject of the whole object is complete.
 */
export function pickupOutcome(e: Pick<PickupEvent, 'failed' | 'bytes' | 'ranged'>, size: number | null, sessionBytes?: number): PickupOutcome {
  if (e.failed) return 'failed';
  const bytes = e.ranged ? (sessionBytes ?? e.bytes) : e.bytes;
  if (size === null || bytes === null) return e.ranged ? 'partial' : 'complete';
  return bytes >= size ? 'complete' : 'partial';
}

/** The reason shown with a partial or failed pickup. */
export function pickupReason(e: Pick<PickupEvent, 'failure' | 'bytes'>, outcome: PickupOutcome, size: number | null): string | null {
  if (outcome === 'complete') return null;
  const counted = e.bytes !== null && size !== null ? `${e.bytes} of ${size} bytes` : null;
  return capped([e.failure, counted].filter(Boolean).join('; ') || 'fewer bytes than were delivered');
}

function issueOf(error: z.ZodError, under = ''): string {
  const issue = error.issues[0];
  return `${issue?.path.length ? under + issue.path.join('.') : 'shape'}: ${issue?.message ?? 'invalid'}`.slice(0, 120);
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO time as our clock writes it (milliseconds, Z), or null. */
function isoTime(value: string | undefined): string | null {
  if (value === undefined || !TIME.test(value)) return null;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const IP = /^[0-9A-Fa-f.:]{2,45}$/;
const clientIp = (value: string | undefined): string | null => (value !== undefined && IP.test(value) ? value : null);

/** Printable, masked, at most `max` characters: a reason or a session may be shown and logged. */
function capped(value: string, max = REASON_MAX): string {
  return maskSecrets(excerpt(value, max));
}

const sha = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40);

/** The delivery a pickup was matched to. */
export interface PickupDelivery {
  dh: string;
  /** The source key under the outbound prefix, and its version. */
  key: string;
  versionId: string | null;
  deliveredAt: string;
  /** The fan-out (vh) the delivery counted towards, if any. */
  fanout: string | null;
}

/** One download of a file by a partner: what the store, the audit trail and the export keep (docs/pickups.md). */
export interface PickupRecord extends PickupFacts {
  /** The delivered object's size (null when unmatched or unknown). */
  size: number | null;
  outcome: PickupOutcome;
  reason: string | null;
  delivery: PickupDelivery | null;
  /** Absent: an event. `log`: found in Transfer's log by the deadline check after the event was lost. */
  source?: 'log';
}

/** The record of a classified event, once matched (or not) to a delivery. */
export function pickupRecord(e: PickupEvent, delivery: PickupDelivery | null, size: number | null, sessionBytes?: number): PickupRecord {
  const outcome = pickupOutcome(e, delivery ? size : null, sessionBytes);
  return {
    id: e.id, eventId: e.eventId, channel: e.channel, partnerId: e.partnerId, targetKey: e.targetKey, etag: e.etag,
    at: e.at, startedAt: e.startedAt, bytes: e.bytes, size: delivery ? size : null, outcome,
    reason: pickupReason(e, outcome, delivery ? size : null), clientIp: e.clientIp, session: e.session, delivery,
  };
}
