/**
 * A partner's drift as data (src/jobs/lifecycle/drift.ts finds it): what differs between AWS and
 * what the renderer and the registry say, item by item, and the documents that differ. Pure rules
 * over it: which items a re-apply may not repair on one approver's click, which may widen access (a
 * live partner with any is quarantined), the drift's hash (what a
 * report, its Re-apply button and the job agree on), the record kept in Redis, and the ExternalIds
 * taken out of documents before anyone is shown them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { isSecretKey } from './secrets.js';

/** What an item is about. */
export type DriftSubject = 'transfer-user' | 'ssh-key' | 'role' | 'trust-policy' | 'inline-policy' | 'managed-policy';

/**
 * `missing`: re-apply would create it; `differs`: re-apply would rewrite it (or, for a role's path
 * or boundary, cannot); `extra`: AWS has it and the registry does not (re-apply deletes an extra
 * key or inline policy and detaches a managed policy — partner roles may have none — and leaves a
 * user or role of a partner who should have none for a person).
 */
export type DriftState = 'missing' | 'differs' | 'extra';

export interface DriftItem {
  subject: DriftSubject;
  state: DriftState;
  /** The report's line: "IAM role: trust policy differs". */
  line: string;
}

/** A document that differs, as AWS has it and as re-apply would write it (null: absent on that side). */
export interface DriftDocument {
  name: string;
  actual: unknown;
  intended: unknown;
}

export interface Drift {
  partnerId: string;
  /** Sorted by line. */
  items: DriftItem[];
  documents: DriftDocument[];
  /** Lines the bot may not repair (role path, permissions boundary). */
  unfixable: string[];
}

/**
 * The items a re-apply may repair only with a second approver: those that would *create* something
 * — a Transfer user, a role, an inline policy, an SSH key (a login) — or *rewrite a trust policy*
 * (who may assume the role). Re-apply writes what the registry says, and the registry is not sealed
 * (docs/security.md "Redis"): one click must not hand out access. What is left — permission-policy
 * content of resources that exist, extra keys and policies deleted — narrows access back to the
 * rendered documents, and stays one approver's click.
 */
export function secondApproverItems(items: readonly DriftItem[]): DriftItem[] {
  return items.filter((i) => i.state === 'missing' || i.subject === 'trust-policy');
}

/**
 * The items a narrowing re-apply repairs (AUTO_REVERT, src/jobs/lifecycle/reconcile.ts): what one
 * approver's click may repair and the bot can — permission content of resources that exist rewritten
 * as rendered (an inline policy, the Transfer user's session policy, home or role), extra keys and
 * inline policies deleted, managed policies detached. Everything it does takes access away or puts
 * back the rendered documents of what exists; nothing it does creates a login or a grant, rewrites
 * who may assume the role, or changes what the bot may not (a role's path, boundary, tags).
 */
export function revertibleItems(items: readonly DriftItem[]): DriftItem[] {
  return items.filter((i) =>
    (i.state === 'differs' && (i.subject === 'transfer-user' || i.subject === 'inline-policy')) ||
    (i.state === 'extra' && (i.subject === 'ssh-key' || i.subject === 'inline-policy' || i.subject === 'managed-policy')));
}

/**
 * The items that may leave a partner with more access than approved: everything AWS has that is not
 * as rendered — an extra key, policy or managed policy, a document that differs (wider or not: the
 * check does not evaluate it), a role's boundary or path. Only what is missing is less access. A
 * live partner with any of these is quarantined.
 */
export function wideningItems(items: readonly DriftItem[]): DriftItem[] {
  return items.filter((i) => i.state !== 'missing');
}

/** The drift's hash: its lines and the documents that differ, so a changed document is a new drift. */
export function driftHash(drift: { items: readonly Pick<DriftItem, 'line'>[]; documents: readonly DriftDocument[] }): string {
  return createHash('sha256').update(canonicalJson({ items: drift.items.map((i) => i.line), documents: drift.documents })).digest('hex');
}

/** What `P:drift:<partnerId>` holds: the hash of the last reported drift and its items (no documents). */
export interface DriftRecord {
  hash: string;
  items: DriftItem[];
}

export const driftRecordText = (drift: Pick<Drift, 'items' | 'documents'>): string => JSON.stringify({ hash: driftHash(drift), items: drift.items });

const HASH = /^[0-9a-f]{64}$/;

/** The stored record, or null. A bare hash (written before records carried items) has no items: nothing is known to be one-click. */
export function parseDriftRecord(text: string | null): DriftRecord | null {
  if (text === null) return null;
  if (HASH.test(text)) return { hash: text, items: [] };
  try {
    const v = JSON.parse(text) as Partial<DriftRecord>;
    return typeof v.hash === 'string' && Array.isArray(v.items) ? { hash: v.hash, items: v.items } : null;
  } catch {
    return null;
  }
}

