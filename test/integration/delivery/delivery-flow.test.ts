/**
 * File delivery end to end: the poll and SQS sources, dispatch, deliver, receipts and failures in
 * partner threads, fan-out summaries — real Redis and BullMQ, a local S3 (s3rver, versions
 * emulated on the client), the notify worker against a fake Slack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsSource } from '../../../src/jobs/delivery/sqs-source.js';
import { enqueueDispatch } from '../../../src/jobs/delivery/dispatch.js';
import { deliverJobId, dispatchJobId } from '../../../src/actions/delivery/contract.js';
import { deliveryHash } from '../../../src/domain/delivery.js';
import { createLogger } from '../../../src/logger.js';
import { TEST_KMS_KEY_ARN } from '../../../tools/local/s3.js';
import { failNthCall, s3Error } from '../../support/s3-client.js';
import { DELIVERIES, startDeliveryHarness, versionOfContent, type DeliveryHarness } from '../../support/delivery-harness.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

let h: DeliveryHarness;
afterEach(async () => {
  await h?.close();
});

const blocksText = (c: SlackCall) => JSON.stringify(c.body['blocks'] ?? '') + String(c.body['text'] ?? '');
const inThread = (ts: string, needle: string) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.body['thread_ts'] === ts && blocksText(c).includes(needle);
const inDeliveries = (needle: string) => (c: SlackCall) =>
  c.method === 'chat.postMessage' && c.body['channel'] === DELIVERIES && blocksText(c).includes(needle);

describe('delivery', () => {
  beforeEach(async () => {
    h = await startDeliveryHarness();
  });

  it('when a file is dropped in a partner folder, then a poll delivers it and the receipt lands in that partner\'s thread only', async () => {
    const acme = await h.addPartner('acme');
    const acmeCorp = await h.addPartner('acme-corp');
    const version = await h.put('outbound/acme/prices/2024-06.csv', 'sku,price\n1,9.99\n');

    const polled = await h.pollNow();
    expect(polled).toMatchObject({ listed: 1, looked: 1, dispatched: 1 });
    const job = await h.finished('deliver', deliverJobId({ key: 'outbound/acme/prices/2024-06.csv', versionId: version, partnerId: 'acme' }));
    expect(job.returnvalue).toBe('delivered');

    const receipt = await h.slack.waitFor(inThread(acme, 'partners/acme/prices/2024-06.csv'));
    expect(receipt.body['channel']).toBe('C0APPROVALS');
    const text = blocksText(receipt);
    expect(text).toContain('outbound/acme/prices/2024-06.csv');
    expect(text).toContain('17 B · ');
    expect(text).not.toContain('bytes');
    expect(text).toMatch(/CRC64NVME|SHA256/);
    expect(await h.exists('partners/acme/prices/2024-06.csv')).toBe(true);
    expect(await h.exists('partners/acme-corp/prices/2024-06.csv')).toBe(false);
    expect(h.threadPosts(acmeCorp)).toEqual([]);

    // The copy is pinned to the version HeadObject found, encrypted with the platform key, checksummed.
    const copies = h.requests.filter((r) => r.command === 'CopyObjectCommand');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers['x-amz-copy-source']).toBe(`partnergate-dist-test/outbound/acme/prices/2024-06.csv?versionId=${version}`);
    expect(copies[0]!.headers['x-amz-checksum-algorithm']).toBe('CRC64NVME');
    expect(copies[0]!.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(copies[0]!.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(TEST_KMS_KEY_ARN);
    expect(copies[0]!.path).toContain('/partners/acme/prices/2024-06.csv');

    // Kept for /partner-status, and measured.
    const [last] = await h.store.history('acme', 10);
    expect(last).toMatchObject({ outcome: 'delivered', key: 'outbound/acme/prices/2024-06.csv', versionId: version, size: 17 });
    const latency = await h.metrics.registry.getSingleMetricAsString('partnergate_delivery_latency_seconds');
    expect(latency).toMatch(/partnergate_delivery_latency_seconds_count\{route="partner"\} 1/);
  });

  it('when a poll runs again over unchanged keys, then it looks nothing up and dispatches nothing', async () => {
    await h.addPartner('acme');
    const va = await h.put('outbound/acme/a.csv', 'a');
    const vb = await h.put('outbound/acme/b.csv', 'b');
    expect(await h.pollNow()).toMatchObject({ listed: 2, looked: 2, dispatched: 2 });
    for (const [name, v] of [['a', va], ['b', vb]] as const) {
      await h.finished('deliver', deliverJobId({ key: `outbound/acme/${name}.csv`, versionId: v, partnerId: 'acme' }));
    }
    const heads = () => h.requests.filter((r) => r.command === 'HeadObjectCommand').length;
    const before = heads();

    expect(await h.pollNow()).toMatchObject({ listed: 2, looked: 0, dispatched: 0 });
    expect(heads()).toBe(before);

    await h.put('outbound/acme/b.csv', 'b, changed');
    expect(await h.pollNow()).toMatchObject({ listed: 2, looked: 1, dispatched: 1 });
  });

  it('when a feed file is published, then every subscriber gets it, a non-subscriber does not, and one summary goes to the deliveries channel', async () => {
    const a = await h.addPartner('dealer-a', { feeds: ['price-lists'] });
    const b = await h.addPartner('dealer-b', { feeds: ['price-lists', 'compliance'] });
    const c = await h.addPartner('dealer-c', { feeds: ['parts-catalogs'] });
    const key = 'outbound/feeds/price-lists/2024/q3.csv';
    await h.put(key, 'q3 prices');

    await h.pollNow();
    const summary = await h.slack.waitFor(inDeliveries('delivered to 2 of 2 partners'));
    expect(blocksText(summary)).toContain('price-lists');
    await h.slack.waitFor(inThread(a, 'partners/dealer-a/feeds/price-lists/2024/q3.csv'));
    await h.slack.waitFor(inThread(b, 'partners/dealer-b/feeds/price-lists/2024/q3.csv'));
    expect(await h.exists('partners/dealer-a/feeds/price-lists/2024/q3.csv')).toBe(true);
    expect(await h.exists('partners/dealer-b/feeds/price-lists/2024/q3.csv')).toBe(true);
    expect(await h.exists('partners/dealer-c/feeds/price-lists/2024/q3.csv')).toBe(false);
    expect(h.threadPosts(c)).toEqual([]);
    expect(h.slack.calls('chat.postMessage').filter(inDeliveries('q3.csv'))).toHaveLength(1);
  });

  it('when a subscriber is not LIVE yet, then its copy waits and arrives when it goes LIVE; a partner onboarded after the publication gets the backfill', async () => {
    await h.addPartner('early-live', { feeds: ['compliance'] });
    const pending = await h.addPartner('pending-co', { status: 'verifying', feeds: ['compliance'] });
    const key = 'outbound/feeds/compliance/policy.pdf';
    await h.put(key, 'policy v1');
    await h.put('outbound/late-co/welcome.txt', 'hello late-co');

    await h.pollNow();
    await h.slack.waitFor(inDeliveries('delivered to 1 of 1 partners; 1 more when they go LIVE'));
    expect(await h.exists('partners/pending-co/feeds/compliance/policy.pdf')).toBe(false);
    expect((await h.store.parked('pending-co')).size).toBe(1);

    await h.setStatus('pending-co', 'live');
    await h.delivery.onLive('pending-co');
    await h.slack.waitFor(inThread(pending, 'partners/pending-co/feeds/compliance/policy.pdf'));
    expect(await h.exists('partners/pending-co/feeds/compliance/policy.pdf')).toBe(true);
    expect((await h.store.parked('pending-co')).size).toBe(0);

    // A partner that did not exist at publication time: the backfill brings the feed file and its own folder.
    const late = await h.addPartner('late-co', { status: 'verifying', feeds: ['compliance'] });
    await h.setStatus('late-co', 'live');
    await h.delivery.onLive('late-co');
    await h.slack.waitFor(inThread(late, 'partners/late-co/feeds/compliance/policy.pdf'));
    await h.slack.waitFor(inThread(late, 'partners/late-co/welcome.txt'));
    expect(await h.exists('partners/late-co/welcome.txt')).toBe(true);
    // pending-co's copy happened once: the backfill of late-co did not touch it.
    expect((await h.store.history('pending-co', 10)).length).toBe(1);
  });

  it('when a live partner is quarantined, then its files are parked, not delivered, and go out once it is released', async () => {
    const acme = await h.addPartner('acme', { feeds: ['price-lists'] });
    await h.partners.apply('acme', 'quarantined', { updatedAt: new Date().toISOString() });
    await h.put('outbound/acme/prices.csv', 'sku,price');
    await h.put('outbound/feeds/price-lists/all.csv', 'everything');
    await h.pollNow();
    await h.slack.waitFor(inDeliveries('delivered to 0 of 0 partners; 1 more when they go LIVE'));
    expect((await h.store.parked('acme')).size).toBe(2);
    expect(await h.exists('partners/acme/prices.csv')).toBe(false);
    expect(await h.exists('partners/acme/feeds/price-lists/all.csv')).toBe(false);

    await h.partners.apply('acme', 'released', { updatedAt: new Date().toISOString() });
    await h.delivery.onLive('acme', 'released-test');
    await h.slack.waitFor(inThread(acme, 'partners/acme/prices.csv'));
    await h.slack.waitFor(inThread(acme, 'partners/acme/feeds/price-lists/all.csv'));
    expect((await h.store.parked('acme')).size).toBe(0);
  });

  it('when a queued job names another partner\'s home, or a feed the partner left, then the deliver job refuses it and copies nothing', async () => {
    await h.addPartner('acme');
    await h.addPartner('rival');
    const pending = await h.addPartner('leaver', { status: 'verifying', feeds: ['compliance'] });
    const own = await h.put('outbound/acme/a.csv', 'acme only');
    const feedKey = 'outbound/feeds/compliance/policy.pdf';
    await h.put(feedKey, 'policy');

    // A job whose target points outside the partner's home (a forged or corrupted payload).
    const forged = { key: 'outbound/acme/a.csv', versionId: own, partnerId: 'rival', targetKey: 'partners/rival/a.csv', route: 'partner' as const, origin: 'dispatch' as const };
    await h.delivery.queues.deliver.add('deliver', forged, { jobId: 'forged-1' });
    expect((await h.finished('deliver', 'forged-1')).returnvalue).toBe('not-deliverable');
    const crossed = { ...forged, partnerId: 'acme', targetKey: 'partners/rival/a.csv' };
    await h.delivery.queues.deliver.add('deliver', crossed, { jobId: 'forged-2' });
    expect((await h.finished('deliver', 'forged-2')).returnvalue).toBe('not-deliverable');
    expect(await h.exists('partners/rival/a.csv')).toBe(false);

    // A feed copy parked while the partner was not LIVE; it unsubscribes before going LIVE.
    await h.pollNow();
    await h.slack.waitFor(inDeliveries('1 more when they go LIVE'));
    expect((await h.store.parked('leaver')).size).toBe(1);
    await h.partners.update('leaver', (r) => ({ ...r, feeds: [] }));
    await h.setStatus('leaver', 'live');
    await h.delivery.onLive('leaver');
    await expect.poll(async () => (await h.store.parked('leaver')).size).toBe(0);
    await expect.poll(async () => (await h.delivery.queues.deliver.getJobs(['completed'])).filter((j) => j.data.partnerId === 'leaver').map((j) => j.returnvalue)).toEqual(['not-deliverable']);
    expect(await h.exists('partners/leaver/feeds/compliance/policy.pdf')).toBe(false);
    expect(h.threadPosts(pending)).toEqual([]);
    expect(h.requests.filter((r) => r.command === 'CopyObjectCommand').map((r) => r.path)).toEqual([expect.stringContaining('/partners/acme/a.csv')]);
  });

  it('when the same version comes from the SQS event and the poll, then it is delivered once; a new version is delivered again', async () => {
    const acme = await h.addPartner('acme');
    const key = 'outbound/acme/price list+2024.csv';
    const v1 = await h.put(key, 'first');

    const sqs = mockClient(SQSClient);
    const event = (etag: string, versionId: string) => ({
      MessageId: `m-${versionId}`, ReceiptHandle: `rh-${versionId}`,
      Body: JSON.stringify({
        Records: [{
          eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(),
          s3: { bucket: { name: h.s3.bucket }, object: { key: 'outbound/acme/price+list%2B2024.csv', size: 5, eTag: etag, versionId } },
        }],
      }),
    });
    const md5 = (v: string) => v.slice(1);
    const v2 = versionOfContent('second');
    sqs.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [event(md5(v1), v1)] })
      .resolvesOnce({ Messages: [event(md5(v2), v2)] })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const source = createSqsSource({
      sqs: new SQSClient({ region: 'eu-west-1' }), queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/q', bucket: h.s3.bucket,
      enqueueDispatch: (p) => enqueueDispatch(h.delivery.queues.dispatch, p), logger: createLogger('silent'),
    });
    expect(await source.receiveOnce()).toBe(1);
    await h.finished('dispatch', dispatchJobId({ key, versionId: v1 }));
    await h.pollNow();
    await h.finished('deliver', deliverJobId({ key, versionId: v1, partnerId: 'acme' }));
    await h.slack.waitFor(inThread(acme, 'partners/acme/price list+2024.csv'));

    expect(await h.put(key, 'second')).toBe(v2);
    await h.pollNow();
    const second = await h.finished('deliver', deliverJobId({ key, versionId: v2, partnerId: 'acme' }));
    expect(second.returnvalue).toBe('delivered');
    // And the late SQS event for v2 changes nothing.
    await source.receiveOnce();
    await h.finished('dispatch', dispatchJobId({ key, versionId: v2 }));
    expect(await h.delivery.queues.dispatch.getJobCountByTypes('completed')).toBe(2);

    const history = await h.store.history('acme', 10);
    expect(history.map((r) => r.versionId)).toEqual([v2, v1]);
    expect(h.requests.filter((r) => r.command === 'CopyObjectCommand')).toHaveLength(2);
    sqs.restore();
  });

  it('when the source is gone before the copy, then the partner\'s thread gets the failure with a Resend button and no retries are spent', async () => {
    const acme = await h.addPartner('acme');
    const key = 'outbound/acme/vanished.csv';
    await enqueueDispatch(h.delivery.queues.dispatch, { key, versionId: 'vgone', etag: 'gone', source: 'manual' });
    const job = await h.finished('deliver', deliverJobId({ key, versionId: 'vgone', partnerId: 'acme' }));
    expect(job.failedReason).toMatch(/SOURCE_MISSING/);
    expect(job.attemptsMade).toBe(1);

    const failure = await h.slack.waitFor(inThread(acme, 'Not delivered'));
    expect(blocksText(failure)).toContain('the file was removed from outbound/ before it could be copied');
    expect(blocksText(failure)).toContain('Ask the team that publishes it to publish it again');
    expect(blocksText(failure)).not.toContain('SOURCE_MISSING');
    const button = JSON.stringify(failure.body['blocks']).match(/"action_id":"delivery_resend".*?"value":"([0-9a-f]{40})"/);
    expect(button).not.toBeNull();
    const [last] = await h.store.history('acme', 1);
    expect(last).toMatchObject({ outcome: 'failed', error: { code: 'SOURCE_MISSING' } });
  });

  it('when keys are traversal-shaped or carry control characters, then they are reported once and nothing is copied', async () => {
    for (const key of ['outbound/acme/../other/x.csv', 'outbound/acme/a\u0007b.csv', 'outbound/acme//x.csv', 'outbound/stray.csv']) {
      await enqueueDispatch(h.delivery.queues.dispatch, { key, etag: 'e1', source: 'manual' });
      const job = await h.finished('dispatch', dispatchJobId({ key, etag: 'e1' }));
      expect(job.returnvalue).toBe('unroutable');
    }
    await h.slack.waitForCount(inDeliveries('Not delivered'), 4);
    // Seen again after BullMQ forgot the job: the Redis record keeps it from being reported twice.
    await (await h.delivery.queues.dispatch.getJob(dispatchJobId({ key: 'outbound/stray.csv', etag: 'e1' })))!.remove();
    await enqueueDispatch(h.delivery.queues.dispatch, { key: 'outbound/stray.csv', etag: '"e1"', source: 'sqs' });
    expect((await h.finished('dispatch', dispatchJobId({ key: 'outbound/stray.csv', etag: 'e1' }))).returnvalue).toBe('duplicate');
    expect(h.slack.calls('chat.postMessage').filter(inDeliveries('Not delivered'))).toHaveLength(4);
    expect(h.requests.filter((r) => r.command === 'CopyObjectCommand')).toEqual([]);
    expect(await h.delivery.queues.deliver.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
  });
});

describe('receipts', () => {
  it('when several files reach one thread within the window, then they are posted as one message', async () => {
    h = await startDeliveryHarness({ options: { receiptWindowMs: 10 * 60_000 } });
    const acme = await h.addPartner('acme');
    const versions = [];
    for (const name of ['a.csv', 'b.csv', 'c.csv']) versions.push([name, await h.put(`outbound/acme/${name}`, name)] as const);
    await h.pollNow();
    for (const [name, v] of versions) await h.finished('deliver', deliverJobId({ key: `outbound/acme/${name}`, versionId: v, partnerId: 'acme' }));

    const delayed = (await h.delivery.queues.deliver.getDelayed()).filter((j) => j.name === 'flush-receipts');
    expect(delayed).toHaveLength(1);
    await delayed[0]!.promote();
    const combined = await h.slack.waitFor(inThread(acme, 'Delivered 3 files'));
    for (const name of ['a.csv', 'b.csv', 'c.csv']) expect(blocksText(combined)).toContain(`partners/acme/${name}`);
    await h.finished('deliver', delayed[0]!.id!);
    expect(h.threadPosts(acme)).toHaveLength(1);
  });

  it('when a delivery was recorded but its run died before scheduling the thread\'s flush, then the retry schedules it and the receipt is posted', async () => {
    h = await startDeliveryHarness();
    const acme = await h.addPartner('acme');
    const key = 'outbound/acme/crash.csv';
    const version = await h.put(key, 'crash');
    const payload = { key, versionId: version, partnerId: 'acme', targetKey: 'partners/acme/crash.csv', route: 'partner' as const, origin: 'dispatch' as const };
    // What the dead run left: the copy recorded, the receipt waiting and flagged, no flush job.
    const record = { outcome: 'delivered' as const, at: new Date().toISOString(), partnerId: 'acme', key, versionId: version, targetKey: payload.targetKey, size: 5, checksum: { algorithm: 'SHA256' as const, value: 'x' }, multipart: false };
    const recorded = await h.store.recordDelivery(deliveryHash(payload, 'acme'), record, { flagTtlSeconds: 600 });
    expect(recorded.flushGen).not.toBeNull();
    expect((await h.delivery.queues.deliver.getDelayed()).filter((j) => j.name === 'flush-receipts')).toHaveLength(0);

    // BullMQ runs the stalled job again.
    await h.delivery.queues.deliver.add('deliver', payload, { jobId: deliverJobId(payload) });
    expect((await h.finished('deliver', deliverJobId(payload))).returnvalue).toBe('already-delivered');
    await h.slack.waitFor(inThread(acme, 'partners/acme/crash.csv'));
    expect(h.requests.filter((r) => r.command === 'CopyObjectCommand')).toHaveLength(0);
  });

  it('when a feed fans out above the threshold, then the threads get nothing and the summary says all', async () => {
    h = await startDeliveryHarness({ threshold: 2 });
    const threads = [];
    for (const id of ['bulk-a', 'bulk-b', 'bulk-c']) threads.push(await h.addPartner(id, { feeds: ['parts-catalogs'] }));
    await h.put('outbound/feeds/parts-catalogs/catalog.xml', '<catalog/>');
    await h.pollNow();
    await h.slack.waitFor(inDeliveries('delivered to 3 of 3 partners'));

    for (const id of ['bulk-a', 'bulk-b', 'bulk-c']) {
      expect(await h.exists(`partners/${id}/feeds/parts-catalogs/catalog.xml`)).toBe(true);
      expect(await h.store.history(id, 10)).toHaveLength(1);
      expect(await h.redis.llen(h.store.k.receipts(id))).toBe(0);
    }
    expect((await h.delivery.queues.deliver.getJobs(['delayed', 'waiting', 'completed'])).filter((j) => j.name === 'flush-receipts')).toEqual([]);
    for (const t of threads) expect(h.threadPosts(t)).toEqual([]);
  });

  it('when the copy threshold is lowered, then a larger file is copied in parts and the receipt says so in the history', async () => {
    h = await startDeliveryHarness({ multipartThreshold: 5 * 1024 * 1024 });
    const acme = await h.addPartner('acme');
    const body = Buffer.alloc(11 * 1024 * 1024, 7);
    await h.put('outbound/acme/big.bin', body);
    await h.pollNow();
    await h.slack.waitFor(inThread(acme, 'partners/acme/big.bin'));
    const [record] = await h.store.history('acme', 1);
    expect(record).toMatchObject({ outcome: 'delivered', size: body.length, multipart: true });
    expect(h.requests.filter((r) => r.command === 'UploadPartCopyCommand').length).toBeGreaterThanOrEqual(2);
  });
});

describe('retries', () => {
  beforeEach(async () => {
    h = await startDeliveryHarness();
  });

  it('when S3 answers 503 SlowDown, then the copy is retried with backoff and delivered; AccessDenied fails at once with the button', async () => {
    const acme = await h.addPartner('acme');
    // Copy calls: 1 throttled, 2 its retry, 3 the second file's (denied). The outer fault sees all three.
    failNthCall(h.deliveryClient, 'CopyObjectCommand', 3, s3Error('AccessDenied', 403, 'Access Denied'));
    failNthCall(h.deliveryClient, 'CopyObjectCommand', 1, s3Error('SlowDown', 503, 'Please reduce your request rate.'));
    const v1 = await h.put('outbound/acme/slow.csv', 'slow');
    await h.pollNow();
    const slow = await h.finished('deliver', deliverJobId({ key: 'outbound/acme/slow.csv', versionId: v1, partnerId: 'acme' }));
    expect(slow.returnvalue).toBe('delivered');
    expect(slow.attemptsMade).toBe(2); // the throttled attempt and the one that delivered
    await h.slack.waitFor(inThread(acme, 'partners/acme/slow.csv'));

    const v2 = await h.put('outbound/acme/denied.csv', 'denied');
    await h.pollNow();
    const denied = await h.finished('deliver', deliverJobId({ key: 'outbound/acme/denied.csv', versionId: v2, partnerId: 'acme' }));
    expect(denied.failedReason).toMatch(/AccessDenied/);
    expect(denied.attemptsMade).toBe(1);
    const failure = await h.slack.waitFor(inThread(acme, 'Not delivered'));
    expect(blocksText(failure)).toContain('AWS refused the bot');
    expect(blocksText(failure)).not.toContain('AccessDenied');
    expect(blocksText(failure)).toContain('delivery_resend');
    const errors = await h.metrics.registry.getSingleMetricAsString('partnergate_aws_errors_total');
    expect(errors).toContain('code="SlowDown"');
    expect(errors).toContain('code="AccessDenied"');
  });
});

describe('sources', () => {
  it('when the delivery workers start twice, then one poll scheduler exists at POLL_INTERVAL_SECONDS', async () => {
    h = await startDeliveryHarness();
    await h.delivery.start();
    await h.delivery.start();
    const schedulers = await h.delivery.queues.poll.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'poll-outbound', every: 3_600_000 });
  });
});
