/**
 * Proof of pickup through the worker role's wiring (issue 17 items 1, 2, 4): pickup events on the
 * platform events queue (SQS through aws-sdk-client-mock), real Redis, the notify worker on the fake
 * Slack server, an injected clock for the coalescing. A pickup is a reply in the partner's thread;
 * a burst makes one Slack call at once and at most one a minute after; duplicates, bad input and a
 * failure in the middle count nothing twice; a quiet fan-out's summary says who picked it up.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pickupDeps } from '../../src/container/workers.js';
import type { Clock } from '../../src/actions/ports.js';
import { flushDuePickups, handlePickupMessage, recordEarlyPickups, type PickupDeps } from '../../src/jobs/platform-events/index.js';
import { PickupStore, type DeliveredFile } from '../../src/store/pickups.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { fanoutSummaryRef } from '../../src/bot/messages/ids.js';
import type { PickupRecord } from '../../src/domain/pickup-events.js';
import { until } from '../support/notify-outbox.js';
import { partnerRecord } from '../support/ports.js';
import { startPlatformEventsRig, type PlatformEventsRig } from '../support/platform-events-rig.js';
import type { SlackWorkerRig } from '../support/worker-rig.js';
import { s3GetObject, sftpDownload } from '../../tools/local/pickup-events.js';

const DELIVERIES = 'C0DELIVERIES';
const T0 = Date.parse('2026-12-06T14:03:00.000Z');

let t: PlatformEventsRig<SlackWorkerRig>;
let now: number;
let deps: PickupDeps;
let store: PickupStore;
const clock: Clock = { now: () => new Date(now) };

beforeEach(async () => {
  now = T0;
  t = await startPlatformEventsRig('pk', { slack: true, env: { DELIVERIES_CHANNEL: DELIVERIES }, overrides: () => ({ clock }) });
  deps = pickupDeps(t.c);
  store = new PickupStore(t.redis, t.prefix);
});
afterEach(async () => {
  await t.close();
});

/** A delivery as the deliver job records it for pickups. */
function delivered(partnerId: string, name: string, o: Partial<DeliveredFile> = {}): DeliveredFile {
  return {
    dh: `dh-${partnerId}-${name}`.padEnd(40, '0'), partnerId, key: `outbound/${partnerId}/${name}`, versionId: 'v1', targetKey: `partners/${partnerId}/${name}`,
    etag: `etag-${name}`, size: 1024, at: new Date(now - 60_000).toISOString(), feed: null, fanout: null, quiet: false, ...o,
  };
}

const outboxEmpty = async () => (await t.redis.keys(`${t.prefix}:outbox:*`)).length === 0 && (await t.redis.keys(`${t.prefix}:outbox-job:*`)).length === 0;
const texts = (ts: string) => t.replies(ts).map((call) => String(call.body['text']));

