/**
 * `partnergate reviews` (docs/reviews.md "The CLI"): review decisions made by the use case, audited
 * through the real audit pipeline into a local S3 (s3rver), exported by `--since` as CSV; the
 * reviews due read from Redis by `--due`; outside text neutralised; bad arguments exit 2.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { runReviews } from '../../src/cli/reviews.js';
import { answerReview, sweepReviews, type ReviewDeps } from '../../src/actions/reviews/index.js';
import { DAY_MS } from '../../src/domain/reviews.js';
import { PartnerStore } from '../../src/store/partners.js';
import { PickupStore } from '../../src/store/pickups.js';
import { ReviewStore } from '../../src/store/reviews.js';
import { startAuditTrail, type AuditTrail } from '../support/audit.js';
import { manualClock, partnerRecord, type ManualClock } from '../support/ports.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const T0 = new Date('2027-01-01T08:00:00.000Z');
let t: AuditTrail;
let clock: ManualClock;
let deps: ReviewDeps;

beforeEach(async () => {
  clock = manualClock(T0);
  t = await startAuditTrail('rvx', clock);
  const { redis, prefix } = t;
  const partners = new PartnerStore(redis, prefix);
  for (const [partnerId, owner] of [['acme', 'U0ACME'], ['globex', 'U0GLOBEX'], ['initech', '=cmd|calc']] as const) {
    await partners.save(partnerRecord({ partnerId, owner, threadRef: `card:${partnerId}`, verifiedAt: T0.toISOString() }));
  }
  deps = {
    logger, clock, reviews: new ReviewStore(redis, prefix), partners, pickups: new PickupStore(redis, prefix),
    ownerOf: async (p) => p.owner ?? null, approvers: { isApprover: async (u) => u === 'UAPPROVER1' }, approverNames: { users: ['UAPPROVER1'], usergroup: undefined },
    notify: async () => undefined, audit: t.pipeline.audit, rules: { intervalDays: 90, graceDays: 14, idleDays: 60 }, keyMaxAgeDays: 365, approvalsChannel: 'C0APPROVALS',
    requestOffboarding: async () => ({ ok: true, changeId: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa' }), withdrawChange: async () => undefined, recheck: async () => undefined,
  };
});
afterEach(async () => {
  await t.close();
});

const cli = (args: string[]) => t.cli(runReviews, args, { nowMs: clock.now().getTime() });

describe('partnergate reviews', () => {
  it('when reviews are answered and one is overdue, then --since exports the decisions and --due the reviews due, as CSV, formulas neutralised', async () => {
    await sweepReviews(deps);
    clock.advance(80 * DAY_MS);
    expect((await sweepReviews(deps)).acted).toEqual({ open: 3 });
    expect(await answerReview(deps, { reviewId: 'acme.1', actor: 'U0ACME', outcome: 'keep', reason: '=HYPERLINK("http://evil.example","x")' })).toMatchObject({ ok: true });
    expect(await answerReview(deps, { reviewId: 'globex.1', actor: 'UAPPROVER1', outcome: 'offboard', reason: '' })).toMatchObject({ ok: true });
    clock.advance(11 * DAY_MS);
    expect((await sweepReviews(deps)).acted).toEqual({ escalate: 1 });
    await t.pipeline.drained();

    const since = await cli(['--since', '2027-01-01']);
    expect(since).toMatchObject({ code: 0, err: '' });
    const rows = since.out.split('\r\n');
    expect(rows[0]).toBe('decided_at,partner,review,decision,decided_by,reason,due_at,owner,idle_days,offboard_change');
    expect(rows.slice(1, -1).sort()).toEqual([
      `2027-03-22T08:00:00.000Z,acme,acme.1,keep,U0ACME,"'=HYPERLINK(""http://evil.example"",""x"")",2027-04-01T08:00:00.000Z,U0ACME,,`,
      '2027-03-22T08:00:00.000Z,globex,globex.1,offboard,UAPPROVER1,,2027-04-01T08:00:00.000Z,U0GLOBEX,,chg_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    ]);
    expect((await cli(['--since', '2027-12-01'])).out.split('\r\n')).toHaveLength(2); // the header alone

    const due = await cli(['--due']);
    expect(due.code).toBe(0);
    expect(due.out.split('\r\n')).toEqual([
      'partner,owner,due_at,state,days_overdue,opened_at,last_decision,last_decided_by,last_decided_at',
      "initech,'=cmd|calc,2027-04-01T08:00:00.000Z,open,1,2027-03-22T08:00:00.000Z,,,",
      '',
    ]);
    const within = await cli(['--due', '--within', '100']);
    expect(within.out.split('\r\n').slice(1, -1).map((r) => r.split(',').slice(0, 4).join(','))).toEqual([
      "initech,'=cmd|calc,2027-04-01T08:00:00.000Z,open",
      'acme,U0ACME,2027-06-20T08:00:00.000Z,scheduled',
      'globex,U0GLOBEX,2027-06-20T08:00:00.000Z,scheduled',
    ]);
  });

  it('when the arguments are wrong, then one line names the problem and the exit code is 2', async () => {
    expect(await cli([])).toMatchObject({ code: 2, err: expect.stringContaining('give --due or --since, one of them') });
    expect(await cli(['--due', '--since', '2027-01-01'])).toMatchObject({ code: 2, err: expect.stringContaining('one of them') });
    expect(await cli(['--since', 'last week'])).toMatchObject({ code: 2, err: expect.stringContaining('is not a date') });
    expect(await cli(['--due', '--within', 'soon'])).toMatchObject({ code: 2, err: expect.stringContaining('--within must be a number of days') });
    expect(await cli(['--since', '2027-01-01', '--within', '3'])).toMatchObject({ code: 2, err: expect.stringContaining('--within goes with --due') });
  });
});
