/**
 * The whole product in DRY_RUN, as one process: request → approval → provisioning → verification →
 * LIVE → a dropped file delivered with a receipt in the partner's thread. Real Bolt over signed HTTP,
 * real Redis and BullMQ, a local S3 server, a local Slack Web API.
 */
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { botPerTest, inThread, onboardLive } from '../support/bot-harness.js';
import { slashCommand } from '../../tools/local/slack-requests.js';

const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '1' });

describe('DRY_RUN end to end', () => {
  it('when a request is approved and a file is dropped, then the partner goes LIVE and the file lands in its home with a receipt in its thread', async () => {
    const ts = await onboardLive(h); // Acme, one SSH key, price-lists
    const receipt = inThread(ts, /2026-12\.csv/, { updates: true }); // in the thread, or an update of its card
    const record = JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!);
    expect(record).toMatchObject({ status: 'live', dryRun: true, feeds: ['price-lists'] });

    const body = 'sku,price\nA-1,10.00\n';
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'outbound/acme/prices/2026-12.csv', Body: body }));
    await h.slack.waitFor(receipt, 20_000);
    const copy = await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/prices/2026-12.csv' }));
    expect(await copy.Body!.transformToString()).toBe(body);

    // /partner-status answers ephemerally with the status and the delivery.
    await h.post(slashCommand({ command: '/partner-status', text: 'acme', user_id: 'UREQUESTER1', response_url: h.slack.responseUrl('status') }));
    const status = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'status');
    expect(JSON.stringify(status.body)).toMatch(/live/i);
    expect(JSON.stringify(status.body)).toContain('2026-12.csv');

    // /resend-file: refused for someone who is neither approver nor resender, queued for an approver.
    await h.post(slashCommand({ command: '/resend-file', text: 'acme prices/2026-12.csv', user_id: 'UOUTSIDER9', response_url: h.slack.responseUrl('no') }));
    const refused = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'no');
    expect(JSON.stringify(refused.body)).toMatch(/approver|RESENDERS|not allowed|may not/i);
    const receiptsBefore = h.slack.calls().filter(receipt).length;
    await h.post(slashCommand({ command: '/resend-file', text: 'acme prices/2026-12.csv', user_id: 'UAPPROVER1', response_url: h.slack.responseUrl('yes') }));
    const queued = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'yes');
    expect(JSON.stringify(queued.body)).toMatch(/queued|re-?sen/i);
    await h.slack.waitForCount(receipt, receiptsBefore + 1, 20_000);
  });
});
