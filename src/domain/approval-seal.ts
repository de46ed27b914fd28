/**
 * Approvals that Redis alone cannot forge. Redis holds every request, change and decision, so
 * whoever can write to it could otherwise approve anything (HSET status and decision) or change
 * what was approved (the account a role will trust). Each item therefore carries two MACs keyed by
 * APPROVAL_SIGNING_KEY, which Redis never sees:
 *
 *   seal         = MAC("pg-approval-v1|<kind>|" + canonical JSON of every content field)
 *   decisionSeal = MAC("pg-approval-v1|decision|<kind>|" + canonical JSON of
 *                      { id, contentSeal, status, by, at, via[, first] })
 *   firstApprovalSeal = MAC("pg-approval-v1|first|<kind>|" + canonical JSON of
 *                      { id, contentSeal, by, at, via })
 *
 * The content seal binds what the approver was shown (partner id, account id, ExternalId, SSH keys,
 * feeds, contact, plan hash, requester, channel, expiry — every field, with the id), so content
 * cannot change after it was sealed; the decision seal binds the content seal and the item's id,
 * so a decision cannot be moved to other content or another item. The first of two approvals (an
 * item the bot asked for, src/domain/approval.ts `approvalsNeeded`) is sealed the same way, and the
 * second one's decision carries it (`first`, in its seal only when present, so the decisions sealed
 * before it still hold). A re-apply click is sealed the same way (`reapply`). MAC: HMAC-SHA256; a
 * seal is `v1.` + base64url. Compared in constant time.
 *
 * Pure: the key is passed in (src/config.ts reads it once, the container hands it down).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ChangeRequestData, Decided, Decision, FirstApproval, OnboardingRequestData } from './requests.js';

const DOMAIN = 'pg-approval-v1';
const VERSION = 'v1.';
/** The least key material accepted: HMAC-SHA256's own block of strength. */
export const MIN_KEY_BYTES = 32;

