/** Prometheus figures (README "Running"): requests, approvals, jobs by queue and outcome, delivery latency, Slack and AWS errors, pickups. */
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
