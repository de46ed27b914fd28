/**
 * Access reviews as CSV for the compliance team (`partnergate reviews`, docs/reviews.md "The CLI"):
 * the decisions from the audit trail, and the reviews due from Redis. Cells as ./csv.ts writes them
 * (formulas neutralised, quoted when they must be). Pure.
 */
import type { AuditRecord } from './audit-record.js';
import { csvLines, num, str } from './csv.js';
import { DAY_MS, type ReviewRecord } from './reviews.js';

export const REVIEW_DECISION_COLUMNS = [
  'decided_at', 'partner', 'review', 'decision', 'decided_by', 'reason', 'due_at', 'owner', 'idle_days', 'offboard_change',
] as const;

export const DUE_REVIEW_COLUMNS = [
  'partner', 'owner', 'due_at', 'state', 'days_overdue', 'opened_at', 'last_decision', 'last_decided_by', 'last_decided_at',
] as const;

const DECISIONS: Readonly<Record<string, string>> = { 'review.kept': 'keep', 'review.offboard': 'offboard', 'review.lapsed': 'lapsed' };

/** The decisions (kept, offboard, lapsed) among `records`, oldest first, header first, CRLF line ends. */
export function reviewDecisionsCsv(records: readonly AuditRecord[]): string {
  const rows = records
    .filter((r) => Object.hasOwn(DECISIONS, r.type))
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
    .map((r) => {
      const d = r.details;
      return [
        r.at, r.partnerId ?? '', str(d['reviewId']), DECISIONS[r.type], r.actor ?? '', str(d['reason']) ?? (r.type === 'review.lapsed' ? 'not answered within the grace' : null),
        str(d['due']), str(d['owner']), num(d['idleDays']), str(d['offboardChange']),
      ];
    });
  return csvLines([REVIEW_DECISION_COLUMNS, ...rows]);
}

/** The reviews given (due or overdue), the most overdue first. */
export function dueReviewsCsv(reviews: readonly ReviewRecord[], nowMs: number): string {
  const rows = [...reviews]
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.partnerId.localeCompare(b.partnerId))
    .map((r) => [
      r.partnerId, r.owner, r.dueAt, r.state, Math.max(0, Math.floor((nowMs - Date.parse(r.dueAt)) / DAY_MS)), r.openedAt ?? null,
      r.last?.outcome ?? null, r.last?.by ?? null, r.last?.at ?? null,
    ]);
  return csvLines([DUE_REVIEW_COLUMNS, ...rows]);
}
