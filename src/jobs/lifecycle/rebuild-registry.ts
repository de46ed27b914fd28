/**
 * `partnergate reconcile --rebuild`: when the registry in Redis is lost, rebuild it from what AWS
 * holds. Every Transfer user of the server (ListUsers, ListTagsForResource, DescribeUser for the
 * keys and their import dates) and every role under `/partnergate/partners/` (ListRoles,
 * ListRoleTags, GetRole for the account and ExternalId in its trust policy) that carries our
 * partner-id tag becomes a record; the request-id tag names the request (and so the partner's
 * thread). What AWS does not hold — display name, contact, feeds, the thread's channel — comes from
 * the stored request when it survived, and is reported as not recovered when it did not. Records
 * already in the registry are left alone. A rebuilt partner is LIVE only when nothing speaks against
 * it: its last verification in the audit trail failed, or an offboarding was under way, or the
 * role trusts another account than the approved request named — each makes it `verify_failed`,
 * reported, so that deliveries do not resume until someone looks. Partner ids are reserved again, including, from the
 * audit trail, every id ever approved or offboarded, so that no id is ever reused. Last, the SSH key
 * index is rebuilt from every record, kept or rebuilt (src/store/partners.ts `reindexKeys`): a key
 * found on two partners is reported and logged, and registered to neither, rather than one chosen.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Clock } from '../../actions/ports.js';
import { newExternalId } from '../../actions/onboarding/index.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { PARTNER_TAG_KEY } from '../../aws/policies/index.js';
import { scanAuditRecords } from '../audit/index.js';
import { cardRef } from '../../bot/messages/ids.js';
import { isPartnerId } from '../../domain/partner-id.js';
import { keyIdentity, REQUEST_TAG_KEY } from '../onboarding/index.js';
import { keys } from '../../store/keys.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { RequestStore } from '../../store/requests.js';
import type { KeyConflict } from '../../store/partners.js';
import type { Logger } from '../../logger.js';

export interface RebuildDeps {
  cp: LifecyclePlane;
  platform: PlatformConfig;
  partners: PartnerStore;
  requests: Pick<RequestStore, 'get'>;
  redis: Redis;
  prefix: string;
  clock: Clock;
  /** The audit trail, to re-reserve every id ever used (optional). */
  s3?: S3Client;
  /** Where a key found on two partners is logged (optional: the report carries it too). */
  logger?: Logger;
}

export interface RebuildReport {
  rebuilt: string[];
  /** Already in the registry: left alone. */
  kept: string[];
  /** What could not be recovered, per rebuilt partner. */
  unrecovered: Record<string, string[]>;
  /** Users or roles without our partner-id tag (or with one that does not match their name). */
  foreign: string[];
  /** Partner ids whose reservation had to be restored. */
  reserved: string[];
  /** SSH keys found on more than one partner: registered to none of them until a person decides. */
  keyConflicts: KeyConflict[];
}

interface Found {
  requestIds: Set<string>;
  user?: { keys: string[]; keyAddedAt: Record<string, string> };
  role?: { accountId: string | null; externalId: string | null };
}

/** The partner account and the ExternalId in a partner role's trust policy. */
export function trustFacts(trust: unknown): { accountId: string | null; externalId: string | null } {
  const statements = ((trust as { Statement?: unknown[] } | undefined)?.Statement ?? []) as {
    Principal?: { AWS?: string | string[] };
    Condition?: { StringEquals?: Record<string, string | string[]> };
  }[];
  for (const s of statements) {
    const principals = ([] as string[]).concat(s.Principal?.AWS ?? []);
    const root = principals.map((p) => /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(p)?.[1]).find(Boolean);
    const externalId = s.Condition?.StringEquals?.['sts:ExternalId'];
    if (root) return { accountId: root, externalId: typeof externalId === 'string' ? externalId : null };
  }
  return { accountId: null, externalId: null };
}

async function reserve(deps: RebuildDeps, partnerId: string, holder: string): Promise<boolean> {
  return (await deps.redis.set(keys(deps.prefix).partnerIdReservation(partnerId), holder, 'NX')) === 'OK';
}

