/**
 * Fault: the Slack Web API answers 429 with Retry-After, then 500s, for a while. Through the real
 * app (signed HTTP) and the real notify worker: onboarding cards, their plan threads, an approval's
 * card update and thread reply are queued while Slack fails, and all arrive afterwards, in the
 * order they were queued within each thread, none twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBot, type Harness } from '../../support/bot-harness.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission, postToBot } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { callIdentity, deliveredInOrder, queuedMessages, until } from '../../support/notify-outbox.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const isChat = (c: Pick<SlackCall, 'method'>) => c.method.startsWith('chat.');

describe('fault: Slack Web API outage', () => {
  it('when Slack answers 429 with Retry-After and then 500s for a while, then every queued message arrives afterwards, in order within its thread, none twice', async () => {
    h = await startBot({}, { web: true, worker: true }, { notifyWorker: { retryBaseMs: 50, retryMaxMs: 400 } });
    const bot = h;
    const prefix = bot.config.prefix;
    const secret = bot.config.slack.signingSecret;
    bot.slack.fail('*', { kind: 'rate-limited', retryAfter: 1 }, { times: 3, match: isChat });
    const outage = bot.slack.fail('*', { kind: 'http', status: 500 }, { times: Infinity, match: isChat });

    const ids = ['outage-alpha', 'outage-bravo', 'outage-charlie'];
    for (const [i, partnerId] of ids.entries()) {
      const res = await postToBot(bot.url, onboardSubmission(`UREQ${i}`, {
        displayName: partnerId, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
      }), secret);
      expect(res.status).toBe(200);
      expect(res.json).toBeNull(); // accepted: the modal closes
    }
    const approved = (await bot.redis.get(`${prefix}:pid:outage-alpha`))!;
    await postToBot(bot.url, buttonClick('UAPPROVER2', 'request_approve', approved, { channel: 'C0APPROVALS', ts: '1.000001' }, bot.slack.responseUrl('a')), secret);
    await until('the approval is queued', async () => (await queuedMessages(bot.redis, prefix)).some((q) => q.identity.includes('Approved by')));
    await bot.slack.waitForCount((c) => c.status === 429, 1, 10_000);
    await bot.slack.waitForCount((c) => c.status === 500, 3, 10_000);

    const queued = await queuedMessages(bot.redis, prefix);
    expect(bot.slack.accepted().filter(isChat)).toEqual([]); // nothing got through the outage
    expect(new Set(queued.map((q) => q.identity)).size).toBe(queued.length);
    expect(queued.filter((q) => q.identity.startsWith('post|')).length).toBeGreaterThanOrEqual(2 * ids.length); // cards and plans
    expect(queued.some((q) => q.identity.startsWith('update|'))).toBe(true); // the approved card

    outage.cancel();
    const wanted = new Set(queued.map((q) => q.identity));
    await bot.slack.waitForCount((c) => c.ok && isChat(c) && wanted.has(callIdentity(c)), queued.length, 40_000);
    await until('the outbox is empty', async () => (await bot.redis.keys(`${prefix}:outbox:*`)).length === 0, 40_000);

    const accepted = bot.slack.accepted().filter(isChat);
    const { counts, outOfOrder } = deliveredInOrder(queued, accepted);
    expect(counts).toEqual(queued.map(() => 1));
    expect(outOfOrder).toEqual([]);
    // Replies landed in their card's thread, and the update named the card.
    for (const partnerId of ids) {
      const card = accepted.find((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0APPROVALS' && c.body['thread_ts'] === undefined && JSON.stringify(c.body['blocks']).includes(partnerId))!;
      const replies = accepted.filter((c) => c.body['thread_ts'] === card.answer!['ts']);
      expect(replies.length).toBeGreaterThan(0);
    }
    const update = accepted.find((c) => c.method === 'chat.update')!;
    const alphaCard = accepted.find((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0APPROVALS' && c.body['thread_ts'] === undefined && JSON.stringify(c.body['blocks']).includes('outage-alpha'))!;
    expect(update.body['ts']).toBe(alphaCard.answer!['ts']);
    expect(await bot.redis.llen(`${prefix}:notify:dead`)).toBe(0);
  }, 90_000);
});
