/**
 * /resend-file, the Resend button and /partner-status through a real Bolt app (the product's HTTP receiver, signed
 * requests), over the real delivery pipeline (Redis, BullMQ, s3rver, notify → fake Slack).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueDispatch } from '../../../src/jobs/delivery/dispatch.js';
import { deliverJobId } from '../../../src/actions/delivery/contract.js';
import { buttonClick, postToBot, slashCommand } from '../../../tools/local/slack-requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import {
  APPROVALS, APPROVER, OUTSIDER, RESENDER, SIGNING_SECRET, startDeliveryHarness, versionOfContent, type DeliveryHarness,
} from '../../support/delivery-harness.js';

let h: DeliveryHarness;
beforeEach(async () => {
  h = await startDeliveryHarness();
});
afterEach(async () => {
  await h.close();
});

const textOf = (c: SlackCall) => JSON.stringify(c.body['blocks'] ?? '') + String(c.body['text'] ?? '');
const copies = () => h.requests.filter((r) => r.command === 'CopyObjectCommand').length;

async function command(name: '/resend-file' | '/partner-status', user: string, text: string): Promise<SlackCall> {
  const id = `r${Math.random().toString(36).slice(2)}`;
  const res = await postToBot(h.url, slashCommand({ command: name, text, user_id: user, channel_id: 'C0OPS', response_url: h.slack.responseUrl(id) }), SIGNING_SECRET);
  expect(res.status).toBe(200);
  const answer = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === id);
  expect(answer.body['response_type']).toBe('ephemeral');
  return answer;
}

async function deliveredOnce(partnerId: string, key: string, body: string): Promise<string> {
  const version = await h.put(key, body);
  await h.pollNow();
  await h.finished('deliver', deliverJobId({ key, versionId: version, partnerId }));
  return version;
}

describe('/resend-file', () => {
  it('when someone who is neither approver nor re-sender asks, then it is refused and nothing is queued', async () => {
    await h.addPartner('acme');
    await deliveredOnce('acme', 'outbound/acme/prices.csv', 'p1');
    const before = await h.delivery.queues.deliver.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');

    const answer = await command('/resend-file', OUTSIDER, 'acme prices.csv');
    expect(textOf(answer)).toContain(`Only approvers (<@${APPROVER}>) and re-senders (<@${RESENDER}>) may re-send files.`);
    expect(await h.delivery.queues.deliver.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toBe(before);
  });

  it('when an approver asks for a path in the partner\'s home, then the latest version is copied again and the receipt says so in the thread', async () => {
    const thread = await h.addPartner('acme');
    const key = 'outbound/acme/reports/prices.csv';
    await deliveredOnce('acme', key, 'p1');
    await h.slack.waitFor((c) => c.body['thread_ts'] === thread && textOf(c).includes('partners/acme/reports/prices.csv'));
    expect(copies()).toBe(1);

    const answer = await command('/resend-file', APPROVER, 'acme /partners/acme/reports/prices.csv');
    expect(textOf(answer)).toContain('Queued a re-send');
    expect(textOf(answer)).toContain(`<#${APPROVALS}>`);
    const receipt = await h.slack.waitFor((c) => c.body['thread_ts'] === thread && textOf(c).includes(`re-sent for <@${APPROVER}>`));
    expect(textOf(receipt)).toContain('partners/acme/reports/prices.csv');
    expect(copies()).toBe(2);
    expect((await h.store.history('acme', 10)).map((r) => r.forcedBy ?? null)).toEqual([APPROVER, null]);
  });

  it('when a re-sender names a file that matches several, or none, then the answer lists candidates and nothing is queued', async () => {
    await h.addPartner('acme', { feeds: ['price-lists'] });
    await h.put('outbound/acme/east/prices.csv', 'e');
    await h.put('outbound/feeds/price-lists/prices.csv', 'f');
    await h.put('outbound/feeds/compliance/prices.csv', 'not subscribed');

    const ambiguous = await command('/resend-file', RESENDER, 'acme prices.csv');
    expect(textOf(ambiguous)).toContain('matches 2 files');
    expect(textOf(ambiguous)).toContain('outbound/acme/east/prices.csv');
    expect(textOf(ambiguous)).toContain('outbound/feeds/price-lists/prices.csv');
    expect(textOf(ambiguous)).not.toContain('compliance');

    const unknown = await command('/resend-file', RESENDER, 'acme nothing-like-this.txt');
    expect(textOf(unknown)).toContain('No file');
    expect(textOf(unknown)).toContain('outbound/acme/east/prices.csv');
    expect(copies()).toBe(0);
    expect(await h.delivery.queues.deliver.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toBe(0);
  });

  it('when the file is traversal-shaped, has control characters or is another partner\'s, then it is refused', async () => {
    await h.addPartner('acme');
    await h.addPartner('acme-corp');
    await h.put('outbound/acme-corp/secret.csv', 's');
    for (const [file, expected] of [
      ['../acme-corp/secret.csv', 'refused'],
      ['reports/a\u0007b.csv', 'refused'],
      ['partners/acme-corp/secret.csv', 'No file'],
      ['outbound/acme-corp/secret.csv', 'No file'],
    ] as const) {
      const answer = await command('/resend-file', APPROVER, `acme ${file}`);
      expect(textOf(answer)).toContain(expected);
    }
    expect(copies()).toBe(0);
  });
});

describe('Resend button', () => {
  it('when a delivery failed, then an outsider\'s click is refused and an approver\'s click delivers the file once it is back', async () => {
    const thread = await h.addPartner('acme');
    const key = 'outbound/acme/late.csv';
    await enqueueDispatch(h.delivery.queues.dispatch, { key, versionId: 'vgone', etag: 'gone', source: 'manual' });
    const failure = await h.slack.waitFor((c) => c.body['thread_ts'] === thread && textOf(c).includes('Not delivered'));
    expect(textOf(failure)).toContain('the file was removed from outbound/ before it could be copied');
    const token = JSON.stringify(failure.body['blocks']).match(/"action_id":"delivery_resend".*?"value":"([0-9a-f]{40})"/)![1]!;
    const at = { channel: APPROVALS, ts: String(failure.answer!['ts']) };

    await postToBot(h.url, buttonClick(OUTSIDER, 'delivery_resend', token, at, h.slack.responseUrl('b1')), SIGNING_SECRET);
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === OUTSIDER);
    expect(textOf(refusal)).toContain(`Only approvers (<@${APPROVER}>) and re-senders (<@${RESENDER}>) may re-send files.`);

    await h.put(key, 'now it exists');
    await postToBot(h.url, buttonClick(APPROVER, 'delivery_resend', token, at, h.slack.responseUrl('b2')), SIGNING_SECRET);
    const ok = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === APPROVER);
    expect(textOf(ok)).toContain('Queued a re-send');
    await h.slack.waitFor((c) => c.body['thread_ts'] === thread && textOf(c).includes(`re-sent for <@${APPROVER}>`));
    expect(await h.exists('partners/acme/late.csv')).toBe(true);
  });
});

describe('/partner-status', () => {
  it('when asked about a partner, then it answers with status, feeds, times and the last ten deliveries; an unknown one is said so', async () => {
    await h.addPartner('acme', { feeds: ['price-lists', 'compliance'] });
    for (let i = 0; i < 11; i++) await h.put(`outbound/acme/f${String(i).padStart(2, '0')}.csv`, `file ${i}`);
    await h.pollNow();
    for (let i = 0; i < 11; i++) {
      const key = `outbound/acme/f${String(i).padStart(2, '0')}.csv`;
      await h.finished('deliver', deliverJobId({ key, versionId: versionOfContent(`file ${i}`), partnerId: 'acme' }));
    }

    const answer = await command('/partner-status', OUTSIDER, 'acme');
    const text = textOf(answer);
    expect(text).toContain('LIVE');
    expect(text).toContain('`price-lists`, `compliance`');
    expect(text).toContain('Last 10 deliveries');
    expect(text.match(/:white_check_mark:/g)).toHaveLength(10);
    expect(text).toMatch(/\*Verified\*\\n<!date\^/);

    expect(textOf(await command('/partner-status', OUTSIDER, 'nobody-here'))).toContain('There is no partner');
    expect(textOf(await command('/partner-status', OUTSIDER, 'Bad*Id'))).toContain('is not a partner id');
  });
});