export async function rebuildRegistry(deps: RebuildDeps): Promise<RebuildReport> {
  const report: RebuildReport = { rebuilt: [], kept: [], unrecovered: {}, foreign: [], reserved: [], keyConflicts: [] };
  const found = new Map<string, Found>();
  const entry = (id: string) => found.get(id) ?? (found.set(id, { requestIds: new Set() }), found.get(id)!);

  for (const u of await deps.cp.listUsers()) {
    const tags = await deps.cp.listUserTags(u.arn);
    const id = tags[PARTNER_TAG_KEY];
    if (!id || id !== u.userName || !isPartnerId(id)) {
      report.foreign.push(`Transfer user ${u.userName}`);
      continue;
    }
    const described = await deps.cp.describeUser(u.userName);
    const e = entry(id);
    if (tags[REQUEST_TAG_KEY]) e.requestIds.add(tags[REQUEST_TAG_KEY]);
    const userKeys = (described?.SshPublicKeys ?? []).map((k) => ({ key: keyIdentity(k.SshPublicKeyBody), at: k.DateImported ? new Date(k.DateImported).toISOString() : undefined }));
    e.user = { keys: userKeys.map((k) => k.key), keyAddedAt: Object.fromEntries(userKeys.flatMap((k) => (k.at ? [[k.key, k.at]] : []))) };
  }
  for (const r of await deps.cp.listPartnerRoles()) {
    const tags = await deps.cp.listRoleTags(r.roleName);
    const id = tags[PARTNER_TAG_KEY];
    if (!id || r.roleName !== `partnergate-partner-${id}` || !isPartnerId(id)) {
      report.foreign.push(`IAM role ${r.roleName}`);
      continue;
    }
    const role = await deps.cp.getRole(r.roleName);
    const e = entry(id);
    if (tags[REQUEST_TAG_KEY]) e.requestIds.add(tags[REQUEST_TAG_KEY]);
    e.role = trustFacts(role?.trustPolicy);
  }

  const trail = deps.s3 ? await readTrail(deps.s3, deps.platform.bucket) : null;
  const now = deps.clock.now().toISOString();
  for (const [partnerId, f] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    if (await deps.partners.get(partnerId)) {
      report.kept.push(partnerId);
      continue;
    }
    const missing: string[] = [];
    const requestId = [...f.requestIds][0];
    if (f.requestIds.size > 1) missing.push(`request id (the user and the role name different requests: ${[...f.requestIds].join(', ')})`);
    if (!requestId) missing.push('request id (no partnergate:request-id tag): the partner thread is unknown');
    const request = requestId ? await deps.requests.get(requestId) : null;
    if (!request) missing.push('display name, contact e-mail, feeds and the thread channel (the request is gone too): feeds set to none');
    if (f.role && (!f.role.accountId || !f.role.externalId)) missing.push('the account or ExternalId (the role trust policy is not as rendered): a new ExternalId was set, see `partnergate reconcile`');
    const holds: string[] = [];
    if (request?.accountId && f.role?.accountId && request.accountId !== f.role.accountId) {
      holds.push(`the role trusts account ${f.role.accountId}, but the approved request named ${request.accountId}`);
    }
    const last = trail?.last.get(partnerId);
    if (last === 'offboarding') holds.push('an offboarding was under way (audit trail): finish it with /offboard-partner');
    if (last === 'verify-failed') holds.push('its last verification failed (audit trail)');
    missing.push(...holds.map((h) => `LIVE status: ${h}; marked verify_failed`));
    const userKeys = f.user?.keys ?? [];
    const record: PartnerRecord = {
      partnerId,
      requestId: requestId ?? `rebuilt-${partnerId}`,
      displayName: request?.displayName ?? partnerId,
      contactEmail: request?.contactEmail ?? '',
      accountId: f.role?.accountId ?? null,
      // Without a role the ExternalId is unused; a lost one is replaced (reconcile then shows the trust policy differs).
      externalId: f.role?.externalId ?? request?.externalId ?? newExternalId(),
      feeds: request?.feeds.filter((x) => deps.platform.feeds.includes(x)) ?? [],
      sshKeys: userKeys,
      ...(f.user && Object.keys(f.user.keyAddedAt).length ? { keyAddedAt: f.user.keyAddedAt } : {}),
      status: holds.length > 0 ? 'verify_failed' : 'live',
      steps: [],
      threadRef: cardRef(requestId ?? `rebuilt-${partnerId}`),
      channel: request?.channel ?? '',
      approvedBy: request?.decision?.by ?? 'unknown',
      ...(request ? { owner: request.requestedBy } : {}),
      provisionedAt: null,
      verifiedAt: null,
      transferUserCreatedAt: null,
      dryRun: false,
      updatedAt: now,
    };
    // A key another partner holds is left to the re-index below, which reports it.
    await deps.partners.save(record, { heldKeys: 'leave' });
    if (await reserve(deps, partnerId, record.requestId)) report.reserved.push(partnerId);
    report.rebuilt.push(partnerId);
    if (missing.length > 0) report.unrecovered[partnerId] = missing;
  }

  if (trail) {
    for (const [partnerId, holder] of [...trail.used].sort(([a], [b]) => a.localeCompare(b))) {
      if (isPartnerId(partnerId) && (await reserve(deps, partnerId, holder))) report.reserved.push(partnerId);
    }
  }
  // An offboarded partner whose Transfer user is still there (its offboarding stopped before deleting it) still holds its keys.
  report.keyConflicts = await deps.partners.reindexKeys({ transferUsers: new Set([...found].filter(([, f]) => f.user).map(([id]) => id)) });
  for (const c of report.keyConflicts) {
    deps.logger?.warn({ key: c.fingerprint, partnerIds: c.partnerIds, how: c.how }, 'rebuild: one SSH key on more than one partner; registered to none of them');
  }
  return report;
}

