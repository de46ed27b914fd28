/**
 * The pickups of a partner as CSV for the compliance team (`partnergate pickups`, docs/pickups.md),
 * from the audit trail's pickup records. Pure.
 *
 * One row per pickup id: a pickup audited twice (a redelivery after a crash) is one row, and an
 * early pickup audited unmatched, then matched to its delivery, is its matched row. Cells as
 * ./csv.ts writes them (formulas neutralised, quoted when they must be).
 */
import type { AuditRecord } from './audit-record.js';
import { csvLines, num, str } from './csv.js';

export const PICKUP_CSV_COLUMNS = [
  'picked_up_at', 'partner', 'channel', 'file', 'outcome', 'bytes', 'size', 'reason', 'client_ip', 'session',
  'delivered_from', 'delivered_version', 'delivered_at', 'pickup_id', 'event_id',
] as const;

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
  return csvLines([PICKUP_CSV_COLUMNS, ...rows]);
}
