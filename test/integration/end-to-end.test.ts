/**
 * The whole product in DRY_RUN, as one process: request → approval → provisioning → verification →
 * LIVE → a dropped file delivered with a receipt in the partner's thread. Real Bolt over signed HTTP,
 * real Redis and BullMQ, a local S3 server, a local Slack Web API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startBot, type Harness } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission, postToBot, slashCommand } from '../../tools/local/slack-requests.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';

let h: Harness;
beforeEach(async () => {
  h = await startBot({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '1' });
});
afterEach(async () => {
  await h.close();
});

const inThread = (ts: string, pattern: RegExp) => (c: SlackCall) =>
  (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
  (c.body['thread_ts'] === ts || c.body['ts'] === ts) &&
  pattern.test(String(c.body['text']) + JSON.stringify(c.body['blocks'] ?? ''));

describe('DRY_RUN end to end', () => {
  it('when a request is approved and a file is dropped, then the partner goes LIVE and the file lands in its home with a receipt in its thread', async () => {
    const secret = h.config.slack.signingSecret;
    await postToBot(h.url, onboardSubmission('UREQUESTER1', {
      displayName: 'Acme', partnerId: 'acme', contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
    }), secret);
    const card = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === 'C0APPROVALS' && !c.body['thread_ts']);
    const ts = String(card.answer!['ts']);
    const requestId = JSON.stringify(card.body['blocks']).match(/"value":"(req_[a-z2-7]{26})"/)![1]!;
    await postToBot(h.url, buttonClick('UAPPROVER2', 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('a')), secret);

    await h.slack.waitFor(inThread(ts, /is LIVE/), 20_000);
    const record = JSON.parse((await h.redis.get(`${h.config.prefix}:partner:acme`))!);
    expect(record).toMatchObject({ status: 'live', dryRun: true, feeds: ['price-lists'] });

    const body = 'sku,price\nA-1,10.00\n';
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'outbound/acme/prices/2026-12.csv', Body: body }));
    await h.slack.waitFor(inThread(ts, /2026-12\.csv/), 20_000);
    const copy = await h.s3.client.send(new GetObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/prices/2026-12.csv' }));
    expect(await copy.Body!.transformToString()).toBe(body);

    // /partner-status answers ephemerally with the status and the delivery.
    await postToBot(h.url, slashCommand({ command: '/partner-status', text: 'acme', user_id: 'UREQUESTER1', response_url: h.slack.responseUrl('status') }), secret);
    const status = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'status');
    expect(JSON.stringify(status.body)).toMatch(/live/i);
    expect(JSON.stringify(status.body)).toContain('2026-12.csv');

    // /resend-file: refused for someone who is neither approver nor resender, queued for an approver.
    await postToBot(h.url, slashCommand({ command: '/resend-file', text: 'acme prices/2026-12.csv', user_id: 'UOUTSIDER9', response_url: h.slack.responseUrl('no') }), secret);
    const refused = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'no');
    expect(JSON.stringify(refused.body)).toMatch(/approver|RESENDERS|not allowed|may not/i);
    const receiptsBefore = h.slack.calls().filter(inThread(ts, /2026-12\.csv/)).length;
    await postToBot(h.url, slashCommand({ command: '/resend-file', text: 'acme prices/2026-12.csv', user_id: 'UAPPROVER1', response_url: h.slack.responseUrl('yes') }), secret);
    const queued = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'yes');
    expect(JSON.stringify(queued.body)).toMatch(/queued|re-?sen/i);
    await h.slack.waitForCount(inThread(ts, /2026-12\.csv/), receiptsBefore + 1, 20_000);
  });
});
