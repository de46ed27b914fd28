/**
 * The audit record: one JSON object per event. Records are stored in batches, one JSON line per
 * record, under `audit/<yyyy>/<mm>/<dd>/<id of the first record>.jsonl` in the distribution bucket
 * (UTC dates; a batch never spans two days); records written before batching are one object each,
 * `<id>.json`. Batches written since the hash chain began start with a link line (./audit-chain.ts).
 * Pure: the shape, the object keys, parsing, and the scrubbing that keeps secrets out of every record.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseChainLink } from './audit-chain.js';
import { isSecretKey, maskSecrets } from './secrets.js';

export const AUDIT_PREFIX = 'audit/';

/** Every kind of event the trail records. New kinds are added here (and in docs/lifecycle.md). */
export const AUDIT_TYPES = [
  'request.submitted',
  'request.refused',
  'request.approved',
  'request.rejected',
  'request.expired',
  'decision.refused',
  'access.refused',
  'change.requested',
  'change.refused',
  'change.approved',
  'change.rejected',
  'change.expired',
  'offboard.step',
  'offboard.completed',
  'offboard.failed',
  'keys.changed',
  'external-id.rotated',
  'partner.changed',
  'drift.detected',
  'platform.changed',
  'access.finding',
  'platform.drift',
  'partner.quarantined',
  'partner.released',
  'drift.reapplied',
  'drift.reverted',
  'registry.rebuilt',
  'approval.nudged',
  'approval.integrity-failed',
  'approval.first-approved',
  'keys.reminded',
  'provision.step',
  'provision.refused',
  'verify.result',
  'delivery.delivered',
  'delivery.failed',
  'delivery.refused',
  'delivery.resent',
  'delivery.resend-refused',
  'pickup.recorded',
  'pickup.unmatched',
  'pickup.overdue',
  'review.opened',
  'review.reminded',
  'review.escalated',
  'review.lapsed',
  'review.kept',
  'review.offboard',
  'review.refused',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditRecord {
  /** `<timestamp>-<random>`: the object's name without `.json`. */
  id: string;
  at: string;
  type: AuditType;
  partnerId?: string;
  requestId?: string;
  /** The Slack user who acted, or `partnergate` for the bot's own jobs. */
  actor?: string;
  details: Record<string, unknown>;
}

/** What a caller gives: the id and time are filled in when the record is made. */
export type AuditInput = Omit<AuditRecord, 'id' | 'at' | 'details'> & { details?: Record<string, unknown> };

const ID = /^\d{8}T\d{9}Z-[0-9a-f]{12}$/;

export const auditRecordSchema = z.object({
  id: z.string().regex(ID),
  at: z.string().datetime(),
  type: z.enum(AUDIT_TYPES),
  partnerId: z.string().max(64).optional(),
  requestId: z.string().max(64).optional(),
  actor: z.string().max(64).optional(),
  details: z.record(z.string(), z.unknown()),
});

/** A copy of `value` without secret fields (the logger's names, at any depth), with token- and key-shaped strings masked. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretKey(k) ? '[REDACTED]' : scrub(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** `20261128T033309123Z` — sorts as the time does, and has no `:` (a BullMQ job id rule). */
function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/**
 * 12 random hex digits (48 bits), as `randomBytes(6)` gave: a v4 UUID's first 12 digits are all
 * random, and randomUUID draws from a cached pool instead of a system call per record (a burst of
 * pickups makes thousands of records a second).
 */
const randomHex12 = (): string => {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13);
};

export function makeAuditRecord(input: AuditInput, at: Date, random: () => string = randomHex12): AuditRecord {
  return {
    id: `${compactTime(at)}-${random()}`,
    at: at.toISOString(),
    type: input.type,
    ...(input.partnerId !== undefined ? { partnerId: input.partnerId } : {}),
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
    details: scrub(input.details ?? {}) as Record<string, unknown>,
  };
}

/** `audit/<yyyy>/<mm>/<dd>/` of a time (UTC). */
export function auditDayPrefix(at: Date): string {
  const iso = at.toISOString();
  return `${AUDIT_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}

export function auditKey(record: Pick<AuditRecord, 'id' | 'at'>): string {
  return `${auditDayPrefix(new Date(record.at))}${record.id}.json`;
}

/** The object of a batch of records of one day (the first record names it). */
export function auditBatchKey(first: Pick<AuditRecord, 'id' | 'at'>): string {
  return `${auditDayPrefix(new Date(first.at))}${first.id}.jsonl`;
}

/**
 * Parses a stored object: one record per line, after the chain link line of a batch written since
 * the chain began (./audit-chain.ts). Null when any other line is not a record (a foreign or
 * damaged object).
 */
export function parseAuditObject(text: string): AuditRecord[] | null {
  const records: AuditRecord[] = [];
  const lines = text.split('\n');
  if (parseChainLink(text) !== null) lines.shift();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const record = parseAuditRecord(line);
    if (!record) return null;
    records.push(record);
  }
  return records.length > 0 ? records : null;
}

/** Parses a stored record; null when it is not one (a foreign or damaged object). */
export function parseAuditRecord(text: string): AuditRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = auditRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as AuditRecord) : null;
}
