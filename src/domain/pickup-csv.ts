/**
 * The pickups of a partner as CSV for the compliance team (`partnergate pickups`, docs/pickups.md),
 * from the audit trail's pickup records. Pure.
 *
 * One row per pickup id: a pickup audited twice (a redelivery after a crash) is one row, and an
 * early pickup audited unmatched, then matched to its delivery, is its matched row. Every cell is
 * quoted as RFC 4180 says when it must be, and a cell that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'` (OWASP, CSV
 * injection): file names, reasons and sessions come from outside.
 */
import type { AuditRecord } from './audit-record.js';

export const PICKUP_CSV_COLUMNS = [
  'picked_up_at', 'partner', 'channel', 'file', 'outcome', 'bytes', 'size', 'reason', 'client_ip', 'session',
  'delivered_from', 'delivered_version', 'delivered_at', 'pickup_id', 'event_id',
] as const;

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV cell: neutralised when a spreadsheet would read it as a formula, quoted when it must be. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function row(r: AuditRecord): unknown[] {
  const d = r.details;
  const delivery = obj(d['delivery']);
  return [
    str(d['at']) ?? r.at, r.partnerId ?? '', str(d['channel']), str(d['targetKey']), r.type === 'pickup.unmatched' ? 'unmatched' : str(d['outcome']),
    num(d['bytes']), num(d['size']), str(d['reason']), str(d['clientIp']), str(d['session']),
    str(delivery['key']), str(delivery['versionId']), str(delivery['deliveredAt']), str(d['id']), str(d['eventId']),
  ];
}

/** The CSV (header first, CRLF line ends) of the pickup records among `records`, oldest pickup first. */
export function pickupsCsv(records: readonly AuditRecord[]): string {
  const byId = new Map<string, AuditRecord>();
  for (const r of records) {
    if (r.type !== 'pickup.recorded' && r.type !== 'pickup.unmatched') continue;
    const id = str(r.details['id']) ?? r.id;
    const kept = byId.get(id);
    if (!kept || (kept.type === 'pickup.unmatched' && r.type === 'pickup.recorded')) byId.set(id, r);
  }
  const rows = [...byId.values()].map(row).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return [PICKUP_CSV_COLUMNS as readonly unknown[], ...rows].map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}