describe('pickups in the partner’s thread', () => {
  it('when a partner downloads a delivered file over SFTP, then a reply in its thread says so within the same receive, and the pickup is audited and counted', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    expect(await t.deliver(sftpDownload({ user: 'acme', key: 'partners/acme/price-list.csv', etag: '"etag-price-list.csv"', bytes: 1024 }))).toBe(1);
    await until('the reply', async () => t.replies(ts).length === 1);
    expect(texts(ts)).toEqual(['Picked up: partners/acme/price-list.csv by SFTP']);
    const block = JSON.stringify(t.replies(ts)[0]!.body['blocks']);
    expect(block).toContain('`partners/acme/price-list.csv` picked up <!date^');
    expect(block).toContain('by SFTP, complete (1 KB of 1 KB) from 203.0.113.7');
    expect(t.audits).toEqual([expect.objectContaining({ type: 'pickup.recorded', partnerId: 'acme', details: expect.objectContaining({ channel: 'sftp', outcome: 'complete', bytes: 1024, size: 1024 }) })]);
    expect(await t.c.metrics.pickups.get()).toMatchObject({ values: [{ labels: { channel: 'sftp', outcome: 'complete' }, value: 1 }] });
    expect((await store.firstPickup(delivered('acme', 'price-list.csv').dh))?.outcome).toBe('complete');
    expect(await store.openDeliveries('acme')).toEqual([]);
    expect((await store.lastPickup('acme'))?.targetKey).toBe('partners/acme/price-list.csv');
  });

  it('when pickups follow within the minute, then they wait for one reply at the minute’s end: one Slack call at once, one after (injected clock)', async () => {
    const ts = await t.livePartner('acme');
    for (const name of ['a.csv', 'b.csv', 'c.csv']) await store.indexDelivery(delivered('acme', name));
    await t.deliver(sftpDownload({ user: 'acme', key: 'partners/acme/a.csv', etag: 'etag-a.csv', session: 's1' }));
    now = T0 + 10_000;
    await t.deliver(sftpDownload({ user: 'acme', key: 'partners/acme/b.csv', etag: 'etag-b.csv', session: 's2' }));
    now = T0 + 20_000;
    await t.deliver(s3GetObject({ partner: 'acme', key: 'partners/acme/c.csv' }));
    now = T0 + 59_999;
    expect(await flushDuePickups(deps)).toBe(0);
    await until('the outbox drained', outboxEmpty);
    expect(texts(ts)).toEqual(['Picked up: partners/acme/a.csv by SFTP']);
    now = T0 + 60_000;
    expect(await flushDuePickups(deps)).toBe(1);
    await until('the second reply', async () => t.replies(ts).length === 2);
    expect(texts(ts)[1]).toBe('2 pickups');
    expect(JSON.stringify(t.replies(ts)[1]!.body['blocks'])).toMatch(/b\.csv.*by SFTP, complete.*c\.csv.*by S3, complete/s);
    // A pickup right after that call waits a minute from it, not from the first.
    now = T0 + 61_000;
    await store.indexDelivery(delivered('acme', 'd.csv'));
    await t.deliver(sftpDownload({ user: 'acme', key: 'partners/acme/d.csv', etag: 'etag-d.csv', session: 's4' }));
    now = T0 + 119_999;
    expect(await flushDuePickups(deps)).toBe(0);
    now = T0 + 120_000;
    expect(await flushDuePickups(deps)).toBe(1);
    await until('the third reply', async () => t.replies(ts).length === 3);
  });

  it('when a download fails or reads fewer bytes than were delivered, then the reply says so with the reason; the file stays open', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'big.bin', { size: 4096 }));
    await t.deliver(sftpDownload({ user: 'acme', key: 'partners/acme/big.bin', etag: 'etag-big.bin', failed: true, failureMessage: 'Connection <reset> by peer', bytes: 512 }));
    await until('the reply', async () => t.replies(ts).length === 1);
    expect(texts(ts)).toEqual(['Download failed: partners/acme/big.bin']);
    const block = JSON.stringify(t.replies(ts)[0]!.body['blocks']);
    expect(block).toContain('download failed');
    expect(block).toContain('PARTIAL_DOWNLOAD: Connection &lt;reset&gt; by peer; 512 of 4096 bytes');
    expect((await store.openDeliveries('acme')).map((d) => d.dh)).toEqual([delivered('acme', 'big.bin').dh]);
    expect(await t.c.metrics.pickups.get()).toMatchObject({ values: [{ labels: { channel: 'sftp', outcome: 'failed' }, value: 1 }] });
  });

  it('when an S3 pull reads the object in ranges, then the range that completes it is the pickup; the ranges before it post nothing', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'big.bin', { size: 16 }));
    await t.deliver(
      s3GetObject({ partner: 'acme', key: 'partners/acme/big.bin', range: 'bytes=0-7', bytes: 8 }),
      s3GetObject({ partner: 'acme', key: 'partners/acme/big.bin', range: 'bytes=8-15', bytes: 8 }),
    );
    await until('the reply', async () => t.replies(ts).length === 1);
    expect(texts(ts)).toEqual(['Picked up: partners/acme/big.bin by S3']);
    expect((await store.pickupsOf('acme', 'partners/acme/big.bin')).map((p) => p.outcome)).toEqual(['complete', 'partial']);
  });
});

