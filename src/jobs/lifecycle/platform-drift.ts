/**
 * The platform check: the documents every partner depends on (src/domain/drift.ts PLATFORM_PARTS) as
 * AWS holds them, against what the renderer produces for this platform. `readPlatform` reads,
 * `comparePlatform` compares (pure), `checkPlatform` records each part's drift by its hash in
 * `P:platform-drift:<part>` (SET … GET, as a partner's drift is recorded), so that a report is made
 * once per change and a part that is as rendered again is said once. The bot repairs none of it: it
 * may change none of these (docs/security.md "The bot's role"); the platform stack restores them.
 *
 * The sweep (the hourly check of every partner) runs one platform check first and reports what
 * changed in the approvals channel (`sweepPlatform`); a platform event runs the check of the part it
 * touched and shows its difference in its alert (`platformDifference`), recording it the same way,
 * so the sweep does not report again what the alert showed.
 */
import type { Redis } from 'ioredis';
import type { Audit, Notify } from '../../actions/ports.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import type { DeployedBucketSettings, KeyGrant } from '../../aws/platform-documents.js';
import { renderPlatform, type RenderedPlatform, type RenderedRole } from '../../aws/policies/index.js';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { PLATFORM_PARTS, platformDriftOf, platformPartHash, type PlatformDrift, type PlatformPart } from '../../domain/drift.js';
import { AwsError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import { buildPlatformDriftReport, platformDriftResolvedText, type PlatformDifference } from '../../bot/messages/platform-events.js';
import { sameDocument } from '../onboarding/index.js';

/** A platform role as AWS holds it. */
export interface DeployedRole {
  trustPolicy: unknown;
  /** Its inline policies by name (null: listed but not readable). */
  inline: Record<string, unknown>;
  /** The ARNs of the managed policies attached to it. */
  attached: string[];
}

/** What the check read, part by part (absent: not read; null: not there). Documents as read: parsed JSON, or text that is not JSON. */
export interface PlatformSnapshot {
  'bucket-policy'?: unknown;
  'bucket-settings'?: DeployedBucketSettings;
  'key-policy'?: unknown;
  'key-grants'?: KeyGrant[];
  'transfer-role'?: DeployedRole | null;
  'verifier-role'?: DeployedRole | null;
  'permissions-boundary'?: { versionId: string; document: unknown } | null;
}

type RolePart = 'transfer-role' | 'verifier-role';

const roleOf = (rendered: RenderedPlatform, part: RolePart): RenderedRole => (part === 'transfer-role' ? rendered.transferRole : rendered.verifierRole);

async function readRole(cp: LifecyclePlane, roleName: string): Promise<DeployedRole | null> {
  const role = await cp.getRole(roleName);
  if (!role) return null;
  const [names, attached] = await Promise.all([cp.listRolePolicies(roleName), cp.listAttachedRolePolicies(roleName)]);
  const inline: Record<string, unknown> = {};
  for (const name of names) inline[name] = (await cp.getRolePolicy({ roleName, policyName: name })) ?? null;
  return { trustPolicy: role.trustPolicy ?? null, inline, attached: attached.map((a) => a.policyArn) };
}

/** Reads the parts asked for (IAM, S3 and KMS reads only). */
export async function readPlatform(cp: LifecyclePlane, platform: PlatformConfig, parts: readonly PlatformPart[] = PLATFORM_PARTS): Promise<PlatformSnapshot> {
  const rendered = renderPlatform(platform);
  const out: PlatformSnapshot = {};
  for (const part of parts) {
    if (part === 'bucket-policy') out[part] = await cp.getBucketPolicy();
    else if (part === 'key-policy') out[part] = await cp.getKeyPolicy();
    else if (part === 'bucket-settings') out[part] = await cp.getBucketSettings();
    else if (part === 'key-grants') out[part] = await cp.listKeyGrants();
    else if (part === 'permissions-boundary') out[part] = await cp.getDefaultPolicyVersion(rendered.permissionsBoundary.arn);
    else out[part] = await readRole(cp, roleOf(rendered, part).roleName);
  }
  return out;
}

/** Compares what was read with the rendering; only the parts read are compared. Pure. */
export function comparePlatform(rendered: RenderedPlatform, deployed: PlatformSnapshot): PlatformDrift {
  const drift: PlatformDrift = { parts: [], items: [], documents: [] };
  const differs = (part: PlatformPart, line: string, name: string, actual: unknown, intended: unknown) => {
    drift.items.push({ part, line });
    drift.documents.push({ part, name, actual, intended });
  };
  const document = (part: 'bucket-policy' | 'key-policy', label: string, name: string, intended: unknown) => {
    const actual = deployed[part];
    if (actual === null) differs(part, `${label} is missing`, name, null, intended);
    else if (!sameDocument(actual, intended)) differs(part, `${label} differs`, name, actual, intended);
  };
  for (const part of PLATFORM_PARTS) {
    if (!(part in deployed)) continue;
    drift.parts.push(part);
    if (part === 'bucket-policy') document(part, 'the bucket policy', 'bucket policy', rendered.bucketPolicy);
    else if (part === 'key-policy') document(part, 'the KMS key policy', 'KMS key policy', rendered.kmsKeyPolicy);
    else if (part === 'permissions-boundary') compareBoundary(rendered, deployed[part] ?? null, differs);
    else if (part === 'bucket-settings') compareBucketSettings(rendered, deployed[part]!, drift);
    else if (part === 'key-grants') compareKeyGrants(deployed[part]!, drift);
    else compareRole(part, roleOf(rendered, part), deployed[part] ?? null, differs);
  }
  return drift;
}

type Differs = (part: PlatformPart, line: string, name: string, actual: unknown, intended: unknown) => void;

/** A key named by its ARN or by its id alone (S3 answers what was set). */
const sameKey = (named: string | null, arn: string): boolean => named === arn || (named !== null && named !== '' && arn.endsWith(`/${named}`));

/** One line per setting that lets more in than rendered; the settings as read beside the rendering, once. */
export function bucketSettingsDifferences(rendered: RenderedPlatform, deployed: DeployedBucketSettings): string[] {
  const intended = rendered.bucketSettings;
  const lines: string[] = [];
  if (deployed.publicAccessBlock === null) lines.push('the bucket has no public access block');
  else {
    for (const [flag, on] of Object.entries(intended.publicAccessBlock)) {
      if (on && deployed.publicAccessBlock[flag] !== true) lines.push(`the bucket’s public access block has ${flag} off`);
    }
  }
  if (deployed.objectOwnership !== intended.objectOwnership) {
    lines.push(`the bucket’s object ownership is ${deployed.objectOwnership ?? 'not set'}, so ACLs can grant access (rendered: ${intended.objectOwnership})`);
  }
  const e = deployed.encryption;
  if (e === null) lines.push('the bucket has no default encryption');
  else {
    if (e.algorithm !== intended.encryption.algorithm) lines.push(`the bucket’s default encryption is ${e.algorithm || 'unnamed'}, not ${intended.encryption.algorithm}`);
    else if (!sameKey(e.kmsKeyArn, intended.encryption.kmsKeyArn)) lines.push(`the bucket’s default encryption uses ${e.kmsKeyArn ?? 'the AWS managed key'}, not the platform key`);
    if (e.bucketKeyEnabled !== intended.encryption.bucketKeyEnabled) lines.push('the bucket’s default encryption has Bucket Keys off');
  }
  return lines;
}

function compareBucketSettings(rendered: RenderedPlatform, deployed: DeployedBucketSettings, drift: PlatformDrift): void {
  const lines = bucketSettingsDifferences(rendered, deployed);
  if (lines.length === 0) return;
  for (const line of lines) drift.items.push({ part: 'bucket-settings', line });
  drift.documents.push({ part: 'bucket-settings', name: 'bucket settings', actual: deployed, intended: rendered.bucketSettings });
}

/** The platform renders no grant on its key: every grant is one more way to use it, reported. */
function compareKeyGrants(grants: readonly KeyGrant[], drift: PlatformDrift): void {
  if (grants.length === 0) return;
  for (const g of grants) {
    drift.items.push({ part: 'key-grants', line: `the KMS key has a grant (${g.grantId}) letting ${g.grantee || 'an unnamed principal'} ${g.operations.join(', ') || 'do nothing listed'}` });
  }
  drift.documents.push({ part: 'key-grants', name: 'KMS key grants', actual: grants, intended: [] });
}

function compareBoundary(rendered: RenderedPlatform, deployed: PlatformSnapshot['permissions-boundary'] | null, differs: Differs): void {
  const b = rendered.permissionsBoundary;
  const intended = b.policies[0]!.document;
  const name = `permissions boundary ${b.name}`;
  if (!deployed) differs('permissions-boundary', `the permissions boundary policy ${b.name} is missing`, name, null, intended);
  else if (!sameDocument(deployed.document, intended)) {
    differs('permissions-boundary', `the permissions boundary policy ${b.name}: its default version (${deployed.versionId}) differs`, `${name} (default version ${deployed.versionId})`, deployed.document, intended);
  }
}

function compareRole(part: RolePart, intended: RenderedRole, deployed: DeployedRole | null, differs: Differs): void {
  const label = `${part === 'transfer-role' ? 'the Transfer role' : 'the verifier role'} ${intended.roleName}`;
  const name = (what: string) => `IAM role ${intended.roleName}: ${what}`;
  if (!deployed) {
    differs(part, `${label} is missing`, name('trust policy'), null, intended.trustPolicy);
    return;
  }
  if (!sameDocument(deployed.trustPolicy, intended.trustPolicy)) differs(part, `${label}: trust policy differs`, name('trust policy'), deployed.trustPolicy, intended.trustPolicy);
  for (const p of intended.policies) {
    const actual = p.name in deployed.inline ? deployed.inline[p.name] : null;
    if (actual === null) differs(part, `${label}: inline policy ${p.name} is missing`, name(`inline policy ${p.name}`), null, p.document);
    else if (!sameDocument(actual, p.document)) differs(part, `${label}: inline policy ${p.name} differs`, name(`inline policy ${p.name}`), actual, p.document);
  }
  for (const [extra, document] of Object.entries(deployed.inline).filter(([n]) => !intended.policies.some((p) => p.name === n)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    differs(part, `${label}: inline policy ${extra} is not rendered`, name(`inline policy ${extra}`), document, null);
  }
  const wanted = (intended.managedPolicies ?? []).map((m) => m.arn);
  for (const arn of deployed.attached.filter((a) => !wanted.includes(a))) {
    differs(part, `${label}: managed policy ${arn} is attached (not rendered)`, name(`managed policy ${arn}`), { PolicyArn: arn }, null);
  }
  for (const arn of wanted.filter((a) => !deployed.attached.includes(a))) {
    differs(part, `${label}: managed policy ${arn} is not attached`, name(`managed policy ${arn}`), null, { PolicyArn: arn });
  }
}

/** Reads and compares the parts asked for (all of them by default). */
export async function findPlatformDrift(cp: LifecyclePlane, platform: PlatformConfig, parts: readonly PlatformPart[] = PLATFORM_PARTS): Promise<PlatformDrift> {
  return comparePlatform(renderPlatform(platform), await readPlatform(cp, platform, parts));
}

export const platformDriftKey = (prefix: string, part: PlatformPart): string => `${prefix}:platform-drift:${part}`;

export interface PlatformCheckDeps {
  cp: LifecyclePlane;
  platform: PlatformConfig;
  redis: Redis;
  prefix: string;
}

/**
 * What one platform check found: the drift of the parts it compared, which of them changed since the
 * last check, which are as rendered again, and the parts AWS would not let it read (the error code).
 */
export interface PlatformCheck {
  drift: PlatformDrift;
  changed: PlatformPart[];
  resolved: PlatformPart[];
  unreadable: Array<{ part: PlatformPart; code: string }>;
}

/**
 * Compares the parts and records each one's drift (its hash), answering what changed since the last
 * record. Each part is read on its own: one AWS refuses to show (a key policy that does not yet let
 * the bot read it) leaves the others compared, and its record as it was.
 */
export async function checkPlatform(deps: PlatformCheckDeps, parts: readonly PlatformPart[] = PLATFORM_PARTS): Promise<PlatformCheck> {
  const rendered = renderPlatform(deps.platform);
  const drift: PlatformDrift = { parts: [], items: [], documents: [] };
  const unreadable: PlatformCheck['unreadable'] = [];
  for (const part of parts) {
    try {
      const one = comparePlatform(rendered, await readPlatform(deps.cp, deps.platform, [part]));
      drift.parts.push(...one.parts);
      drift.items.push(...one.items);
      drift.documents.push(...one.documents);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      unreadable.push({ part, code: err.code });
    }
  }
  const changed: PlatformPart[] = [];
  const resolved: PlatformPart[] = [];
  for (const part of drift.parts) {
    const key = platformDriftKey(deps.prefix, part);
    const hash = platformPartHash(drift, part);
    if (hash === null) {
      if ((await deps.redis.del(key)) > 0) resolved.push(part);
    } else if ((await deps.redis.set(key, hash, 'GET')) !== hash) {
      changed.push(part);
    }
  }
  return { drift, changed, resolved, unreadable };
}

export interface PlatformReportDeps extends PlatformCheckDeps {
  notify: Notify;
  audit: Audit;
  logger: Logger;
  /** APPROVALS_CHANNEL: where the platform's differences are reported. */
  approvalsChannel: string;
}

export type PlatformOutcome = 'clean' | 'reported' | 'unchanged' | 'resolved' | 'unreadable';

/**
 * The sweep's platform check: a part whose difference is new or changed is reported (with the diff)
 * and audited, a part as rendered again is said once. A part AWS refuses to show or fails to read
 * (the stack not yet updated to let the bot read it, say) is logged; the others are reported, and
 * the partners' checks run.
 */
export async function sweepPlatform(deps: PlatformReportDeps): Promise<PlatformOutcome> {
  const check = await checkPlatform(deps);
  for (const { part, code } of check.unreadable) deps.logger.error({ part, code }, 'platform check: a platform document could not be read; not compared');
  if (check.changed.length > 0) {
    const changed = platformDriftOf(check.drift, check.changed);
    deps.logger.warn({ parts: check.changed, differences: changed.items.length }, 'platform check: the platform differs from the rendering');
    await deps.notify({ op: 'post', channel: deps.approvalsChannel, ...buildPlatformDriftReport(changed) });
    await deps.audit({ type: 'platform.drift', actor: 'partnergate', details: { parts: check.changed, items: changed.items.map((i) => i.line) } });
  }
  if (check.resolved.length > 0) {
    deps.logger.info({ parts: check.resolved }, 'platform check: as rendered again');
    await deps.notify({ op: 'post', channel: deps.approvalsChannel, text: platformDriftResolvedText(check.resolved) });
  }
  if (check.changed.length > 0) return 'reported';
  if (check.resolved.length > 0) return 'resolved';
  if (check.unreadable.length > 0) return 'unreadable';
  return check.drift.items.length > 0 ? 'unchanged' : 'clean';
}

/**
 * For a platform event's alert: the check of the part the call changed (recorded like the sweep's),
 * its error code when AWS would not answer, or `not-compared` when no part holds what it changed.
 */
export function platformDifference(deps: PlatformCheckDeps & { logger: Logger }): (part: PlatformPart | undefined) => Promise<PlatformDifference> {
  return async (part) => {
    if (!part) return { kind: 'not-compared' };
    const check = await checkPlatform(deps, [part]);
    const [unreadable] = check.unreadable;
    if (!unreadable) return { kind: 'compared', drift: check.drift };
    deps.logger.warn({ part, code: unreadable.code }, 'platform event: the difference could not be read');
    return { kind: 'unreadable', code: unreadable.code };
  };
}
