/**
 * The operators' gauges against a real Redis and real BullMQ queues, read through the composition
 * root's bindings (src/container/operator-readings.ts) and scraped from the registry as /metrics
 * serves it: queue depth and oldest job age, notify dead letters, parked deliveries, quarantined
 * partners — the last kept by the registry's own write, so a release or an offboarding counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContainer, type Container } from '../../src/container/container.js';
import { operatorReadings } from '../../src/container/operator-readings.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, watchOperatorState } from '../../src/metrics.js';
import { outboxKeys } from '../../src/store/outbox.js';
import { deleteKeysUnder } from '../../tools/local/redis.js';
import { testEnv, testPrefix } from '../../tools/local/env.js';
import { manualClock, partnerRecord, type ManualClock } from '../support/ports.js';

let c: Container;
let clock: ManualClock;
let prefix: string;

beforeEach(() => {
  prefix = testPrefix('gauges');
  clock = manualClock();
  c = createContainer(loadConfig(testEnv({ PARTNERGATE_PREFIX: prefix })), createLogger('silent'), { clock, metrics: createMetrics() });
  watchOperatorState(c.metrics, operatorReadings(c));
});
afterEach(async () => {
  await deleteKeysUnder(c.redis, prefix);
  await c.close();
});

/** One figure of the scrape, as /metrics would print it. */
async function figure(name: string, labels = ''): Promise<number | undefined> {
  const line = (await c.metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operator gauges on Redis', () => {
  it('when jobs wait, are delayed or prioritized, then each queue shows its depth and how long its first job in line has been ready', async () => {
    const first = await c.queues.deliver.add('deliver', {});
    await c.queues.deliver.add('deliver', {});
    await c.queues.deliver.add('deliver', {}, { delay: 3_600_000 });
    const lane = await c.queues.notify.add('drain-lane', {}, { priority: 2 });
    // A verify job waits for its settle time: delayed only, so it counts in the depth and not in the age.
    await c.queues.verify.add('verify', {}, { delay: 300_000 });
    // The clock stands 90 s after the first deliver job was added.
    const now = first.timestamp + 90_000;
    clock.advance(now - clock.now().getTime());

    expect(await figure('partnergate_queue_depth', '{queue="deliver"}')).toBe(3);
    expect(await figure('partnergate_queue_oldest_job_age_seconds', '{queue="deliver"}')).toBe(90);
    expect(await figure('partnergate_queue_depth', '{queue="notify"}')).toBe(1);
    expect(await figure('partnergate_queue_oldest_job_age_seconds', '{queue="notify"}')).toBe((now - lane.timestamp) / 1000);
    expect(await figure('partnergate_queue_depth', '{queue="verify"}')).toBe(1);
    expect(await figure('partnergate_queue_oldest_job_age_seconds', '{queue="verify"}')).toBe(0);
    // Every queue of the registry has its series, idle ones at 0.
    expect(await figure('partnergate_queue_depth', '{queue="partner-change"}')).toBe(0);
    expect(await figure('partnergate_queue_oldest_job_age_seconds', '{queue="poll"}')).toBe(0);

    // The job first in line goes: the age is the next one's.
    const second = (await c.queues.deliver.getJobs(['wait'], 0, 1, true))[1]!;
    await first.remove();
    expect(await figure('partnergate_queue_depth', '{queue="deliver"}')).toBe(2);
    expect(await figure('partnergate_queue_oldest_job_age_seconds', '{queue="deliver"}')).toBe((now - second.timestamp) / 1000);
  });

  it('when Slack refused messages for good, then the dead letters are counted', async () => {
    expect(await figure('partnergate_notify_dead_letters')).toBe(0);
    await c.redis.rpush(outboxKeys(prefix).dead(), '{"code":"channel_not_found"}', '{"code":"invalid_blocks"}');
    expect(await figure('partnergate_notify_dead_letters')).toBe(2);
  });

  it('when deliveries wait for partners that are not LIVE, then they are counted across partners; a LIVE partner parks nothing', async () => {
    const { partners, deliveries } = c.stores;
    await partners.save(partnerRecord({ partnerId: 'pending-co', status: 'verifying' }));
    await partners.save(partnerRecord({ partnerId: 'acme', status: 'live' }));
    await partners.save(partnerRecord({ partnerId: 'held', status: 'quarantined' }));
    expect(await deliveries.park('pending-co', 'dh1', { key: 'a' })).toBe(true);
    expect(await deliveries.park('pending-co', 'dh2', { key: 'b' })).toBe(true);
    expect(await deliveries.park('held', 'dh3', { key: 'c' })).toBe(true);
    expect(await deliveries.park('acme', 'dh4', { key: 'd' })).toBe(false);

    expect(await figure('partnergate_parked_deliveries')).toBe(3);
    await deliveries.unpark('pending-co', ['dh1', 'dh2']);
    expect(await figure('partnergate_parked_deliveries')).toBe(1);
  });

  it('when partners are quarantined, released or offboarded, then the count follows the records', async () => {
    const { partners } = c.stores;
    for (const id of ['acme', 'globex', 'initech']) await partners.save(partnerRecord({ partnerId: id, status: 'live' }));
    expect(await figure('partnergate_quarantined_partners')).toBe(0);

    await partners.apply('acme', 'quarantined', { updatedAt: clock.now().toISOString() });
    await partners.apply('globex', 'quarantined', { updatedAt: clock.now().toISOString() });
    expect(await figure('partnergate_quarantined_partners')).toBe(2);

    await partners.apply('acme', 'released', { updatedAt: clock.now().toISOString() });
    await partners.apply('globex', 'offboarded', { updatedAt: clock.now().toISOString() });
    expect(await figure('partnergate_quarantined_partners')).toBe(0);
    expect((await partners.get('acme'))?.status).toBe('live');
  });
});
