/**
 * The operators' gauges (src/metrics.ts `watchOperatorState`) bound to this process's Redis: each
 * queue's backlog, the notify dead letters, parked deliveries and quarantined partners. Every
 * reading is a handful of commands, whatever the size of the queues; the parked count costs one
 * HLEN per partner that is not LIVE, pipelined.
 */
import type { OperatorReadings } from '../metrics.js';
import { QUEUE_NAMES, queueBacklog, type QueueKey } from '../jobs/platform/queues.js';
import { deadLetterCount } from '../store/outbox.js';
import type { Container } from './container.js';

export function operatorReadings(c: Pick<Container, 'queues' | 'redis' | 'stores' | 'clock' | 'config'>): OperatorReadings {
  return {
    queues: () => {
      const now = c.clock.now().getTime();
      return Promise.all(
        (Object.entries(QUEUE_NAMES) as [QueueKey, string][]).map(async ([key, queue]) => ({ queue, ...(await queueBacklog(c.queues[key], now)) })),
      );
    },
    notifyDeadLetters: () => deadLetterCount(c.redis, c.config.prefix),
    parkedDeliveries: () => c.stores.deliveries.parkedCount(),
    quarantinedPartners: () => c.stores.partners.quarantinedCount(),
  };
}
