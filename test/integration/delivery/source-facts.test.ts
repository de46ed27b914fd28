/**
 * The source facts of a file travel with its deliveries: the dispatch job reads the version once
 * (HeadObject, ChecksumMode ENABLED) and every deliver job of the fan-out is one CopyObject checked
 * against them (src/aws/s3-copy-verified.ts). Real Redis and BullMQ, s3rver with the compat layer
 * answering CRC64NVME as S3 does (tools/local/s3.ts), versions emulated on the client.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDeliveries } from '../../../src/jobs/delivery/deliver.js';
import { deliverJobId, type DeliverPayload } from '../../../src/actions/delivery/contract.js';
import { crc64nvme } from '../../../tools/local/s3.js';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DELIVERIES, startDeliveryHarness, versionOfContent, type DeliveryHarness } from '../../support/delivery-harness.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

let h: DeliveryHarness;
beforeEach(async () => {
  h = await startDeliveryHarness();
});
afterEach(async () => {
  await h?.close();
});

const blocksText = (c: SlackCall) => JSON.stringify(c.body['blocks'] ?? '') + String(c.body['text'] ?? '');
const onPath = (prefix: string) => (r: { path: string }) => r.path.startsWith(`/partnergate-dist-test/${prefix}`);

/** What a dispatch of a file with no content headers and no user metadata carries. */
const NO_METADATA = { headers: {}, user: {} };

/** Queues one deliver job for acme's own folder, as a dispatch would (or an older one did). */
async function queueDelivery(key: string, versionId: string, extra: Partial<DeliverPayload> = {}): Promise<string> {
  const payload: DeliverPayload = {
    key, versionId, partnerId: 'acme', targetKey: key.replace('outbound/', 'partners/'), route: 'partner', origin: 'dispatch', ...extra,
  };
  await addDeliveries({ queues: h.delivery.queues, options: { deliverAttempts: 3 } }, [payload]);
  return deliverJobId(payload);
}

