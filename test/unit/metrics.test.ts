/** The operators' gauges (src/metrics.ts watchOperatorState): read at scrape time, exact names, and no stale figure when a reading fails. */
import { describe, expect, it } from 'vitest';
import { createMetrics, OPERATOR_GAUGES, watchOperatorState, type OperatorReadings } from '../../src/metrics.js';

function readings(over: Partial<OperatorReadings> = {}): OperatorReadings & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    queues: async () => {
      reads.push('queues');
      return [{ queue: 'deliver', depth: 7, oldestJobAgeSeconds: 42.5 }, { queue: 'notify', depth: 0, oldestJobAgeSeconds: 0 }];
    },
    notifyDeadLetters: async () => (reads.push('dead'), 3),
    parkedDeliveries: async () => (reads.push('parked'), 5),
    quarantinedPartners: async () => (reads.push('quarantined'), 1),
    ...over,
  };
}

describe('operator gauges', () => {
  it('when scraped, then each gauge reads once and shows the figure under the agreed name', async () => {
    const metrics = createMetrics();
    const read = readings();
    watchOperatorState(metrics, read);
    expect(read.reads).toEqual([]); // nothing is read until a scrape

    const text = await metrics.registry.metrics();

    expect(text).toContain('partnergate_queue_depth{queue="deliver"} 7');
    expect(text).toContain('partnergate_queue_depth{queue="notify"} 0');
    expect(text).toContain('partnergate_queue_oldest_job_age_seconds{queue="deliver"} 42.5');
    expect(text).toContain('partnergate_notify_dead_letters 3');
    expect(text).toContain('partnergate_parked_deliveries 5');
    expect(text).toContain('partnergate_quarantined_partners 1');
    // The two queue gauges of one scrape share one reading of the queues.
    expect(read.reads.sort()).toEqual(['dead', 'parked', 'quarantined', 'queues']);
    expect(Object.values(OPERATOR_GAUGES)).toEqual([
      'partnergate_queue_depth', 'partnergate_queue_oldest_job_age_seconds', 'partnergate_notify_dead_letters',
      'partnergate_parked_deliveries', 'partnergate_quarantined_partners',
    ]);
  });

  it('when the figures change between scrapes, then the next scrape shows the new ones, and a queue gone from the reading is gone from the gauge', async () => {
    const metrics = createMetrics();
    let depth = 7;
    watchOperatorState(metrics, readings({ queues: async () => (depth === 7 ? [{ queue: 'deliver', depth, oldestJobAgeSeconds: 1 }] : [{ queue: 'poll', depth, oldestJobAgeSeconds: 0 }]) }));
    expect(await metrics.registry.metrics()).toContain('partnergate_queue_depth{queue="deliver"} 7');
    depth = 2;
    const text = await metrics.registry.metrics();
    expect(text).toContain('partnergate_queue_depth{queue="poll"} 2');
    expect(text).not.toContain('queue="deliver"');
  });

  it('when a reading fails (Redis away), then that gauge has no figure (no series, or NaN), the error is passed on, and the rest is still served', async () => {
    const metrics = createMetrics();
    const errors: string[] = [];
    const down = async (): Promise<never> => {
      throw new Error('Connection is closed.');
    };
    watchOperatorState(metrics, readings({ queues: down, parkedDeliveries: down }), (err, gauge) => errors.push(`${gauge}: ${(err as Error).message}`));

    const text = await metrics.registry.metrics();

    expect(text).not.toMatch(/partnergate_queue_depth\{/);
    expect(text).not.toMatch(/partnergate_queue_oldest_job_age_seconds\{/);
    expect(text).toMatch(/^partnergate_parked_deliveries nan$/im); // prom-client writes Nan; Prometheus reads any case
    expect(text).toContain('partnergate_quarantined_partners 1');
    expect(text).toContain('# TYPE partnergate_jobs_total counter');
    expect(errors.sort()).toEqual([
      'partnergate_parked_deliveries: Connection is closed.',
      'partnergate_queue_depth: Connection is closed.',
      'partnergate_queue_oldest_job_age_seconds: Connection is closed.',
    ]);
  });

  it('when watched twice on one registry, then the later readings replace the earlier ones (no duplicate registration)', async () => {
    const metrics = createMetrics();
    watchOperatorState(metrics, readings());
    watchOperatorState(metrics, readings({ quarantinedPartners: async () => 9 }));
    expect(await metrics.registry.metrics()).toContain('partnergate_quarantined_partners 9');
  });
});