/** From the audit trail: every id ever used (and its holder), and each partner's last verification or offboarding. */
async function readTrail(s3: S3Client, bucket: string) {
  const used = new Map<string, string>();
  const last = new Map<string, { id: string; state: 'live' | 'verify-failed' | 'offboarding' }>();
  await scanAuditRecords(s3, bucket, {}, (r) => {
    if (!r.partnerId) return;
    if ((r.type === 'request.approved' || r.type === 'offboard.completed') && !used.has(r.partnerId)) {
      used.set(r.partnerId, r.requestId ?? `audit-${r.id}`);
    }
    const state = r.type === 'verify.result' ? (r.details['result'] === 'LIVE' ? 'live' : 'verify-failed') : r.type.startsWith('offboard.') ? 'offboarding' : null;
    const seen = last.get(r.partnerId);
    if (state && (!seen || seen.id < r.id)) last.set(r.partnerId, { id: r.id, state });
  });
  return { used, last: new Map([...last].map(([id, v]) => [id, v.state])) };
}

export function formatRebuildReport(r: RebuildReport): string {
  const lines = [
    `rebuilt ${r.rebuilt.length} partner record(s)${r.rebuilt.length ? `: ${r.rebuilt.join(', ')}` : ''}`,
    `left alone (already in the registry): ${r.kept.length ? r.kept.join(', ') : 'none'}`,
    `partner ids reserved again: ${r.reserved.length ? r.reserved.join(', ') : 'none'}`,
  ];
  for (const [id, missing] of Object.entries(r.unrecovered)) for (const m of missing) lines.push(`not recovered for ${id}: ${m}`);
  for (const f of r.foreign) lines.push(`not ours (no matching partnergate:partner-id tag), left alone: ${f}`);
  for (const c of r.keyConflicts) {
    lines.push(`SSH key ${c.type} ${c.fingerprint} is ${c.how === 'claimed' ? 'registered to and requested for' : 'on'} more than one partner (${c.partnerIds.join(', ')}): whoever holds its private key can log in as each. It is registered to none of them until it is removed from all but one (/partner-keys), then run --rebuild again`);
  }
  if (r.rebuilt.length) lines.push('rebuilt partners are marked live unless a line above says otherwise: run `partnergate reconcile` to compare them with AWS, and check their feeds');
  return `${lines.join('\n')}\n`;
}