/** The key. Never serialized: a Config or a container that is logged shows `[REDACTED]`. */
export class ApprovalSigningKey {
  readonly #bytes: Buffer;
  constructor(bytes: Buffer) {
    if (bytes.length < MIN_KEY_BYTES) throw new RangeError(`an approval signing key needs at least ${MIN_KEY_BYTES} bytes`);
    this.#bytes = Buffer.from(bytes);
  }
  mac(message: string): string {
    return VERSION + createHmac('sha256', this.#bytes).update(message, 'utf8').digest('base64url');
  }
  toJSON(): string {
    return '[REDACTED]';
  }
}

/**
 * APPROVAL_SIGNING_KEY as written: hex (`openssl rand -hex 32`) or base64 (`openssl rand -base64
 * 32`, or base64url), at least 32 bytes. Text made only of hex digits is read as hex, so a hex key
 * with a digit missing is refused rather than read as base64.
 */
export function parseApprovalSigningKey(text: string): { ok: true; key: ApprovalSigningKey } | { ok: false; problem: string } {
  const t = text.trim();
  let bytes: Buffer;
  if (/^[0-9a-fA-F]+$/.test(t)) {
    if (t.length % 2 !== 0) return { ok: false, problem: 'must be hex with an even number of digits, or base64' };
    bytes = Buffer.from(t, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    bytes = Buffer.from(t, 'base64');
    const norm = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    if (norm(bytes.toString('base64')) !== norm(t)) return { ok: false, problem: 'must be hex or base64 (it is neither)' };
  } else {
    return { ok: false, problem: 'must be hex or base64 (generate one with `openssl rand -hex 32`)' };
  }
  if (bytes.length < MIN_KEY_BYTES) {
    return { ok: false, problem: `must be at least ${MIN_KEY_BYTES} random bytes (it is ${bytes.length}; generate one with \`openssl rand -hex 32\`)` };
  }
  if (bytes.every((b) => b === bytes[0])) return { ok: false, problem: 'must be random bytes, not one byte repeated (generate one with `openssl rand -hex 32`)' };
  return { ok: true, key: new ApprovalSigningKey(bytes) };
}

export type SealKind = 'request' | 'change';
interface ContentOf {
  request: OnboardingRequestData;
  change: ChangeRequestData;
}

/**
 * Every content field of each kind. The mapped type makes a field added to a kind's data a
 * compile error here until it is listed: nothing the approver sees goes unsealed by omission.
 */
const CONTENT_FIELDS: { [K in SealKind]: { [F in keyof ContentOf[K]]-?: true } } = {
  request: {
    id: true, partnerId: true, requestedBy: true, requestedAt: true, expiresAt: true, channel: true,
    displayName: true, contactEmail: true, sshKeys: true, sshKeyComments: true, accountId: true, externalId: true,
    feeds: true, notes: true, planHash: true,
  },
  change: {
    id: true, partnerId: true, requestedBy: true, requestedAt: true, expiresAt: true, channel: true,
    spec: true, threadRef: true,
  },
};

/** The sealed fields of an item, absent ones as null (so "absent" and "undefined" seal alike). */
function contentOf<K extends SealKind>(kind: K, data: ContentOf[K]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(CONTENT_FIELDS[kind])) out[field] = (data as unknown as Record<string, unknown>)[field] ?? null;
  return out;
}

/** Exactly the fields of an approval, whatever else the stored JSON carries. */
const approvalOf = (f: FirstApproval): FirstApproval => ({ by: f.by, at: f.at, via: f.via });

export interface ReapplyClick {
  partnerId: string;
  by: string;
  /** The drift hash the approver was shown. */
  hash: string;
}

export type IntegrityReason = 'unsealed' | 'content' | 'decision';

/** Why an item fails its check; `message` completes "… refused: the request …". */
export interface IntegrityProblem {
  reason: IntegrityReason;
  message: string;
}

const PROBLEMS: Record<IntegrityReason, (noun: string) => string> = {
  unsealed: (noun) => `the ${noun} carries no seal (stored before approvals were sealed, or its seal was removed in Redis)`,
  content: (noun) => `the ${noun}'s content does not match its seal (changed in Redis after it was submitted)`,
  decision: (noun) => `the ${noun}'s status or decision does not match its seal (written in Redis, not by an approver's decision)`,
};

const problemOf = (reason: IntegrityReason, noun: string): IntegrityProblem => ({ reason, message: PROBLEMS[reason](noun) });

function same(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Seals and checks approvals with one key: what the stores write, and what every job checks first. */
export interface ApprovalSeals {
  content<K extends SealKind>(kind: K, data: ContentOf[K]): string;
  decision(kind: SealKind, id: string, contentSeal: string | undefined, decision: Decision): string;
  first(kind: SealKind, id: string, contentSeal: string | undefined, first: FirstApproval): string;
  /** Null when every seal holds (a pending item has no decision to check, and a first approval only when it has one); otherwise why not. */
  problem<K extends SealKind>(kind: K, item: Decided<ContentOf[K]>): IntegrityProblem | null;
  reapply(click: ReapplyClick): string;
  reapplyProblem(click: ReapplyClick, seal: string | undefined): IntegrityProblem | null;
}

export function approvalSeals(key: ApprovalSigningKey): ApprovalSeals {
  const content = <K extends SealKind>(kind: K, data: ContentOf[K]) => key.mac(`${DOMAIN}|${kind}|${canonicalJson(contentOf(kind, data))}`);
  const decision = (kind: SealKind, id: string, contentSeal: string | undefined, d: Decision) =>
    key.mac(`${DOMAIN}|decision|${kind}|${canonicalJson({
      id, contentSeal: contentSeal ?? null, status: d.status, by: d.by, at: d.at, via: d.via, ...(d.first ? { first: approvalOf(d.first) } : {}),
    })}`);
  const first = (kind: SealKind, id: string, contentSeal: string | undefined, f: FirstApproval) =>
    key.mac(`${DOMAIN}|first|${kind}|${canonicalJson({ id, contentSeal: contentSeal ?? null, ...approvalOf(f) })}`);
  const reapply = (c: ReapplyClick) => key.mac(`${DOMAIN}|reapply|${canonicalJson({ partnerId: c.partnerId, by: c.by, hash: c.hash })}`);
  return {
    content,
    decision,
    first,
    reapply,
    problem(kind, item) {
      if (!item.seal) return problemOf('unsealed', kind);
      if (!same(item.seal, content(kind, item))) return problemOf('content', kind);
      // A first approval is written with its seal, by the first-approval script only.
      const f = item.firstApproval;
      if (f ? !same(item.firstApprovalSeal, first(kind, item.id, item.seal, f)) : item.firstApprovalSeal !== undefined) return problemOf('decision', kind);
      const d = item.decision;
      // Status and decision are written together, by the decide script only: a status without a
      // decision, or one that is not the decision's, was written by someone else.
      if (d === null) return item.status === 'pending' && !item.decisionSeal ? null : problemOf('decision', kind);
      if (item.status !== d.status || !same(item.decisionSeal, decision(kind, item.id, item.seal, d))) return problemOf('decision', kind);
      return null;
    },
    reapplyProblem(click, seal) {
      if (!seal) return problemOf('unsealed', 're-apply');
      return same(seal, reapply(click)) ? null : { reason: 'content', message: 'the re-apply job does not match its seal (queued in Redis, not by an approver’s click)' };
    },
  };
}
