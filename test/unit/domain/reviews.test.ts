import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS, firstDueMs, idleDays, mayAnswer, nextDueMs, parseDays, parseReviewId, REVIEW_STAGES, reviewIdOf, stagesDue, stagesOf, type ReviewRules, type ReviewStage,
} from '../../../src/domain/reviews.js';

const RULES: ReviewRules = { intervalDays: 90, graceDays: 14, idleDays: 60 };
const DUE = Date.parse('2027-03-01T00:00:00.000Z');
const at = (stage: ReviewStage, rules = RULES) => stagesOf(DUE, rules).find((s) => s.stage === stage)?.atMs;

const rules = fc.record({
  intervalDays: fc.double({ min: 0.0001, max: 3650, noNaN: true }),
  graceDays: fc.double({ min: 0, max: 365, noNaN: true }),
  idleDays: fc.integer({ min: 1, max: 3650 }),
});

describe('the review schedule', () => {
  it('when the interval is the default, then the review opens 14 days before its due date, reminds at 7 and 1 days, escalates at the due date and lapses 14 days after', () => {
    expect(stagesOf(DUE, RULES).map((s) => [s.stage, (s.atMs - DUE) / DAY_MS])).toEqual([
      ['open', -14], ['remind-7', -7], ['remind-1', -1], ['escalate', 0], ['lapse', 14],
    ]);
  });

  it('when the interval is shorter than the notice, then the review opens half an interval before and reminders before that are skipped', () => {
    const short = { ...RULES, intervalDays: 4 };
    expect(stagesOf(DUE, short).map((s) => s.stage)).toEqual(['open', 'remind-1', 'escalate', 'lapse']);
    expect((at('open', short)! - DUE) / DAY_MS).toBe(-2);
  });

  it('for any rules, then the stages are in time order, open first and lapse last, each at most once', () => {
    fc.assert(fc.property(rules, fc.integer({ min: 0, max: 4e12 }), (r, due) => {
      const stages = stagesOf(due, r);
      expect(stages[0]!.stage).toBe('open');
      expect(stages.at(-1)!.stage).toBe('lapse');
      expect(new Set(stages.map((s) => s.stage)).size).toBe(stages.length);
      for (let i = 1; i < stages.length; i++) expect(stages[i]!.atMs).toBeGreaterThanOrEqual(stages[i - 1]!.atMs);
    }), { seed: 20_001, numRuns: 300 });
  });

  it('when the sweep comes late after several stages passed, then it opens the review and acts on the latest stage only, the others marked skipped', () => {
    const plan = stagesDue(DUE, RULES, new Set(), DUE + DAY_MS);
    expect(plan).toEqual({ act: ['open', 'escalate'], skip: ['remind-7', 'remind-1'], next: at('lapse') });
    expect(stagesDue(DUE, RULES, new Set(['open']), at('remind-7')!)).toEqual({ act: ['remind-7'], skip: [], next: at('remind-1') });
    expect(stagesDue(DUE, RULES, new Set(REVIEW_STAGES), DUE + 100 * DAY_MS)).toEqual({ act: [], skip: [], next: null });
    expect(stagesDue(DUE, RULES, new Set(), at('open')! - 1)).toEqual({ act: [], skip: [], next: at('open') });
  });

  it('for any sweep times, then every stage is acted on or skipped once, open is never skipped, and a sweep at every stage time skips only stages that coincide', () => {
    fc.assert(fc.property(rules, fc.array(fc.integer({ min: -30 * DAY_MS, max: 400 * DAY_MS }), { maxLength: 12 }), (r, offsets) => {
      const done = new Set<ReviewStage>();
      const seen: ReviewStage[] = [];
      for (const now of [...offsets.map((o) => DUE + o)].sort((a, b) => a - b)) {
        const plan = stagesDue(DUE, r, done, now);
        for (const s of [...plan.act, ...plan.skip]) {
          seen.push(s);
          done.add(s);
        }
        expect(plan.skip).not.toContain('open');
      }
      expect(new Set(seen).size).toBe(seen.length);
      // Swept at each stage's time, nothing is skipped but a stage that falls at the same time as a later one (no grace: the lapse).
      const stages = stagesOf(DUE, r);
      const every = new Set<ReviewStage>();
      for (const s of stages) {
        const plan = stagesDue(DUE, r, every, s.atMs);
        for (const skipped of plan.skip) expect(stages.some((l) => l.atMs === s.atMs && l.stage !== skipped)).toBe(true);
        for (const x of [...plan.act, ...plan.skip]) every.add(x);
      }
      expect(every.size).toBe(stages.length);
    }), { seed: 20_002, numRuns: 300 });
  });

  it('when a partner is taken in, then its first review is an interval after it went live, but never closer than a full notice', () => {
    const now = Date.parse('2027-01-01T00:00:00Z');
    expect(firstDueMs(now - 10 * DAY_MS, now, RULES)).toBe(now + 80 * DAY_MS);
    expect(firstDueMs(now - 400 * DAY_MS, now, RULES)).toBe(now + 14 * DAY_MS);
    expect(firstDueMs(null, now, RULES)).toBe(now + 90 * DAY_MS);
    fc.assert(fc.property(rules, fc.option(fc.integer({ min: 0, max: 4e12 })), fc.integer({ min: 0, max: 4e12 }), (r, liveAt, nowMs) => {
      const due = firstDueMs(liveAt, nowMs, r);
      expect(stagesOf(due, r)[0]!.atMs).toBeGreaterThanOrEqual(nowMs);
    }), { seed: 20_003, numRuns: 300 });
    expect(nextDueMs(now, RULES)).toBe(now + 90 * DAY_MS);
  });

  it('when a partner picked nothing up for IDLE_DAYS, then it is idle (since its last pickup, else since it went live)', () => {
    const now = Date.parse('2027-01-01T00:00:00Z');
    const ago = (d: number) => new Date(now - d * DAY_MS).toISOString();
    expect(idleDays(ago(59), ago(400), now, RULES)).toBeNull();
    expect(idleDays(ago(60), ago(400), now, RULES)).toBe(60);
    expect(idleDays(null, ago(61), now, RULES)).toBe(61);
    expect(idleDays(null, ago(10), now, RULES)).toBeNull();
    expect(idleDays(null, null, now, RULES)).toBeNull();
  });

  it('when someone answers, then only the owner or an approver may', () => {
    expect(mayAnswer('UOWNER', 'UOWNER', false)).toBe(true);
    expect(mayAnswer('UAPPROVER', 'UOWNER', true)).toBe(true);
    expect(mayAnswer('UOTHER', 'UOWNER', false)).toBe(false);
    expect(mayAnswer('UOTHER', null, false)).toBe(false);
  });

  it('when a review id is read back from a button, then only a partner id and a cycle pass', () => {
    expect(parseReviewId(reviewIdOf({ partnerId: 'acme-eu', cycle: 3 }))).toEqual({ partnerId: 'acme-eu', cycle: 3 });
    for (const bad of ['acme', 'acme.0', 'acme.x', 'ACME.1', 'acme.1.2', '<!channel>.1', 'a.1', '']) expect(parseReviewId(bad), bad).toBeNull();
  });

  it('when days are configured, then decimals pass and zero only where allowed', () => {
    expect(parseDays('90', { allowZero: false, max: 3650 })).toEqual({ ok: true, value: 90 });
    expect(parseDays('0.0001', { allowZero: false, max: 3650 })).toEqual({ ok: true, value: 0.0001 });
    expect(parseDays('0', { allowZero: true, max: 365 })).toEqual({ ok: true, value: 0 });
    expect(parseDays('0', { allowZero: false, max: 365 }).ok).toBe(false);
    expect(parseDays('1e3', { allowZero: false, max: 3650 }).ok).toBe(false);
  });
});
