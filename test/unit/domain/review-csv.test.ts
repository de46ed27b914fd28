import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/domain/audit-record.js';
import { dueReviewsCsv, reviewDecisionsCsv } from '../../../src/domain/review-csv.js';

const rec = (type: AuditRecord['type'], at: string, details: Record<string, unknown>, actor = 'U0OWNER'): AuditRecord => ({
  id: `${at.replace(/[-:.]/g, '')}-aaaaaaaaaaaa`, at, type, partnerId: 'acme', actor, details,
});

describe('access reviews as CSV', () => {
  it('when decisions are exported, then one row each (kept, offboard, lapsed), oldest first, formulas neutralised, other review records left out', () => {
    const csv = reviewDecisionsCsv([
      rec('review.offboard', '2027-03-02T00:00:00.000Z', { reviewId: 'acme.2', due: '2027-03-01T00:00:00.000Z', owner: 'U0OWNER', offboardChange: 'chg_abc' }),
      rec('review.kept', '2027-03-01T00:00:00.000Z', { reviewId: 'acme.1', due: '2027-03-01T00:00:00.000Z', owner: 'U0OWNER', reason: '=HYPERLINK("http://evil","x"), "still" buying' }),
      rec('review.lapsed', '2027-03-03T00:00:00.000Z', { reviewId: 'acme.3', due: '2027-02-01T00:00:00.000Z', owner: null, offboardChange: null }, 'partnergate'),
      rec('review.reminded', '2027-03-01T00:00:00.000Z', { reviewId: 'acme.1' }),
      rec('pickup.recorded', '2027-03-01T00:00:00.000Z', {}),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'decided_at,partner,review,decision,decided_by,reason,due_at,owner,idle_days,offboard_change',
      `2027-03-01T00:00:00.000Z,acme,acme.1,keep,U0OWNER,"'=HYPERLINK(""http://evil"",""x""), ""still"" buying",2027-03-01T00:00:00.000Z,U0OWNER,,`,
      '2027-03-02T00:00:00.000Z,acme,acme.2,offboard,U0OWNER,,2027-03-01T00:00:00.000Z,U0OWNER,,chg_abc',
      '2027-03-03T00:00:00.000Z,acme,acme.3,lapsed,partnergate,not answered within the grace,2027-02-01T00:00:00.000Z,,,',
      '',
    ]);
  });

  it('when reviews due are exported, then the most overdue first with its days overdue and the last decision; a hostile owner is neutralised', () => {
    const now = Date.parse('2027-03-10T00:00:00.000Z');
    const csv = dueReviewsCsv([
      { partnerId: 'globex', cycle: 1, dueAt: '2027-03-12T00:00:00.000Z', state: 'open', owner: '+cmd', openedAt: '2027-02-26T00:00:00.000Z' },
      { partnerId: 'acme', cycle: 2, dueAt: '2027-03-01T00:00:00.000Z', state: 'open', owner: 'U0OWNER', last: { outcome: 'keep', by: 'U0OWNER', at: '2026-12-01T00:00:00.000Z', reason: 'x', cycle: 1 } },
    ], now);
    expect(csv.split('\r\n')).toEqual([
      'partner,owner,due_at,state,days_overdue,opened_at,last_decision,last_decided_by,last_decided_at',
      'acme,U0OWNER,2027-03-01T00:00:00.000Z,open,9,,keep,U0OWNER,2026-12-01T00:00:00.000Z',
      "globex,'+cmd,2027-03-12T00:00:00.000Z,open,0,2027-02-26T00:00:00.000Z,,,",
      '',
    ]);
  });
});
