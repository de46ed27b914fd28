/**
 * Issue #20: a partner is never offboarded without two people. Through the real bot process over
 * HTTP (DRY_RUN, docs/reviews.md): a partner goes LIVE, its access review lapses unanswered (the
 * review sweep's queue and worker, an injected clock), which pauses it and opens an offboarding
 * request asked by the bot. No person asked for it, so two different approvers approve it: the
 * first approval is recorded and the card asks for a second approver; the first approver is refused
 * a second time; another approver's Approve offboards the partner. Two approvers clicking at once
 * offboard it exactly once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { botPerTest, inThread, onboardLive, runJob } from '../support/bot-harness.js';
import { until } from '../support/notify-outbox.js';
import { buttonClick } from '../../tools/local/slack-requests.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import type { Clock } from '../../src/actions/ports.js';
import type { ChangeRequest } from '../../src/domain/requests.js';
import { DAY_MS } from '../../src/domain/reviews.js';

const A = 'UAPPROVER1';
const B = 'UAPPROVER2';
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
beforeEach(() => {
  now = Date.now();
});
const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '86400' }, { web: true, worker: true }, { overrides: () => ({ clock }) });

const cardUpdate = (ts: string, pattern: RegExp) => (c: SlackCall) => c.method === 'chat.update' && c.body['ts'] === ts && pattern.test(JSON.stringify(c.body['blocks']));
const ephemeralTo = (user: string, pattern: RegExp) => (c: SlackCall) => c.method === 'chat.postEphemeral' && c.body['user'] === user && pattern.test(String(c.body['text']));
const partnerStatus = async () => (JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!) as { status: string }).status;
const change = async (id: string) => {
  const hash = await h.redis.hgetall(`${h.config.prefix}:chg:${id}`);
  return { status: hash['status'], decision: hash['decision'] ? (JSON.parse(hash['decision']) as ChangeRequest['decision']) : null };
};

/** One run of the review sweep, through its queue and worker, at the clock's time. */
const sweep = () => runJob(h, 'access-reviews', 'sweep');

/** `acme` onboarded and LIVE, then its review left unanswered past the grace: the lapse's offboarding card, asked by the bot. */
async function lapsed(): Promise<{ thread: string; changeId: string; at: { channel: string; ts: string } }> {
  const thread = await onboardLive(h, {}, 'onboard'); // approved by B

  await sweep();
  now += (90 + 14) * DAY_MS;
  await sweep();
  const request = await h.slack.waitFor(inThread(thread, /"action_id":"change_approve"/));
  expect(JSON.stringify(request.body['blocks'])).toContain('The bot asked for this, so two different approvers approve it, one after the other, with the Approve button');
  expect(await partnerStatus()).toBe('quarantined');
  const changeId = JSON.stringify(request.body['blocks']).match(/"value":"(chg_[a-z2-7]{26})"/)![1]!;
  return { thread, changeId, at: { channel: String(request.body['channel']), ts: String(request.answer!['ts']) } };
}

const approve = (actor: string, changeId: string, at: { channel: string; ts: string }, n: string) =>
  h.post(buttonClick(actor, 'change_approve', changeId, at, h.slack.responseUrl(n)));

describe('the offboarding a lapsed review asks for needs two approvers', () => {
  it('when A approves, then nothing is offboarded and the card asks for a second approver; A again is refused; B\'s approval offboards the partner', async () => {
    const { thread, changeId, at } = await lapsed();

    await approve(A, changeId, at, 'a1');
    const updated = await h.slack.waitFor(cardUpdate(at.ts, /a second approver is needed/));
    const blocks = JSON.stringify(updated.body['blocks']);
    expect(blocks).toMatch(/Approved by <@UAPPROVER1> <!date[^>]+>; a second approver is needed/);
    expect(blocks).toContain('"action_id":"change_approve"');
    expect(blocks).toContain('"action_id":"change_reject"');
    expect(String(updated.body['text'])).toMatch(/^Awaiting a second approver: Offboard the partner \(keep its files\) for acme/);
    await h.slack.waitFor(inThread(thread, /Approved by <@UAPPROVER1>.*a second approver is needed/));
    expect(await change(changeId)).toEqual({ status: 'pending', decision: null });
    expect(await partnerStatus()).toBe('quarantined');
    expect(await h.queue('offboard').getJobCounts('completed', 'waiting', 'active', 'delayed')).toEqual({ completed: 0, waiting: 0, active: 0, delayed: 0 });

    await approve(A, changeId, at, 'a2');
    await h.slack.waitFor(ephemeralTo(A, /You approved this change already; a different approver is needed \(the bot asked for it, so two people approve it\)\. Nothing changed/));
    expect(await change(changeId)).toEqual({ status: 'pending', decision: null });
    expect(await h.queue('offboard').getJobCounts('completed', 'waiting', 'active', 'delayed')).toEqual({ completed: 0, waiting: 0, active: 0, delayed: 0 });

    await approve(B, changeId, at, 'b1');
    const evidence = await h.slack.waitFor(inThread(thread, /Offboarding evidence for/), 20_000);
    const text = JSON.stringify(evidence.body['blocks']);
    expect(text).toContain('requested by partnergate (the bot)');
    expect(text).toMatch(/approved first by <@UAPPROVER1>.*approved by <@UAPPROVER2>/);
    expect(await partnerStatus()).toBe('offboarded');
    expect(await change(changeId)).toMatchObject({ status: 'approved', decision: { by: B, first: { by: A } } });
    await h.slack.waitFor(cardUpdate(at.ts, /Approved by <@UAPPROVER1> <!date[^>]+>, then by <@UAPPROVER2>/));
  });

  it('when two different approvers press Approve at once, then the partner is offboarded exactly once, approved by both', async () => {
    const { thread, changeId, at } = await lapsed();

    const answers = await Promise.all([approve(A, changeId, at, 'ra'), approve(B, changeId, at, 'rb')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await h.slack.waitFor(inThread(thread, /Offboarding evidence for/), 20_000);
    const offboard = h.queue('offboard');
    await until('offboard queue idle', async () => {
      const c = await offboard.getJobCounts('waiting', 'active', 'delayed');
      return c['waiting'] === 0 && c['active'] === 0 && c['delayed'] === 0;
    });
    expect(await offboard.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 0 });
    expect(h.slack.calls('chat.postMessage').filter(inThread(thread, /Offboarding evidence for/))).toHaveLength(1);
    expect(await partnerStatus()).toBe('offboarded');
    const decided = await change(changeId);
    expect(decided.status).toBe('approved');
    expect(new Set([decided.decision!.by, decided.decision!.first!.by])).toEqual(new Set([A, B]));
    // Neither click was refused: one was the first approval, the other the second.
    expect(h.slack.calls('chat.postEphemeral').filter((c) => [A, B].includes(String(c.body['user'])))).toEqual([]);
  });
});
