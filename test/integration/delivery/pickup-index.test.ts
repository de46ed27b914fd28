/**
 * The deliver job records each delivery for proof of pickup (docs/pickups.md): the copy's ETag names
 * it, so Transfer's download event for that ETag is matched to it; a download event that arrived
 * before the delivery was recorded is matched when it is, and posted once. Real Redis and BullMQ,
 * s3rver, the notify worker on the fake Slack.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverJobId } from '../../../src/actions/delivery/contract.js';
import { systemClock } from '../../../src/actions/ports.js';
import { deliveryHash } from '../../../src/domain/delivery.js';
import { createLogger } from '../../../src/logger.js';
import { handlePickupMessage, type PickupDeps } from '../../../src/jobs/platform-events/index.js';
import { PickupStore } from '../../../src/store/pickups.js';
import { startDeliveryHarness, type DeliveryHarness } from '../../support/delivery-harness.js';
import { ACCOUNT, SERVER, TRANSFER_ROLE_ARN, sftpDownload } from '../../../tools/local/pickup-events.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

let h: DeliveryHarness;
let deps: PickupDeps;
let store: PickupStore;
beforeEach(async () => {
  h = await startDeliveryHarness();
  store = new PickupStore(h.redis, h.prefix);
  deps = {
    redis: h.redis, prefix: h.prefix, partners: h.partners, notify: h.notify, audit: async () => undefined, clock: systemClock, logger: createLogger('silent'),
    scope: { accountId: ACCOUNT, transferServerId: SERVER, bucket: h.s3.bucket, partnerRolePrefix: 'partnergate-partner-', transferRoleArn: TRANSFER_ROLE_ARN },
  };
});
afterEach(async () => {
  await h?.close();
});

const CONTENT = 'sku,price\n1,9.99\n';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const pickedUp = (ts: string, key: string) => (c: SlackCall) => c.method === 'chat.postMessage' && c.body['thread_ts'] === ts && c.body['text'] === `Picked up: ${key} by SFTP`;
const download = (bucket: string, etag: string) => JSON.stringify(sftpDownload({ user: 'acme', path: `/${bucket}/partners/acme/prices.csv`, etag: `"${etag}"`, bytes: CONTENT.length }));

describe('deliveries recorded for pickups', () => {
  it('when a file is delivered, then it is open until a download of the copy’s ETag is matched to it', async () => {
    const thread = await h.addPartner('acme');
    const version = await h.put('outbound/acme/prices.csv', CONTENT);
    await h.pollNow();
    await h.finished('deliver', deliverJobId({ key: 'outbound/acme/prices.csv', versionId: version, partnerId: 'acme' }));
    const dh = deliveryHash({ key: 'outbound/acme/prices.csv', versionId: version }, 'acme');
    expect(await store.deliveryOf('acme', 'partners/acme/prices.csv', md5(CONTENT))).toMatchObject({ dh, etag: md5(CONTENT), size: CONTENT.length, key: 'outbound/acme/prices.csv' });
    expect((await store.openDeliveries('acme')).map((d) => d.dh)).toEqual([dh]);
    expect(await handlePickupMessage(deps, download(h.s3.bucket, 'not-the-copy'))).toBe('unmatched');
    expect(await handlePickupMessage(deps, download(h.s3.bucket, md5(CONTENT)))).toBe('recorded');
    await h.slack.waitFor(pickedUp(thread, 'partners/acme/prices.csv'));
    expect(await store.openDeliveries('acme')).toEqual([]);
  });

  it('when the download event arrives before the delivery is recorded, then the deliver job matches it and the thread hears of it once', async () => {
    const thread = await h.addPartner('acme');
    expect(await handlePickupMessage(deps, download(h.s3.bucket, md5(CONTENT)))).toBe('unmatched');
    const version = await h.put('outbound/acme/prices.csv', CONTENT);
    await h.pollNow();
    await h.finished('deliver', deliverJobId({ key: 'outbound/acme/prices.csv', versionId: version, partnerId: 'acme' }));
    await h.slack.waitFor(pickedUp(thread, 'partners/acme/prices.csv'));
    const dh = deliveryHash({ key: 'outbound/acme/prices.csv', versionId: version }, 'acme');
    expect((await store.firstPickup(dh))?.delivery?.dh).toBe(dh);
    expect(await handlePickupMessage(deps, download(h.s3.bucket, md5(CONTENT)))).toBe('duplicate');
    expect(h.slack.accepted('chat.postMessage').filter(pickedUp(thread, 'partners/acme/prices.csv'))).toHaveLength(1);
  });
});
