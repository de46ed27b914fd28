/**
 * Prometheus figures (README "Running"): requests, approvals, jobs by queue and outcome, delivery
 * latency, Slack and AWS errors, pickups, overdue files — counted as they happen — and the operators' gauges (each
 * queue's depth and oldest job, the notify dead letters, parked deliveries, quarantined partners),
 * read from Redis when /metrics is scraped (watchOperatorState).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  slackRequests: Counter<'kind'>;
  onboardingRequests: Counter<'outcome'>;
  approvals: Counter<'outcome'>;
  jobs: Counter<'queue' | 'outcome'>;
  deliveryLatency: Histogram<'route'>;
  slackErrors: Counter<'code'>;
  awsErrors: Counter<'service' | 'code'>;
  /** Pickups recorded (docs/pickups.md), by channel (sftp, s3) and outcome (complete, partial, failed, unmatched). */
  pickups: Counter<'channel' | 'outcome'>;
  /** Pickup events not recorded, by why (invalid, ignored, unknown-partner, duplicate). */
  pickupEventsSkipped: Counter<'reason'>;
  /** Delivered files past their pickup deadline and not picked up (set by the deadline sweep). */
  pickupsOverdue: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'partnergate_' });
  const registers = [registry];
  return {
    registry,
    slackRequests: new Counter({
      name: 'partnergate_slack_requests_total',
      help: 'Slack requests received, by kind (command, action, view, event)',
      labelNames: ['kind'],
      registers,
    }),
    onboardingRequests: new Counter({
      name: 'partnergate_onboarding_requests_total',
      help: 'Onboarding request submissions, by outcome (created, invalid)',
      labelNames: ['outcome'],
      registers,
    }),
    approvals: new Counter({
      name: 'partnergate_approvals_total',
      help: 'Approval decisions and refusals, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    jobs: new Counter({
      name: 'partnergate_jobs_total',
      help: 'BullMQ jobs finished, by queue and outcome (completed, failed)',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'partnergate_delivery_latency_seconds',
      help: 'Time from a file landing under the outbound prefix to its delivery to a partner',
      labelNames: ['route'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    slackErrors: new Counter({
      name: 'partnergate_slack_errors_total',
      help: 'Slack Web API errors, by error code',
      labelNames: ['code'],
      registers,
    }),
    awsErrors: new Counter({
      name: 'partnergate_aws_errors_total',
      help: 'AWS API errors, by service and error code',
      labelNames: ['service', 'code'],
      registers,
    }),
    pickups: new Counter({
      name: 'partnergate_pickups_total',
      help: 'Downloads of delivered files by partners, by channel (sftp, s3) and outcome (complete, partial, failed, unmatched)',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    pickupEventsSkipped: new Counter({
      name: 'partnergate_pickup_events_skipped_total',
      help: 'Pickup events not recorded, by reason (invalid, ignored, unknown-partner, duplicate)',
      labelNames: ['reason'],
      registers,
    }),
    pickupsOverdue: new Gauge({
      name: 'partnergate_pickups_overdue',
      help: 'Delivered files past their pickup deadline (PICKUP_SLA_HOURS) and not picked up, as of the last deadline sweep',
      registers,
    }),
  };
}

/** What the operators' gauges read at scrape time; the composition root binds them to Redis. */
export interface OperatorReadings {
  queues(): Promise<{ queue: string; depth: number; oldestJobAgeSeconds: number }[]>;
  notifyDeadLetters(): Promise<number>;
  parkedDeliveries(): Promise<number>;
  quarantinedPartners(): Promise<number>;
}

export const OPERATOR_GAUGES = {
  queueDepth: 'partnergate_queue_depth',
  oldestJobAge: 'partnergate_queue_oldest_job_age_seconds',
  deadLetters: 'partnergate_notify_dead_letters',
  parked: 'partnergate_parked_deliveries',
  quarantined: 'partnergate_quarantined_partners',
} as const;

/**
 * Registers the operators' gauges on the registry (again, replacing earlier ones, when called
 * twice). Each reads when scraped, never in between. A reading that fails (Redis away) gives its
 * gauge no figure for that scrape — no series per queue, NaN for the others — so that an alarm sees
 * missing data rather than a stale or zero figure; the error goes to `onError`, and the other
 * figures are still served.
 */
export function watchOperatorState(metrics: Pick<Metrics, 'registry'>, read: OperatorReadings, onError: (err: unknown, gauge: string) => void = () => {}): void {
  const registers = [metrics.registry];
  for (const name of Object.values(OPERATOR_GAUGES)) metrics.registry.removeSingleMetric(name);
  /** `unknown`: what the gauge shows when the reading failed (after a reset: no series). */
  const guarded = async (gauge: Gauge<string>, name: string, fill: () => Promise<void>, unknown = () => {}) => {
    gauge.reset();
    try {
      await fill();
    } catch (err) {
      gauge.reset();
      unknown();
      onError(err, name);
    }
  };
  // A scrape collects every metric at once: the two queue gauges share the reading in flight.
  let inFlight: ReturnType<OperatorReadings['queues']> | undefined;
  const queues = () => (inFlight ??= read.queues().finally(() => (inFlight = undefined)));
  const perQueue = (name: string, help: string, value: (q: Awaited<ReturnType<OperatorReadings['queues']>>[number]) => number) =>
    new Gauge({
      name, help, labelNames: ['queue'], registers,
      async collect() {
        await guarded(this, name, async () => {
          for (const q of await queues()) this.set({ queue: q.queue }, value(q));
        });
      },
    });
  perQueue(OPERATOR_GAUGES.queueDepth, 'Jobs of each queue not started yet: waiting, prioritized, delayed', (q) => q.depth);
  perQueue(OPERATOR_GAUGES.oldestJobAge, 'Seconds the job first in line of each queue has been ready to run (0: none waiting)', (q) => q.oldestJobAgeSeconds);
  const single = (name: string, help: string, value: () => Promise<number>) =>
    new Gauge({
      name, help, registers,
      async collect() {
        await guarded(this, name, async () => this.set(await value()), () => this.set(Number.NaN));
      },
    });
  single(OPERATOR_GAUGES.deadLetters, 'Messages Slack refused for good, kept in the notify dead letters (the last 10,000)', () => read.notifyDeadLetters());
  single(OPERATOR_GAUGES.parked, 'Deliveries parked until their partner is LIVE (pending, verifying or quarantined partners)', () => read.parkedDeliveries());
  single(OPERATOR_GAUGES.quarantined, 'Partners QUARANTINED: access found wider than approved, deliveries parked', () => read.quarantinedPartners());
}
