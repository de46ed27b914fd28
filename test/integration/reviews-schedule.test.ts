/**
 * Access reviews through the worker role's wiring (docs/reviews.md): real Redis, the notify worker
 * on the fake Slack server, an injected clock (no sleeps). A review opens with its card and the
 * owner's DM, is reminded at 7 and 1 days, escalated to the approvers at its due date, and at the
 * grace's end the partner's deliveries pause and an offboarding request is opened; a late Keep lifts
 * the hold, withdraws the request and queues the check that releases it. Each stage once, however
 * often the sweep runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { reviewDeps } from '../../src/container/workers.js';
import { answerReview, sweepReviews, type ReviewDeps } from '../../src/actions/reviews/index.js';
import type { Clock } from '../../src/actions/ports.js';
import { DAY_MS } from '../../src/domain/reviews.js';
import { listDueReviews, reviewOf, ReviewStore } from '../../src/store/reviews.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import { startWorkerRig, type SlackWorkerRig } from '../support/worker-rig.js';

const OWNER = 'U0OWNER1';
const T0 = Date.parse('2027-01-01T08:00:00.000Z');
const DUE = T0 + 90 * DAY_MS;

let t: SlackWorkerRig;
let now: number;
let deps: ReviewDeps;
const clock: Clock = { now: () => new Date(now) };

beforeEach(async () => {
  now = T0;
  t = await startWorkerRig('rvs', { slack: true, env: { APPROVER_USERGROUP: 'S0APPROVERS' }, overrides: () => ({ clock }) });
  deps = reviewDeps(t.c);
});
afterEach(async () => {
  await t.close();
});

/** A LIVE partner (since T0) with its thread's card in Slack; resolves with the card's ts. */
const livePartner = (id: string) => t.livePartner(id, { owner: OWNER, verifiedAt: new Date(T0).toISOString() });

const posted = (pattern: RegExp, where: (call: SlackCall) => boolean) => (call: SlackCall) =>
  call.method === 'chat.postMessage' && where(call) && pattern.test(String(call.body['text']) + JSON.stringify(call.body['blocks'] ?? ''));
const inThread = (ts: string) => (call: SlackCall) => call.body['thread_ts'] === ts;
const toChannel = (channel: string) => (call: SlackCall) => call.body['channel'] === channel && !call.body['thread_ts'];
const count = (pattern: RegExp, where: (call: SlackCall) => boolean) => t.slack.calls('chat.postMessage').filter(posted(pattern, where)).length;
const types = () => t.audits.map((a) => a.type).filter((type) => type.startsWith('review.'));

