/**
 * Load: during a 1,000-partner fan-out whose receipts flood the notify queue (one per partner
 * thread), an approval card and an ephemeral answer queued then go out ahead of the backlog — the
 * notify queue's priorities — instead of waiting behind every receipt queued before them. Measured
 * in order of arrival at the fake Slack, not in time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDeliveryHarness, APPROVALS, type DeliveryHarness } from '../../support/delivery-harness.js';
import { seedLivePartners } from '../../../tools/local/worker-process.js';
import { until } from '../../support/notify-outbox.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

const PARTNERS = 1000;
let h: DeliveryHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const isReceipt = (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && c.body['thread_ts'] !== undefined && JSON.stringify(c.body).includes('load.csv');

describe('load: notify priorities during a fan-out', () => {
  it('when receipts of a 1,000-partner fan-out are queued, then an approval card and an ephemeral queued after them go out ahead of the backlog', async () => {
    // Threshold above the partner count: every partner's thread gets its receipt.
    h = await startDeliveryHarness({ threshold: PARTNERS + 1 });
    const bot = h;
    const ids = await seedLivePartners(bot.redis, bot.prefix, PARTNERS, ['price-lists'], 'load');
    for (const id of ids) await bot.notify({ op: 'post', channel: APPROVALS, ref: `card:thread-${id}`, text: `card of ${id}`, priority: 'approval' });
    await bot.slack.waitForCount((c) => c.ok && String(c.body['text']).startsWith('card of load-'), PARTNERS, 60_000);

    await bot.put('outbound/feeds/price-lists/load.csv', 'sku,price\nA-1,1.00\n');
    await bot.pollNow();
    const pendingLanes = async () => (await bot.redis.keys(`${bot.prefix}:outbox:*`)).length;
    await until('a backlog of receipts is queued', async () => (await pendingLanes()) >= 200, 60_000);
    const backlog = await pendingLanes();
    const seqAtQueue = bot.slack.calls().at(-1)?.seq ?? 0;
    await bot.notify({ op: 'post', channel: APPROVALS, ref: 'card:req_underload', text: 'approval card under load', priority: 'approval' });
    await bot.notify({ op: 'ephemeral', channel: APPROVALS, user: 'UAPPROVER1', text: 'ephemeral under load', priority: 'interactive' });

    const card = await bot.slack.waitFor((c) => c.ok && c.body['text'] === 'approval card under load', 60_000);
    const ephemeral = await bot.slack.waitFor((c) => c.ok && c.body['text'] === 'ephemeral under load', 60_000);
    const receiptsBefore = (until: SlackCall) => bot.slack.calls().filter((c) => isReceipt(c) && c.seq > seqAtQueue && c.seq < until.seq).length;

    // FIFO would have sent at least the whole backlog first; priorities let them through within a batch or two.
    expect(backlog).toBeGreaterThanOrEqual(50);
    expect(receiptsBefore(card)).toBeLessThan(backlog / 4);
    expect(receiptsBefore(ephemeral)).toBeLessThan(backlog / 4);
    // And the backlog itself is not lost: every partner gets its receipt afterwards.
    await bot.slack.waitForCount(isReceipt, PARTNERS, 120_000);
  }, 240_000);
});