describe('counted once', () => {
  it('when the same event arrives 10,000 times (and under other EventBridge ids), then one pickup is recorded, audited, counted and posted', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    const body = JSON.stringify(sftpDownload({ user: 'acme', key: 'partners/acme/price-list.csv', etag: 'etag-price-list.csv', id: 'eb-1' }));
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 10_000; i += 1) {
      const text = i % 100 === 99 ? JSON.stringify(sftpDownload({ user: 'acme', key: 'partners/acme/price-list.csv', etag: 'etag-price-list.csv', id: `eb-${i}` })) : body;
      const outcome = await handlePickupMessage(deps, text, `m${i}`);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ recorded: 1, duplicate: 9_999 });
    expect(t.audits).toHaveLength(1);
    expect(await store.history('acme', 10)).toHaveLength(1);
    expect(await t.c.metrics.pickupEventsSkipped.get()).toMatchObject({ values: [{ labels: { reason: 'duplicate' }, value: 9_999 }] });
    await until('the outbox drained', outboxEmpty);
    expect(t.replies(ts)).toHaveLength(1);
  }, 180_000);

  it('when ten copies of an event come in one receive (handled at once), then one pickup is recorded and one reply queued', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    const event = sftpDownload({ user: 'acme', key: 'partners/acme/price-list.csv', etag: 'etag-price-list.csv' });
    expect(await t.deliver(...Array.from({ length: 10 }, () => event))).toBe(10);
    expect(await store.history('acme', 20)).toHaveLength(1);
    expect(await t.c.metrics.pickups.get()).toMatchObject({ values: [{ labels: { channel: 'sftp', outcome: 'complete' }, value: 1 }] });
    await until('the outbox drained', outboxEmpty);
    expect(t.replies(ts)).toHaveLength(1);
  });

  it('when the event arrives before its delivery is recorded, then it is recorded unmatched, and matched once the delivery is (never twice)', async () => {
    const ts = await t.livePartner('acme');
    const event = sftpDownload({ user: 'acme', key: 'partners/acme/new.csv', etag: 'etag-new.csv' });
    expect(await t.deliver(event)).toBe(1);
    expect(t.audits.map((a) => a.type)).toEqual(['pickup.unmatched']);
    expect(t.replies(ts)).toEqual([]);
    const file = delivered('acme', 'new.csv', { at: new Date(now + 1000).toISOString() });
    const early = await store.indexDelivery(file);
    expect(early.map((p) => p.targetKey)).toEqual(['partners/acme/new.csv']);
    await recordEarlyPickups(deps, file, early);
    await until('the reply', async () => t.replies(ts).length === 1);
    expect(texts(ts)).toEqual(['Picked up: partners/acme/new.csv by SFTP']);
    // The same event again, after the match: a duplicate. The deliver job retried (a crash after its
    // record) finds the early pickup again and records nothing more.
    expect(await t.deliver(event)).toBe(1);
    await recordEarlyPickups(deps, file, await store.indexDelivery(file));
    expect(t.audits.map((a) => a.type)).toEqual(['pickup.unmatched', 'pickup.recorded']);
    expect(await store.history('acme', 10)).toHaveLength(2);
    expect(await store.openDeliveries('acme')).toEqual([]);
  });

  it('when the handler fails after recording (the Slack queue refuses), then the message comes back, is a duplicate, and the line is posted once after its lease', async () => {
    const ts = await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    const event = sftpDownload({ user: 'acme', key: 'partners/acme/price-list.csv', etag: 'etag-price-list.csv' });
    const failing = { ...deps, notify: async () => { throw new Error('READONLY You can\'t write against a read only replica.'); } };
    await expect(handlePickupMessage(failing, JSON.stringify(event))).rejects.toThrow(/READONLY/);
    expect(await t.deliver(event)).toBe(1); // redelivered: counted once
    expect(t.audits.map((a) => a.type)).toEqual(['pickup.recorded']);
    now = T0 + 29_999;
    expect(await flushDuePickups(deps)).toBe(0);
    now = T0 + 30_000;
    expect(await flushDuePickups(deps)).toBe(1);
    await until('the reply', async () => t.replies(ts).length === 1);
    await until('the outbox drained', outboxEmpty);
    expect(t.replies(ts)).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('when events are malformed, forged, outside the home, from another server or bucket, or about an unknown partner, then each is deleted, logged with its reason, and nothing is recorded', async () => {
    await t.livePartner('acme');
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    const wrongType = sftpDownload({ user: 'acme' });
    (wrongType['detail'] as Record<string, unknown>)['bytes'] = 'lots';
    const deleted = await t.deliver(
      '{not json',
      wrongType,
      sftpDownload({ user: 'acme', server: 's-ffffffffffffffff0' }),
      sftpDownload({ user: 'acme', path: '/another-bucket/partners/acme/price-list.csv' }),
      sftpDownload({ user: 'mallory', key: 'partners/mallory/price-list.csv' }),
      sftpDownload({ user: 'acme', key: 'partners/acme/../beta/price-list.csv' }),
      sftpDownload({ user: 'acme', key: 'partners/acme/price\u0007list.csv' }),
      sftpDownload({ user: 'acme', key: 'partners/beta/price-list.csv' }),
      s3GetObject({ partner: 'acme', key: 'partners/acme/price-list.csv', bucket: 'another-bucket' }),
      s3GetObject({ role: 'partnergate-transfer', issuerArn: t.c.config.platform.transferRoleArn, key: 'partners/acme/price-list.csv' }),
    );
    expect(deleted).toBe(10);
    expect(t.audits).toEqual([]);
    expect(await store.history('acme', 10)).toEqual([]);
    // Pickups of one receive are handled at once: their lines come in any order.
    const reasons = t.logs.lines.filter((l) => /^(pickup event|platform event):/.test(String(l.msg))).map((l) => String(l['reason']));
    expect(reasons.sort()).toEqual([
      'not JSON',
      'not a Transfer download event (detail.bytes: Invalid input: expected number, received string)',
      'another Transfer server',
      'a path in another bucket',
      'no such partner',
      'a bad path: the key has a "." or ".." path segment',
      'a bad path: the key contains control characters',
      'a path outside the partner’s home',
      'another bucket',
      'the Transfer role’s own read (its Transfer event counts the file)',
    ].sort());
    await until('the outbox drained', outboxEmpty);
    expect(t.slack.accepted('chat.postMessage').filter((call) => call.body['thread_ts'] !== undefined)).toEqual([]);
  });

  it('when a partner downloads a file we never delivered (its home marker), then it is recorded unmatched, audited, and nothing is posted', async () => {
    const ts = await t.livePartner('acme');
    expect(await t.deliver(s3GetObject({ partner: 'acme', key: 'partners/acme/.partnergate' }))).toBe(1);
    expect(t.audits).toEqual([expect.objectContaining({ type: 'pickup.unmatched', partnerId: 'acme' })]);
    expect((await store.history('acme', 10)).map((p: PickupRecord) => p.delivery)).toEqual([null]);
    expect(await t.c.metrics.pickups.get()).toMatchObject({ values: [{ labels: { channel: 's3', outcome: 'unmatched' }, value: 1 }] });
    await until('the outbox drained', outboxEmpty);
    expect(t.replies(ts)).toEqual([]);
  });
});