describe('access reviews on a schedule', () => {
  it('when nobody answers, then the review opens, is reminded at 7 and 1 days, escalated at its due date, and lapses: deliveries paused, offboarding requested — each once; a late Keep resumes', async () => {
    const ts = await livePartner('acme');

    // Taken in: the first review is due 90 days after going live; nothing is said yet.
    expect(await sweepReviews(deps)).toMatchObject({ scheduled: 1, acted: {} });
    expect(await reviewOf(t.redis, t.prefix, 'acme', now)).toEqual({ partnerId: 'acme', owner: OWNER, dueAt: new Date(DUE).toISOString(), state: 'scheduled', overdue: false });
    now = DUE - 14 * DAY_MS - 1;
    expect(await sweepReviews(deps)).toMatchObject({ scheduled: 0, acted: {} });

    // Opens 14 days before: the card in the thread, with the evidence and the idle flag, and the owner's DM.
    now = DUE - 14 * DAY_MS;
    expect((await sweepReviews(deps)).acted).toEqual({ open: 1 });
    const card = await t.slack.waitFor(posted(/Access review of `acme` \(Acme\) is due/, inThread(ts)));
    const blocks = JSON.stringify(card.body['blocks']);
    expect(blocks).toContain(':zzz: *Idle:* nothing picked up for 76 days.');
    expect(blocks).toContain('*Files never picked up:* none');
    expect(blocks).toContain('"action_id":"review_keep","style":"primary","value":"acme.1"');
    await t.slack.waitFor(posted(/You own `acme` \(Acme\): its access review is due/, toChannel(OWNER)));
    expect((await sweepReviews(deps)).acted).toEqual({});
    expect(await reviewOf(t.redis, t.prefix, 'acme', now)).toMatchObject({ state: 'open', overdue: false });

    // Reminders at 7 and 1 days: in the thread and by DM.
    now = DUE - 7 * DAY_MS;
    expect((await sweepReviews(deps)).acted).toEqual({ 'remind-7': 1 });
    now = DUE - DAY_MS;
    expect((await sweepReviews(deps)).acted).toEqual({ 'remind-1': 1 });
    await t.slack.waitForCount(posted(/the access review of `acme` is due in 7 days/, (call) => inThread(ts)(call) || toChannel(OWNER)(call)), 2);
    await t.slack.waitForCount(posted(/the access review of `acme` is due in 1 day /, (call) => inThread(ts)(call) || toChannel(OWNER)(call)), 2);

    // Due and unanswered: the approvers are named in the approvals channel.
    now = DUE;
    expect((await sweepReviews(deps)).acted).toEqual({ escalate: 1 });
    const escalation = await t.slack.waitFor(posted(/Access review of `acme` \(Acme\) is overdue/, toChannel('C0APPROVALS')));
    expect(JSON.stringify(escalation.body['blocks'])).toContain('<@UAPPROVER1>, <@UAPPROVER2>, <!subteam^S0APPROVERS>: please answer it');
    expect(await listDueReviews(t.redis, t.prefix, { nowMs: now })).toEqual([{ partnerId: 'acme', owner: OWNER, dueAt: new Date(DUE).toISOString(), state: 'open', overdue: true }]);

    // The grace passes: deliveries pause (quarantine held by the review) and an offboarding request waits for an approver.
    now = DUE + 14 * DAY_MS;
    expect((await sweepReviews(deps)).acted).toEqual({ lapse: 1 });
    expect(await sweepReviews(deps)).toMatchObject({ acted: {} });
    const partner = await t.c.stores.partners.get('acme');
    expect(partner).toMatchObject({ status: 'quarantined', reviewHold: new Date(now).toISOString() });
    const record = await new ReviewStore(t.redis, t.prefix).get('acme');
    expect(record).toMatchObject({ state: 'lapsed', offboardChangeId: expect.stringMatching(/^chg_/) });
    const change = await t.c.stores.changes.get(record!.offboardChangeId!);
    expect(change).toMatchObject({ status: 'pending', requestedBy: 'partnergate', spec: { kind: 'offboard', prefix: 'keep' } });
    await t.slack.waitFor(posted(/Offboard/, inThread(ts)));
    await t.slack.waitFor(posted(/Access review of `acme` lapsed: unanswered 14 days past its due date/, toChannel('C0APPROVALS')));
    expect(types()).toEqual(['review.opened', 'review.reminded', 'review.reminded', 'review.escalated', 'review.lapsed']);
    expect(t.audits.find((a) => a.type === 'review.opened')!.details).toMatchObject({ reviewId: 'acme.1', owner: OWNER, idleDays: 76 });
    // Each message once, however often the sweep ran.
    expect(count(/Access review of `acme` \(Acme\) is due/, inThread(ts))).toBe(1);
    expect(count(/is overdue/, toChannel('C0APPROVALS'))).toBe(1);

    // Offboard after the lapse: the request is already open. Keep without a reason: refused. Keep: resumes.
    expect(await answerReview(deps, { reviewId: 'acme.1', actor: OWNER, outcome: 'offboard', reason: '' })).toMatchObject({ ok: false, code: 'already_open' });
    expect(await answerReview(deps, { reviewId: 'acme.1', actor: OWNER, outcome: 'keep', reason: '  ' })).toMatchObject({ ok: false, code: 'bad_input' });
    expect(await answerReview(deps, { reviewId: 'acme.1', actor: OWNER, outcome: 'keep', reason: 'Orders again from March' })).toMatchObject({ ok: true });
    expect((await t.c.stores.partners.get('acme'))?.reviewHold).toBeUndefined();
    expect(await t.c.stores.changes.get(record!.offboardChangeId!)).toMatchObject({ status: 'rejected', decision: { by: 'partnergate' } });
    const checks = (await t.c.queues.reconcile.getJobs(['delayed', 'waiting'])) as Job[];
    expect(checks.map((j) => [j.name, j.data])).toContainEqual(['check', { partnerId: 'acme' }]);
    expect(await new ReviewStore(t.redis, t.prefix).get('acme')).toMatchObject({
      cycle: 2, state: 'scheduled', dueAt: new Date(now + 90 * DAY_MS).toISOString(), last: { outcome: 'keep', by: OWNER, reason: 'Orders again from March' },
    });
    expect(t.audits.find((a) => a.type === 'review.kept')).toMatchObject({ actor: OWNER, details: { reviewId: 'acme.1', late: true, reason: 'Orders again from March' } });
    await t.slack.waitFor((call) => call.method === 'chat.update' && /answered: \*kept\* by <@U0OWNER1>/.test(JSON.stringify(call.body['blocks'])));
  });

  it('when the bot was down past several stages, then one sweep opens the review and sends the latest stage only; an offboarded partner loses its review', async () => {
    const ts = await livePartner('acme');
    await livePartner('globex');
    expect((await sweepReviews(deps)).scheduled).toBe(2);
    now = DUE + DAY_MS;
    expect((await sweepReviews(deps)).acted).toEqual({ open: 2, escalate: 2 });
    await t.slack.waitFor(posted(/is overdue/, inThread(ts)));
    expect(count(/is due in/, inThread(ts))).toBe(0);

    await t.c.stores.partners.apply('globex', 'offboarded', { updatedAt: new Date(now).toISOString() });
    expect((await listDueReviews(t.redis, t.prefix, { nowMs: now })).map((r) => r.partnerId)).toEqual(['acme']);
    now = DUE + 14 * DAY_MS;
    expect(await sweepReviews(deps)).toMatchObject({ dropped: 1, acted: { lapse: 1 } });
    expect(await reviewOf(t.redis, t.prefix, 'globex', now)).toBeNull();
    expect(await reviewOf(t.redis, t.prefix, 'acme', now)).toMatchObject({ state: 'lapsed' });
    // A lapsed review is looked at daily: once the partner is offboarded, it is dropped.
    await t.c.stores.partners.apply('acme', 'offboarded', { updatedAt: new Date(now).toISOString() });
    now += DAY_MS;
    expect(await sweepReviews(deps)).toMatchObject({ dropped: 1, acted: {} });
    expect(await reviewOf(t.redis, t.prefix, 'acme', now)).toBeNull();
  });
});