describe('source facts', () => {
  it('when a feed file fans out, then dispatch reads the source once and each delivery is exactly one CopyObject, with no HeadObject or GetObject', async () => {
    for (const id of ['dealer-a', 'dealer-b', 'dealer-c']) await h.addPartner(id, { feeds: ['price-lists'] });
    const key = 'outbound/feeds/price-lists/q4.csv';
    const version = await h.put(key, 'q4 prices\n');

    await h.pollNow();
    await h.slack.waitFor((c) => c.body['channel'] === DELIVERIES && blocksText(c).includes('delivered to 3 of 3 partners'));

    const crc = await crc64nvme('q4 prices\n');
    const job = await h.finished('deliver', deliverJobId({ key, versionId: version, partnerId: 'dealer-b' }));
    expect(job.data).toMatchObject({ source: { size: 10, crc64nvme: crc } });
    // The poll's look-up (no checksums) and the dispatch's one read of the facts; nothing per partner.
    const sourceHeads = h.requests.filter((r) => r.command === 'HeadObjectCommand' && onPath('outbound/')(r));
    expect(sourceHeads.map((r) => r.headers['x-amz-checksum-mode'] ?? 'none')).toEqual(['none', 'ENABLED']);
    const toPartners = h.requests.filter(onPath('partners/'));
    expect(toPartners.map((r) => r.command)).toEqual(['CopyObjectCommand', 'CopyObjectCommand', 'CopyObjectCommand']);
    expect(h.requests.some((r) => r.command === 'GetObjectCommand')).toBe(false);
    for (const copy of toPartners) {
      expect(copy.headers['x-amz-copy-source']).toBe(`partnergate-dist-test/${key}?versionId=${version}`);
      expect(copy.headers['x-amz-copy-source-if-match']).toBe(`"${version.slice(1)}"`);
    }
    const [record] = await h.store.history('dealer-b', 1);
    expect(record).toMatchObject({ outcome: 'delivered', size: 10, checksum: { algorithm: 'CRC64NVME', value: crc } });
  });

  it('when a file the pipeline tagged with its own metadata fans out, then each copy replaces it: only DELIVERY_METADATA_ALLOWLIST\'s keys and the content type, read once by the dispatch', async () => {
    await h.close();
    h = await startDeliveryHarness({ env: { DELIVERY_METADATA_ALLOWLIST: 'partner-ref' } });
    for (const id of ['dealer-a', 'dealer-b']) await h.addPartner(id, { feeds: ['price-lists'] });
    const key = 'outbound/feeds/price-lists/q1.csv';
    await h.s3.client.send(new PutObjectCommand({
      Bucket: h.s3.bucket, Key: key, Body: 'q1 prices\n', ContentType: 'text/csv',
      Metadata: { 'partner-ref': 'PO-17', 'internal-job': 'pricing-run-8812' },
    }));

    await h.pollNow();
    await h.slack.waitFor((c) => c.body['channel'] === DELIVERIES && blocksText(c).includes('delivered to 2 of 2 partners'));

    // The payload in Redis holds only what the copy is written with, none of the pipeline's other keys.
    const job = await h.finished('deliver', deliverJobId({ key, versionId: versionOfContent('q1 prices\n'), partnerId: 'dealer-a' }));
    expect(job.data.source.metadata).toEqual({ headers: { contentType: 'text/csv' }, user: { 'partner-ref': 'PO-17' } });
    const toPartners = h.requests.filter(onPath('partners/'));
    expect(toPartners.map((r) => r.command)).toEqual(['CopyObjectCommand', 'CopyObjectCommand']);
    for (const copy of toPartners) {
      expect(copy.headers).toMatchObject({ 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-partner-ref': 'PO-17', 'content-type': 'text/csv' });
      expect(Object.keys(copy.headers).filter((name) => name.startsWith('x-amz-meta-'))).toEqual(['x-amz-meta-partner-ref']);
    }
    const delivered = await h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/dealer-a/feeds/price-lists/q1.csv' }));
    expect(delivered.Metadata).toEqual({ 'partner-ref': 'PO-17' });
    expect(delivered.ContentType).toBe('text/csv');
  });

  it('when a deliver job was queued with facts but before they carried the metadata, then it reads the source once and still replaces the metadata', async () => {
    await h.addPartner('acme');
    await h.s3.client.send(new PutObjectCommand({
      Bucket: h.s3.bucket, Key: 'outbound/acme/older.csv', Body: 'older payload', ContentType: 'text/csv', Metadata: { 'internal-job': 'run-1' },
    }));
    const version = versionOfContent('older payload');
    const source = { etag: `"${version.slice(1)}"`, size: 13, crc64nvme: await crc64nvme('older payload') };

    const job = await h.finished('deliver', await queueDelivery('outbound/acme/older.csv', version, { source }));

    expect(job.returnvalue).toBe('delivered');
    expect(h.requests.map((r) => r.command)).toEqual(['HeadObjectCommand', 'CopyObjectCommand']);
    expect(h.requests[1]!.headers).toMatchObject({ 'x-amz-metadata-directive': 'REPLACE', 'content-type': 'text/csv' });
    expect(h.requests[1]!.headers['x-amz-meta-internal-job']).toBeUndefined();
  });

  it('when a deliver job was queued without source facts (before they existed), then it reads the source itself and delivers', async () => {
    await h.addPartner('acme');
    const version = await h.put('outbound/acme/old.csv', 'queued long ago');

    const job = await h.finished('deliver', await queueDelivery('outbound/acme/old.csv', version));

    expect(job.returnvalue).toBe('delivered');
    expect(h.requests.map((r) => `${r.command} ${r.path.split('/')[2]}`)).toEqual(['HeadObjectCommand outbound', 'CopyObjectCommand partners']);
  });

  it('when the carried ETag is stale, then the copy is refused (412), the source is read again and the file delivered', async () => {
    await h.addPartner('acme');
    const version = await h.put('outbound/acme/s.csv', 'current content');

    const job = await h.finished('deliver', await queueDelivery('outbound/acme/s.csv', version, { source: { etag: '"0123456789abcdef0123456789abcdef"', size: 15, metadata: NO_METADATA } }));

    expect(job.returnvalue).toBe('delivered');
    expect(h.requests.map((r) => r.command)).toEqual(['CopyObjectCommand', 'HeadObjectCommand', 'CopyObjectCommand']);
    expect(await h.exists('partners/acme/s.csv')).toBe(true);
  });

  it('when the CRC64NVME S3 returns for the copy differs from the carried one, then VERIFY_MISMATCH, retried, then reported in the thread', async () => {
    const acme = await h.addPartner('acme');
    const version = await h.put('outbound/acme/x.csv', 'what S3 holds');
    const source = { etag: `"${version.slice(1)}"`, size: 13, crc64nvme: await crc64nvme('what the payload claims'), metadata: NO_METADATA };

    const job = await h.finished('deliver', await queueDelivery('outbound/acme/x.csv', version, { source }));

    expect(job.failedReason).toMatch(/VERIFY_MISMATCH/);
    expect(job.attemptsMade).toBe(3);
    expect(h.requests.filter((r) => r.command === 'CopyObjectCommand')).toHaveLength(3);
    const failure = await h.slack.waitFor((c) => c.body['thread_ts'] === acme && blocksText(c).includes('Not delivered'));
    expect(blocksText(failure)).toContain('the copy did not match the original');
    expect(blocksText(failure)).not.toContain('VERIFY_MISMATCH');
    const [record] = await h.store.history('acme', 1);
    expect(record).toMatchObject({ outcome: 'failed', error: { code: 'VERIFY_MISMATCH' } });
  });
});
