/**
 * Answering access reviews through the real bot process over HTTP (DRY_RUN, docs/reviews.md): a
 * partner onboarded and approved; the review sweep (its queue, its worker) with an injected clock
 * opens the review; the owner keeps it through the Keep modal (a reason required); someone else
 * is refused ephemerally; the next review is answered Offboard by an approver, which opens an
 * offboarding request another person must approve.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { botPerTest, GUEST, inThread, onboardLive, runJob } from '../support/bot-harness.js';
import { buttonClick, textValue, viewSubmission } from '../../tools/local/slack-requests.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import type { Clock } from '../../src/actions/ports.js';
import { DAY_MS } from '../../src/domain/reviews.js';

const OWNER = 'UREQUESTER1';
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
beforeEach(() => {
  now = Date.now();
});
const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '86400' }, { web: true, worker: true }, { overrides: () => ({ clock }) });

const ephemeralTo = (user: string, pattern: RegExp) => (c: SlackCall) => c.method === 'chat.postEphemeral' && c.body['user'] === user && pattern.test(String(c.body['text']));
const review = async () => JSON.parse((await h.redis.get(`${h.config.prefix}:rv:p:acme`))!) as { cycle: number; state: string; dueAt: string; last?: { outcome: string; by: string; reason: string } };

/** One run of the review sweep, through its queue and worker, at the clock's time. */
const sweep = () => runJob(h, 'access-reviews', 'sweep');

describe('answering access reviews through the bot', () => {
  it('when the review opens, then only the owner or an approver answers it: Keep needs a reason, Offboard opens a request for another person', async () => {
    const thread = await onboardLive(h); // requested by OWNER

    await sweep();
    expect(await review()).toMatchObject({ cycle: 1, state: 'scheduled' });
    now += 80 * DAY_MS;
    await sweep();
    const reviewCard = await h.slack.waitFor(inThread(thread, /Access review of `acme` \(Acme\) is due/));
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === OWNER && /You own `acme`/.test(String(c.body['text'])));
    const at = { channel: String(reviewCard.body['channel']), ts: String(reviewCard.answer!['ts']) };

    // A guest is stopped by the gate; a member who is neither the owner nor an approver by the review.
    await h.post(buttonClick(GUEST, 'review_keep', 'acme.1', at, h.slack.responseUrl('g')));
    await h.slack.waitFor(ephemeralTo(GUEST, /Only full members of the workspace \(not guests\) may answer a partner’s access review/));
    await h.post(buttonClick('UOTHER9', 'review_keep', 'acme.1', at, h.slack.responseUrl('o')));
    await h.slack.waitFor(ephemeralTo('UOTHER9', /Only the owner of `acme` \(<@UREQUESTER1>\) or an approver may answer its access review\. Nothing was done\./));
    await h.post(buttonClick('UOTHER9', 'review_offboard', 'acme.1', at, h.slack.responseUrl('o2')));
    await h.slack.waitForCount(ephemeralTo('UOTHER9', /Only the owner of `acme`/), 2);
    const forged = await h.post(viewSubmission('UOTHER9', 'review_keep_modal', { reason: textValue('mine now') }, JSON.stringify({ reviewId: 'acme.1' })));
    expect(forged.json).toEqual({ response_action: 'errors', errors: { reason: expect.stringContaining('Only the owner of `acme`') } });
    expect(h.slack.calls('views.open')).toHaveLength(0);
    expect(await review()).toMatchObject({ cycle: 1, state: 'open' });

    // The owner: Keep opens the modal; no reason is refused on the field; a reason keeps it.
    await h.post(buttonClick(OWNER, 'review_keep', 'acme.1', at, h.slack.responseUrl('k')));
    const modal = await h.slack.waitFor((c) => c.method === 'views.open');
    const view = modal.body['view'] as { callback_id: string; private_metadata: string };
    expect([view.callback_id, view.private_metadata]).toEqual(['review_keep_modal', JSON.stringify({ reviewId: 'acme.1' })]);
    const empty = await h.post(viewSubmission(OWNER, 'review_keep_modal', { reason: textValue('   ') }, view.private_metadata));
    expect(empty.json).toEqual({ response_action: 'errors', errors: { reason: 'Say why the partner still needs its access.' } });
    const kept = await h.post(viewSubmission(OWNER, 'review_keep_modal', { reason: textValue('Ships <!channel> price lists weekly') }, view.private_metadata));
    expect(kept.text).toBe('');
    const updated = await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === at.ts);
    expect(JSON.stringify(updated.body['blocks'])).toContain('answered: *kept* by <@UREQUESTER1>');
    expect(JSON.stringify(updated.body['blocks'])).toContain('*Reason:* Ships &lt;!channel&gt; price lists weekly');
    expect(JSON.stringify(updated.body['blocks'])).not.toContain('review_keep');
    expect(await review()).toMatchObject({ cycle: 2, state: 'scheduled', last: { outcome: 'keep', by: OWNER, reason: 'Ships <!channel> price lists weekly' } });
    expect(Date.parse((await review()).dueAt)).toBe(now + 90 * DAY_MS);

    // The old card again: already answered, nothing changes.
    await h.post(buttonClick(OWNER, 'review_offboard', 'acme.1', at, h.slack.responseUrl('k2')));
    await h.slack.waitFor(ephemeralTo(OWNER, /was already answered \(keep by <@UREQUESTER1>\)\. Nothing was done\./));
    expect(await review()).toMatchObject({ cycle: 2 });

    // The next review: an approver answers Offboard; the offboarding request waits for another approver.
    now += 80 * DAY_MS;
    await sweep();
    const second = await h.slack.waitFor(inThread(thread, /"value":"acme\.2"/));
    await h.post(buttonClick('UAPPROVER1', 'review_offboard', 'acme.2', { channel: at.channel, ts: String(second.answer!['ts']) }, h.slack.responseUrl('off')));
    const request = await h.slack.waitFor(inThread(thread, /"action_id":"change_approve"/));
    expect(String(request.body['text'])).toMatch(/^Awaiting approval: Offboard .* from <@UAPPROVER1>/);
    await h.slack.waitFor(inThread(thread, /Access review of acme: offboard, chosen by <@UAPPROVER1>/));
    expect(await review()).toMatchObject({ cycle: 3, last: { outcome: 'offboard', by: 'UAPPROVER1' } });
    const partner = JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!) as { status: string };
    expect(partner.status).toBe('live');
  });
});
