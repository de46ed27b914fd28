/** What the delivery jobs (dispatch, deliver, receipts, go-live, poll) share. Built by createDeliveryWorkers. */
import type { Queue } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { Audit } from '../../actions/ports.js';
import type { Clock, Notify } from '../../actions/ports.js';
import type { RoutingConfig } from '../../domain/routing.js';
import type { DeliveryStore } from '../../store/deliveries.js';
import type { DeliveredFile, PickupStore } from '../../store/pickups.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import type { PartnerStore } from '../../store/partners.js';
import type { DeliverPayload, DeliveryStorage, DispatchPayload, GoLivePayload, ReceiptFlushPayload } from '../../actions/delivery/index.js';

export interface DeliveryOptions {
  /** Receipts for one thread within this window are posted as one message. */
  receiptWindowMs: number;
  /** Attempts of a deliver job (throttling, 5xx), with exponential backoff and jitter. */
  deliverAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Deliver jobs run at once by one worker (S3 copies in flight). */
  deliverConcurrency: number;
  /** HeadObject calls in flight while polling. */
  pollHeadConcurrency: number;
  /** Receipts in one combined message at most. */
  receiptBatch: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  receiptWindowMs: 5000,
  deliverAttempts: 8,
  retryBaseMs: 2000,
  retryMaxMs: 5 * 60_000,
  deliverConcurrency: 16,
  pollHeadConcurrency: 8,
  receiptBatch: 50,
};

export interface DeliveryQueues {
  dispatch: Queue<DispatchPayload | GoLivePayload>;
  deliver: Queue<DeliverPayload | ReceiptFlushPayload>;
}

export interface DeliveryContext {
  store: DeliveryStore;
  partners: PartnerStore;
  storage: DeliveryStorage;
  notify: Notify;
  queues: DeliveryQueues;
  routing: RoutingConfig;
  deliveriesChannel: string;
  fanoutThreadThreshold: number;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  options: DeliveryOptions;
  /** The audit trail: each file delivered, each final failure (optional). */
  audit?: Audit;
  /** Every delivery is recorded for proof of pickup (docs/pickups.md). */
  pickups: PickupStore;
  /** Records the pickups that arrived before their delivery was recorded (the platform events' handler). */
  onEarlyPickups?: ((file: DeliveredFile, early: PickupRecord[]) => Promise<void>) | undefined;
}
