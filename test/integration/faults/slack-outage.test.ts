/**
 * Fault: the Slack Web API answers 429 with Retry-After, then 500s, for a while. Through the real
 * app (signed HTTP) and the real notify worker: onboarding cards, their plan threads, an approval's
 * card update and thread reply, and the requester's DMs, are queued while Slack fails, and all arrive
 * afterwards, in the order they were queued within each thread, none twice.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { callIdentity, deliveredInOrder, queuedMessages, until } from '../../support/notify-outbox.js';

const h = botPerTest({}, { web: true, worker: true }, { notifyWorker: { retryBaseMs: 50, retryMaxMs: 400 } });

const isChat = (c: Pick<SlackCall, 'method'>) => c.method.startsWith('chat.');

describe('fault: Slack Web API outage', () => {
  it('when Slack answers 429 with Retry-After and then 500s for a while, then every queued message arrives afterwards, in order within its thread, none twice', async () => {
    const prefix = h.config.prefix;
    h.slack.fail('*', { kind: 'rate-limited', retryAfter: 1 }, { times: 3, match: isChat });
    const outage = h.slack.fail('*', { kind: 'http', status: 500 }, { times: Infinity, match: isChat });

    const ids = ['outage-alpha', 'outage-bravo', 'outage-charlie'];
    for (const [i, partnerId] of ids.entries()) {
      const res = await h.post(onboardSubmission(`UREQ${i}`, {
        displayName: partnerId, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
      }));
      expect(res.status).toBe(200);
      expect(res.json).toBeNull(); // accepted: the modal closes
    }
    const approved = (await h.redis.get(`${prefix}:pid:outage-alpha`))!;
    await h.post(buttonClick('UAPPROVER2', 'request_approve', approved, { channel: 'C0APPROVALS', ts: '1.000001' }, h.slack.responseUrl('a')));
    await until('the approval is queued', async () => (await queuedMessages(h.redis, prefix)).some((q) => q.identity.includes('Approved by')));
    await h.slack.waitForCount((c) => c.status === 429, 1, 10_000);
    await h.slack.waitForCount((c) => c.status === 500, 3, 10_000);

    const queued = await queuedMessages(h.redis, prefix);
    expect(h.slack.accepted().filter(isChat)).toEqual([]); // nothing got through the outage
    expect(new Set(queued.map((q) => q.identity)).size).toBe(queued.length);
    expect(queued.filter((q) => q.identity.startsWith('post|')).length).toBeGreaterThanOrEqual(2 * ids.length); // cards and plans
    expect(queued.some((q) => q.identity.startsWith('update|'))).toBe(true); // the approved card

    outage.cancel();
    const wanted = new Set(queued.map((q) => q.identity));
    await h.slack.waitForCount((c) => c.ok && isChat(c) && wanted.has(callIdentity(c)), queued.length, 40_000);
    await until('the outbox is empty', async () => (await h.redis.keys(`${prefix}:outbox:*`)).length === 0, 40_000);

    const accepted = h.slack.accepted().filter(isChat);
    const { counts, outOfOrder } = deliveredInOrder(queued, accepted);
    expect(counts).toEqual(queued.map(() => 1));
    expect(outOfOrder).toEqual([]);
    // Replies landed in their card's thread, and the update named the card. The card is the top-level
    // post in the approvals channel: the requester's DMs (decided, welcome, LIVE) name the partner too.
    const cardOf = (partnerId: string) => accepted.find((c) => c.method === 'chat.postMessage' && c.body['channel'] === h.config.slack.approvalsChannel
      && c.body['thread_ts'] === undefined && JSON.stringify(c.body['blocks']).includes(partnerId))!;
    for (const partnerId of ids) {
      const replies = accepted.filter((c) => c.body['thread_ts'] === cardOf(partnerId).answer!['ts']);
      expect(replies.length).toBeGreaterThan(0);
    }
    const update = accepted.find((c) => c.method === 'chat.update')!;
    expect(update.body['ts']).toBe(cardOf('outage-alpha').answer!['ts']);
    // The decision reached the requester by DM too, once.
    expect(accepted.filter((c) => c.body['channel'] === 'UREQ0' && String(c.body['text']).includes('Approved')).length).toBe(1);
    expect(await h.redis.llen(`${prefix}:notify:dead`)).toBe(0);
  }, 90_000);
});
