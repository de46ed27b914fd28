/**
 * A partner's history from the audit trail: every record under `audit/` from the day of `since`
 * on (the keys sort by time, so the listing starts there), read back and kept when it names the
 * partner. The trail is not indexed by partner: reading it costs one GET per object (a batch of
 * records, or one record written before batching) in the range, which is why `--since` exists.
 * Objects that are not ours (damaged, foreign) are counted, not shown.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getAuditObject, listAuditKeys } from '../../aws/audit-s3.js';
import { AUDIT_PREFIX, auditDayPrefix, parseAuditObject, type AuditRecord } from '../../domain/audit-record.js';

export interface HistoryQuery {
  partnerId: string;
  since?: Date;
}

export interface History {
  records: AuditRecord[];
  /** Objects under audit/ that did not parse as records. */
  unreadable: string[];
}

const READ_CONCURRENCY = 16;

/** Every record under audit/ from the day of `since` on, in key order; unreadable keys reported apart. */
export async function scanAuditRecords(
  s3: S3Client,
  bucket: string,
  options: { since?: Date; pageSize?: number },
  visit: (record: AuditRecord) => void,
): Promise<{ unreadable: string[] }> {
  const unreadable: string[] = [];
  // Keys of the day of `since` sort after `audit/<yyyy>/<mm>/<dd>/` minus its slash.
  const startAfter = options.since ? auditDayPrefix(options.since).slice(0, -1) : undefined;
  const pageSize = options.pageSize;
  for await (const keys of listAuditKeys(s3, { bucket, prefix: AUDIT_PREFIX, ...(startAfter ? { startAfter } : {}), ...(pageSize ? { pageSize } : {}) })) {
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      const texts = await Promise.all(batch.map((key) => getAuditObject(s3, bucket, key)));
      texts.forEach((text, j) => {
        if (text === null) return; // deleted since the listing
        const records = parseAuditObject(text);
        if (records) records.forEach(visit);
        else unreadable.push(batch[j]!);
      });
    }
  }
  return { unreadable };
}

export async function readPartnerHistory(
  s3: S3Client,
  bucket: string,
  query: HistoryQuery,
  options: { pageSize?: number } = {},
): Promise<History> {
  const records: AuditRecord[] = [];
  const since = query.since?.getTime();
  const { unreadable } = await scanAuditRecords(s3, bucket, { ...options, ...(query.since ? { since: query.since } : {}) }, (record) => {
    if (record.partnerId === query.partnerId && (since === undefined || Date.parse(record.at) >= since)) records.push(record);
  });
  records.sort((a, b) => (a.at === b.at ? a.id.localeCompare(b.id) : a.at.localeCompare(b.at)));
  return { records, unreadable };
}

/** One line per record: time, type, actor, request, details (a sentence for the job records, else JSON). */
export function formatHistoryLine(r: AuditRecord): string {
  const details = describeDetails(r) ?? (Object.keys(r.details).length > 0 ? JSON.stringify(r.details) : '');
  return [r.at, r.type.padEnd(20), r.actor ?? '-', r.requestId ?? '-', details].join('  ').trimEnd();
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '?');
const versioned = (d: Record<string, unknown>): string => `${text(d.key)}${typeof d.versionId === 'string' ? `@${d.versionId}` : ''}`;
const dry = (d: Record<string, unknown>): string => (d.dryRun === true ? ' [DRY_RUN]' : '');

/** The provisioning, verification and delivery records as one readable phrase; null for the others. */
export function describeDetails(r: AuditRecord): string | null {
  const d = r.details;
  switch (r.type) {
    case 'provision.step':
      if (d.state === 'failed') return `step ${text(d.step)} FAILED: ${text(d.code)}: ${text(d.message)} (attempt ${text(d.attempt)})${dry(d)}`;
      return `step ${text(d.step)}: ${text(d.state)}${d.detail !== undefined ? ` (${text(d.detail)})` : ''}${dry(d)}`;
    case 'verify.result': {
      const checks = Array.isArray(d.checks) ? (d.checks as Record<string, unknown>[]) : [];
      const count = (o: string) => checks.filter((c) => c.outcome === o).length;
      const failed = checks.filter((c) => c.outcome === 'fail').map((c) => `${text(c.label)}${c.detail !== undefined ? `: ${text(c.detail)}` : ''}`);
      const tally = `${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`;
      return `${text(d.result)} (attempt ${text(d.attempt)}: ${tally})${failed.length ? ` — ${failed.join('; ')}` : ''}${dry(d)}`;
    }
    case 'delivery.delivered':
      return `${versioned(d)} → ${text(d.targetKey)} (${text(d.size)} bytes, checksum ${text(d.checksum)}${d.forcedBy !== undefined ? ', re-send' : ''})`;
    case 'delivery.failed':
      return `${versioned(d)} → ${text(d.targetKey)} FAILED: ${text(d.code)}: ${text(d.message)}`;
    case 'delivery.refused':
      return `${versioned(d)} → ${text(d.targetKey)} REFUSED: ${text(d.reason)}`;
    case 'delivery.resent':
      return `re-send of ${versioned(d)} → ${text(d.targetKey)} queued`;
    case 'delivery.resend-refused':
      return `re-send of ${text(d.asked)} REFUSED: ${text(d.refusal)}`;
    case 'pickup.recorded':
    case 'pickup.unmatched': {
      const bytes = d.size !== null && d.size !== undefined ? `${text(d.bytes ?? '?')} of ${text(d.size)} bytes` : `${text(d.bytes ?? '?')} bytes`;
      const why = d.reason ? `: ${text(d.reason)}` : '';
      const what = r.type === 'pickup.unmatched' ? ', no delivery of it' : '';
      return `${text(d.targetKey)} picked up by ${text(d.channel).toUpperCase()} at ${text(d.at)}, ${text(d.outcome)}${why} (${bytes}${what})`;
    }
    case 'pickup.overdue': {
      const s = (d.sourceOfRecord ?? {}) as Record<string, unknown>;
      return `${text(d.targetKey)} not picked up by its deadline ${text(d.deadline)}; reminded${d.owner ? ` (owner ${text(d.owner)})` : ''}; source of record: ${text(s.kind)}`;
    }
    default:
      return null;
  }
}