/** Every string under a secret-named key (`sts:ExternalId` in a trust condition: src/domain/secrets.ts), at any depth. */
function externalIdsIn(value: unknown, under = false, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (under && value !== '') out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) externalIdsIn(v, under, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) externalIdsIn(v, under || isSecretKey(k), out);
  }
  return out;
}

function replaceStrings(value: unknown, replace: (s: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), replaceStrings(v, replace)]));
  }
  return value;
}

export const REGISTRY_EXTERNAL_ID = '[ExternalId of the registry, redacted]';
export const OTHER_EXTERNAL_ID = '[another ExternalId, redacted]';

/**
 * The documents with every ExternalId replaced wherever it appears (a condition value, or copied
 * into any other string): the one re-apply would write (the intended document's) by
 * REGISTRY_EXTERNAL_ID, any other by OTHER_EXTERNAL_ID (numbered when there are several), so a diff
 * still shows *that* the ExternalId differs, never the value.
 */
export function redactExternalIds(documents: readonly DriftDocument[]): DriftDocument[] {
  const ours = new Set<string>();
  const others = new Set<string>();
  for (const d of documents) externalIdsIn(d.intended, false, ours);
  for (const d of documents) for (const v of externalIdsIn(d.actual)) if (!ours.has(v)) others.add(v);
  const names = new Map<string, string>([
    ...[...ours].map((v) => [v, REGISTRY_EXTERNAL_ID] as [string, string]),
    ...[...others].map((v, i) => [v, others.size === 1 ? OTHER_EXTERNAL_ID : OTHER_EXTERNAL_ID.replace(']', ` ${i + 1}]`)] as [string, string]),
  ]);
  // A whole string that is one is replaced; inside other strings, values long enough to be one and
  // not a common word (STS allows 2 characters), longest first so one containing another goes whole.
  const inside = [...names.keys()].filter((v) => v.length >= 8).sort((a, b) => b.length - a.length);
  const replace = (s: string) => names.get(s) ?? inside.reduce((out, v) => out.split(v).join(names.get(v)!), s);
  return documents.map((d) => ({ name: replace(d.name), actual: replaceStrings(d.actual, replace), intended: replaceStrings(d.intended, replace) }));
}

/**
 * The platform-wide documents every partner depends on, as the platform check compares them with
 * the renderer (src/jobs/lifecycle/platform-drift.ts): the bucket policy and the bucket's settings
 * (public access block, object ownership, default encryption), the key policy and the key's grants
 * (none), the Transfer role (every SFTP session runs as it) and the verifier role — their trust,
 * inline and attached policies — and the permissions boundary's default version. The bot changes
 * none of them (docs/security.md "The bot's role"): the platform stack deploys them.
 */
export const PLATFORM_PARTS = [
  'bucket-policy', 'bucket-settings', 'key-policy', 'key-grants', 'transfer-role', 'verifier-role', 'permissions-boundary',
] as const;
export type PlatformPart = (typeof PLATFORM_PARTS)[number];

/** How a report names each part. */
export const PLATFORM_PART_NAMES: Record<PlatformPart, string> = {
  'bucket-policy': 'the bucket policy',
  'bucket-settings': 'the bucket’s access settings',
  'key-policy': 'the KMS key policy',
  'key-grants': 'the KMS key’s grants',
  'transfer-role': 'the Transfer role',
  'verifier-role': 'the verifier role',
  'permissions-boundary': 'the permissions boundary policy',
};

export interface PlatformDriftItem {
  part: PlatformPart;
  /** The report's line: "the bucket policy differs". */
  line: string;
}

/** What the platform check found: the parts it compared, what differs, and the documents that differ. */
export interface PlatformDrift {
  parts: PlatformPart[];
  items: PlatformDriftItem[];
  documents: Array<DriftDocument & { part: PlatformPart }>;
}

/** One part's share of a platform drift. */
export function platformDriftOf(drift: PlatformDrift, parts: readonly PlatformPart[]): PlatformDrift {
  const keep = new Set(parts);
  return {
    parts: drift.parts.filter((p) => keep.has(p)),
    items: drift.items.filter((i) => keep.has(i.part)),
    documents: drift.documents.filter((d) => keep.has(d.part)),
  };
}

/** The hash of one part's drift (its lines and documents), what a report is made once for; null when the part is as rendered. */
export function platformPartHash(drift: PlatformDrift, part: PlatformPart): string | null {
  const own = platformDriftOf(drift, [part]);
  return own.items.length === 0 ? null : driftHash(own);
}
