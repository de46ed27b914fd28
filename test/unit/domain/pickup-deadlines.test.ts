import { describe, expect, it } from 'vitest';
import {
  deadlineMs, describeSla, digestDay, oldestOverdue, overdueByPartner, parseSlaByFeed, parseSlaHours, shortestSlaMs, slaHoursFor, type OverdueFile,
} from '../../../src/domain/pickup-deadlines.js';
import { buildOverdueDigest } from '../../../src/bot/messages/pickup-deadlines.js';

const FEEDS = ['price-lists', 'parts-catalogs', 'compliance'];
const sla = { defaultHours: 48, byFeed: { 'price-lists': 24, compliance: 0.001 } };

describe('pickup SLA parsing', () => {
  it('when hours are whole or decimal, then they are read as hours', () => {
    expect(parseSlaHours('48')).toEqual({ ok: true, value: 48 });
    expect(parseSlaHours(' 0.5 ')).toEqual({ ok: true, value: 0.5 });
    expect(parseSlaHours('0.001')).toEqual({ ok: true, value: 0.001 });
    expect(parseSlaHours('.25')).toEqual({ ok: true, value: 0.25 });
  });

  it.each(['0', '0.0', '-1', '1e3', 'abc', '', '48h', '1,5', 'Infinity', 'NaN', '9000'])('when the hours are %j, then a clear error', (v) => {
    const r = parseSlaHours(v);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/hours/);
  });

  it('when per-feed hours name configured feeds, then each is read; blanks between commas are ignored', () => {
    expect(parseSlaByFeed('price-lists=24, compliance=72,', FEEDS)).toEqual({ ok: true, value: { 'price-lists': 24, compliance: 72 } });
    expect(parseSlaByFeed('', FEEDS)).toEqual({ ok: true, value: {} });
  });

  it.each([
    ['price-list=24', /not in FEEDS/],
    ['price-lists', /feed=hours/],
    ['=24', /feed=hours/],
    ['price-lists=24,price-lists=12', /twice/],
    ['compliance=0', /compliance: must be more than 0/],
    ['compliance=x', /compliance: must be a number/],
    ['__proto__=1', /not in FEEDS/],
  ])('when PICKUP_SLA_BY_FEED is %j, then it is refused with a clear error', (text, error) => {
    const r = parseSlaByFeed(text, FEEDS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('deadline arithmetic', () => {
  const at = '2026-12-06T08:00:00.000Z';
  it('when a file has a feed with its own SLA, then that one counts; else the default', () => {
    expect(slaHoursFor(sla, 'price-lists')).toBe(24);
    expect(slaHoursFor(sla, 'parts-catalogs')).toBe(48);
    expect(slaHoursFor(sla, null)).toBe(48);
    expect(slaHoursFor(sla, 'toString')).toBe(48);
    expect(deadlineMs(sla, { at, feed: 'price-lists' })).toBe(Date.parse('2026-12-07T08:00:00.000Z'));
    expect(deadlineMs(sla, { at, feed: null })).toBe(Date.parse('2026-12-08T08:00:00.000Z'));
  });

  it('when the SLA is a fraction of an hour, then the deadline is that many milliseconds later (0.001 h = 3.6 s)', () => {
    expect(deadlineMs(sla, { at, feed: 'compliance' }) - Date.parse(at)).toBe(3600);
    expect(shortestSlaMs(sla)).toBe(3600);
    expect(shortestSlaMs({ defaultHours: 48, byFeed: {} })).toBe(48 * 3_600_000);
  });

  it('when an SLA is shown, then in hours, minutes or seconds as fits', () => {
    expect([describeSla(48), describeSla(1.5), describeSla(0.5), describeSla(0.001)]).toEqual(['48 h', '1.5 h', '30 min', '3.6 s']);
  });

  it('when overdue files are listed, then the oldest deadline first, counted per partner most first, and the digest day is UTC', () => {
    const f = (partnerId: string, targetKey: string, deadline: number): OverdueFile => ({ partnerId, dh: targetKey, targetKey, deliveredAt: at, deadlineMs: deadline });
    const files = [f('bolt', 'b', 3), f('acme', 'a2', 2), f('acme', 'a1', 2), f('acme', 'a0', 9)];
    expect(oldestOverdue(files, 3).map((x) => x.targetKey)).toEqual(['a1', 'a2', 'b']);
    expect(overdueByPartner(files)).toEqual([{ partnerId: 'acme', count: 3 }, { partnerId: 'bolt', count: 1 }]);
    expect(digestDay(Date.parse('2026-12-06T23:59:59.999Z'))).toBe('2026-12-06');
  });

  it('when thousands of files are overdue, then the digest stays within Slack’s limits: at most 50 blocks of at most 3,000 characters', () => {
    const files = Array.from({ length: 5000 }, (_, i): OverdueFile => ({ partnerId: `p${i % 300}`, dh: `${i}`, targetKey: `partners/p${i % 300}/${'x'.repeat(200)}${i}.csv`, deliveredAt: '2026-12-06T08:00:00.000Z', deadlineMs: i }));
    const m = buildOverdueDigest({ files, total: 5000, nowMs: 0 });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const b of m.blocks) expect(JSON.stringify(b).length).toBeLessThan(3200);
    expect(JSON.stringify(m.blocks)).toContain('and 280 more partners');
    expect(JSON.stringify(m.blocks)).toContain('4960 more not listed');
  });
});
