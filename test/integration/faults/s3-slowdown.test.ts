/**
 * Fault: S3 answers 503 SlowDown for a while during a feed fan-out. The delivery pipeline (real
 * Redis and BullMQ, s3rver, the notify worker on a fake Slack) retries with backoff; afterwards
 * every subscriber has the file, each partner's thread has its one receipt, and the summary says
 * all were delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDeliveryHarness, DELIVERIES, type DeliveryHarness } from '../../support/delivery-harness.js';
import { s3Error } from '../../support/s3-client.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

let h: DeliveryHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const text = (c: SlackCall) => JSON.stringify(c.body['blocks'] ?? '') + String(c.body['text'] ?? '');

describe('fault: S3 SlowDown', () => {
  it('when S3 answers 503 SlowDown to the first 40 copies of a fan-out, then every delivery completes afterwards, once', async () => {
    h = await startDeliveryHarness({ options: { deliverAttempts: 8, retryBaseMs: 10, retryMaxMs: 100 } });
    const bot = h;
    // The outage: the next 40 CopyObject calls of the delivery code are throttled, then S3 recovers.
    let throttled = 0;
    bot.deliveryClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CopyObjectCommand' && throttled < 40) {
          throttled += 1;
          throw s3Error('SlowDown', 503, 'Please reduce your request rate.');
        }
        return next(args);
      },
      { step: 'initialize', name: 'testSlowDownOutage' },
    );
    const ids = Array.from({ length: 20 }, (_, i) => `slow-${String(i).padStart(2, '0')}`);
    const threads = new Map<string, string>();
    for (const id of ids) threads.set(id, await bot.addPartner(id, { feeds: ['price-lists'] }));

    await bot.put('outbound/feeds/price-lists/slow.csv', 'sku,price\nA-1,1.00\n');
    await bot.pollNow();
    const summary = await bot.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === DELIVERIES && text(c).includes('slow.csv'), 30_000);

    expect(throttled).toBe(40);
    const key = (await bot.redis.keys(`${bot.prefix}:dl:fanout:*`)).find((k) => !k.includes('failures'))!;
    expect(await bot.store.fanout(key.slice(`${bot.prefix}:dl:fanout:`.length))).toMatchObject({ total: 20, delivered: 20, failed: 0 });
    expect(text(summary)).not.toMatch(/fail/i);
    for (const id of ids) {
      expect(await bot.exists(`partners/${id}/feeds/price-lists/slow.csv`)).toBe(true);
      const receipt = await bot.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['thread_ts'] === threads.get(id) && text(c).includes('slow.csv'));
      expect(bot.threadPosts(threads.get(id)!).filter((c) => text(c).includes('slow.csv'))).toEqual([receipt]);
      expect(text(receipt)).not.toContain('delivery_resend'); // a receipt, not a failure with its Resend button
    }
    expect(await bot.metrics.registry.getSingleMetricAsString('partnergate_aws_errors_total')).toContain('code="SlowDown"');
  }, 60_000);
});
