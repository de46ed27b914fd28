/** The pickups CSV (src/domain/pickup-csv.ts): one row per pickup (the cells: ./csv.test.ts). */
import { describe, expect, it } from 'vitest';
import { pickupsCsv } from '../../../src/domain/pickup-csv.js';
import type { AuditRecord } from '../../../src/domain/audit-record.js';

const record = (type: AuditRecord['type'], details: Record<string, unknown>, at = '2026-12-06T14:03:08.000Z'): AuditRecord => ({
  id: `20261206T140308000Z-${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`, at, type, partnerId: 'acme', actor: 'partnergate', details,
});
const pickup = (over: Record<string, unknown> = {}) => ({
  id: 't-1', eventId: 'e-1', channel: 'sftp', partnerId: 'acme', targetKey: 'partners/acme/a.csv', etag: 'x', at: '2026-12-06T14:03:07.000Z', startedAt: null,
  bytes: 10, size: 10, outcome: 'complete', reason: null, clientIp: '203.0.113.7', session: 's1',
  delivery: { dh: 'd', key: 'outbound/acme/a.csv', versionId: 'v1', deliveredAt: '2026-12-06T14:00:00.000Z', fanout: null }, ...over,
});

describe('pickupsCsv', () => {
  it('when a pickup was audited twice, and an early one unmatched then matched, then each is one row, the matched one; other records are left out', () => {
    const csv = pickupsCsv([
      record('pickup.recorded', pickup()),
      record('pickup.recorded', pickup()),
      record('pickup.unmatched', pickup({ id: 't-2', targetKey: 'partners/acme/b.csv', delivery: null, size: null, at: '2026-12-06T14:01:00.000Z' })),
      record('pickup.recorded', pickup({ id: 't-2', targetKey: 'partners/acme/b.csv', at: '2026-12-06T14:01:00.000Z' })),
      record('pickup.unmatched', pickup({ id: 't-3', targetKey: 'partners/acme/.partnergate', delivery: null, size: null, at: '2026-12-06T14:02:00.000Z' })),
      record('delivery.delivered', { key: 'outbound/acme/a.csv' }),
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('picked_up_at,partner,channel,file,outcome,bytes,size,reason,client_ip,session,delivered_from,delivered_version,delivered_at,pickup_id,event_id');
    expect(lines.slice(1, -1)).toEqual([
      '2026-12-06T14:01:00.000Z,acme,sftp,partners/acme/b.csv,complete,10,10,,203.0.113.7,s1,outbound/acme/a.csv,v1,2026-12-06T14:00:00.000Z,t-2,e-1',
      '2026-12-06T14:02:00.000Z,acme,sftp,partners/acme/.partnergate,unmatched,10,,,203.0.113.7,s1,,,,t-3,e-1',
      '2026-12-06T14:03:07.000Z,acme,sftp,partners/acme/a.csv,complete,10,10,,203.0.113.7,s1,outbound/acme/a.csv,v1,2026-12-06T14:00:00.000Z,t-1,e-1',
    ]);
    expect(lines.at(-1)).toBe('');
  });
});