describe('a quiet fan-out', () => {
  it('when partners of a fan-out above the thread threshold pick the file up, then its summary is updated to say "picked up by N of M", at most once a minute', async () => {
    const deliveries = new DeliveryStore(t.redis, t.prefix);
    const vh = 'f'.repeat(32);
    const ids = ['dealer-a', 'dealer-b', 'dealer-c'];
    for (const id of ids) await t.c.stores.partners.save(partnerRecord({ partnerId: id, threadRef: `card:thread-${id}` }));
    await deliveries.startFanout(vh, { feed: 'price-lists', key: 'outbound/feeds/price-lists/p.csv', total: 3, parked: 0, quiet: true });
    for (const id of ids) {
      await deliveries.settleFanout(vh, id, 'delivered');
      await store.indexDelivery(delivered(id, 'feeds/price-lists/p.csv', { fanout: vh, quiet: true, feed: 'price-lists' }));
    }
    await t.c.notify({ op: 'post', channel: DELIVERIES, ref: fanoutSummaryRef(vh), text: 'summary', priority: 'progress' });
    await t.slack.waitFor((call) => call.body['text'] === 'summary');
    await t.deliver(sftpDownload({ user: 'dealer-a', key: 'partners/dealer-a/feeds/price-lists/p.csv', etag: 'etag-feeds/price-lists/p.csv' }));
    const first = await t.slack.waitFor((call) => call.method === 'chat.update');
    expect(String(first.body['text'])).toBe('Feed price-lists: outbound/feeds/price-lists/p.csv delivered to 3 of 3 partners; picked up by 1 of 3');
    now = T0 + 5_000;
    await t.deliver(s3GetObject({ partner: 'dealer-b', key: 'partners/dealer-b/feeds/price-lists/p.csv' }));
    expect(await flushDuePickups(deps)).toBe(0);
    now = T0 + 60_000;
    expect(await flushDuePickups(deps)).toBe(1);
    await t.slack.waitForCount((call) => call.method === 'chat.update', 2);
    expect(String(t.slack.accepted('chat.update')[1]!.body['text'])).toContain('picked up by 2 of 3');
    expect(t.slack.accepted('chat.postMessage').filter((call) => call.body['thread_ts'] !== undefined)).toEqual([]);
  });
});
