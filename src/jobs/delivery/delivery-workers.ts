/**
 * The delivery half of the worker process: the poll, dispatch and deliver workers, the SQS source
 * (when DELIVERY_QUEUE_URL is set) and the `onLive` hook. The worker role builds it once
 * (deliveryWorkers in src/container/workers.ts).
 */
import type { Job, Worker } from 'bullmq';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { Audit } from '../../actions/ports.js';
import { systemClock, type Clock, type Notify } from '../../actions/ports.js';
import { DeliveryStore } from '../../store/deliveries.js';
import { PartnerStore } from '../../store/partners.js';
import { PickupStore, type DeliveredFile } from '../../store/pickups.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import { createQueue, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';
import { DEFAULT_DELIVERY_OPTIONS, type DeliveryContext, type DeliveryOptions, type DeliveryQueues } from './delivery-context.js';
import {
  DELIVER_JOB, GO_LIVE_JOB, RECEIPT_FLUSH_JOB, deliverPayload, dispatchPayload, goLivePayload, receiptFlushPayload,
  type DeliverPayload, type DeliveryStorage, type DispatchPayload,
} from '../../actions/delivery/index.js';
import { enqueueDispatch, processDispatch, stalledOutDispatch } from './dispatch.js';
import { deliverBackoff, processDeliver, processReceiptFlush, stalledOutDelivery } from './deliver.js';
import { onLive, processGoLive } from './go-live.js';
import { processPoll, schedulePoll } from './poll.js';
import { createSqsSource, type SqsSource } from './sqs-source.js';

export interface DeliveryWorkersConfig {
  bucket: string;
  outboundPrefix: string;
  feeds: string[];
  pollIntervalSeconds: number;
  deliveryQueueUrl: string | undefined;
  deliveriesChannel: string;
  fanoutThreadThreshold: number;
}

export interface DeliveryWorkersDeps {
  /** A connection with `maxRetriesPerRequest: null` (BullMQ workers). */
  redis: Redis;
  prefix: string;
  storage: DeliveryStorage;
  /** Set with config.deliveryQueueUrl: the SQS source runs. */
  sqs?: SQSClient | undefined;
  config: DeliveryWorkersConfig;
  notify: Notify;
  metrics: Metrics;
  logger: Logger;
  clock?: Clock;
  options?: Partial<DeliveryOptions>;
  /** The registry's dispatch, deliver and poll queues (the composition root's); default new ones, closed with the workers. */
  queues?: DeliveryWorkers['queues'];
  /** The audit trail: deliveries and their final failures (optional). */
  audit?: Audit;
  /** Lock and stall settings other than the table's (tests). */
  stall?: StallOverrides;
  /** Records pickups that arrived before their delivery (src/jobs/platform-events, when its queue is configured). */
  onEarlyPickups?: ((file: DeliveredFile, early: PickupRecord[]) => Promise<void>) | undefined;
}

export interface DeliveryWorkers {
  /** poll, dispatch, deliver — instrument them and close them on shutdown like the others. */
  workers: Worker[];
  queues: DeliveryQueues & { poll: ReturnType<typeof createQueue> };
  /**
   * The verify job's hook: the partner is LIVE now (release parked deliveries, backfill). `occasion`:
   * what makes this backfill distinct (a change id); default the partner's verifiedAt.
   */
  onLive(partnerId: string, occasion?: string): Promise<void>;
  /** Schedules the poll and starts the SQS source (when configured). */
  start(): Promise<void>;
  /** Stops the SQS source and closes the workers and queues. */
  close(): Promise<void>;
  /** The SQS source, when DELIVERY_QUEUE_URL is set. */
  sqsSource: SqsSource | undefined;
  context: DeliveryContext;
}

export function createDeliveryWorkers(deps: DeliveryWorkersDeps): DeliveryWorkers {
  const { redis, prefix, config } = deps;
  const log = deps.logger.child({ module: 'delivery' });
  const options = { ...DEFAULT_DELIVERY_OPTIONS, ...deps.options };
  const ownQueues = !deps.queues;
  const queues = deps.queues ?? {
    dispatch: createQueue(QUEUE_NAMES.dispatch, redis, prefix),
    deliver: createQueue(QUEUE_NAMES.deliver, redis, prefix),
    poll: createQueue(QUEUE_NAMES.poll, redis, prefix),
  };
  const partners = new PartnerStore(redis, prefix);
  const store = new DeliveryStore(redis, prefix);
  const ctx: DeliveryContext = {
    store, partners, storage: deps.storage, notify: deps.notify, queues,
    routing: { outboundPrefix: config.outboundPrefix, feeds: config.feeds },
    deliveriesChannel: config.deliveriesChannel,
    fanoutThreadThreshold: config.fanoutThreadThreshold,
    metrics: deps.metrics, logger: log, clock: deps.clock ?? systemClock, options, audit: deps.audit,
    pickups: new PickupStore(redis, prefix), onEarlyPickups: deps.onEarlyPickups,
  };
  const dispatch = (payload: DispatchPayload) => enqueueDispatch(queues.dispatch, payload);

  // Go-live and receipt flushes are run again after a stall-out like any job; a dispatch or a
  // delivery is reported instead (src/jobs/platform/stalls.ts).
  const guard = { logger: log, overrides: deps.stall };
  const runDispatch = async (job: Job) => {
    if (job.name === GO_LIVE_JOB) return processGoLive(ctx, goLivePayload.parse(job.data).partnerId);
    return processDispatch(ctx, dispatchPayload.parse(job.data));
  };
  const dispatchWorker = createWorker(QUEUE_NAMES.dispatch, runDispatch, { connection: redis, prefix, concurrency: 4 }, {
    ...guard,
    onStalledOut: async (job, deaths) => (job.name === GO_LIVE_JOB ? runDispatch(job) : stalledOutDispatch(ctx, dispatchPayload.parse(job.data), deaths)),
  });
  const deliverJob = (job: Job): Job<DeliverPayload> | undefined => {
    if (job.name !== DELIVER_JOB) return undefined;
    job.data = deliverPayload.parse(job.data);
    return job as Job<DeliverPayload>;
  };
  const runDeliver = async (job: Job) => {
    if (job.name === RECEIPT_FLUSH_JOB) return processReceiptFlush(ctx, receiptFlushPayload.parse(job.data).partnerId);
    const delivery = deliverJob(job);
    if (!delivery) throw new Error(`unknown job ${job.name}`);
    return processDeliver(ctx, delivery);
  };
  const deliverWorker = createWorker(
    QUEUE_NAMES.deliver, runDeliver,
    { connection: redis, prefix, concurrency: options.deliverConcurrency, settings: { backoffStrategy: deliverBackoff(ctx) } },
    { ...guard, onStalledOut: async (job, deaths) => { const d = deliverJob(job); return d ? stalledOutDelivery(ctx, d, deaths) : runDeliver(job); } },
  );
  const pollWorker = createWorker(
    QUEUE_NAMES.poll,
    async () =>
      processPoll({
        storage: deps.storage, store, enqueueDispatch: dispatch, outboundPrefix: config.outboundPrefix,
        headConcurrency: options.pollHeadConcurrency, logger: log,
      }),
    { connection: redis, prefix, concurrency: 1 },
    guard,
  );

  const sqsSource =
    config.deliveryQueueUrl && deps.sqs
      ? createSqsSource({ sqs: deps.sqs, queueUrl: config.deliveryQueueUrl, bucket: config.bucket, enqueueDispatch: dispatch, logger: log, metrics: deps.metrics })
      : undefined;
  if (config.deliveryQueueUrl && !deps.sqs) log.warn('DELIVERY_QUEUE_URL is set but no SQS client was given: polling only');

  return {
    workers: [pollWorker, dispatchWorker, deliverWorker],
    queues,
    sqsSource,
    context: ctx,
    onLive: (partnerId, occasion) => onLive({ queue: queues.dispatch, partners, logger: log }, partnerId, occasion),
    async start() {
      await schedulePoll(queues.poll, config.pollIntervalSeconds);
      sqsSource?.start();
      log.info({ pollIntervalSeconds: config.pollIntervalSeconds, sqs: sqsSource !== undefined }, 'delivery: sources running');
    },
    async close() {
      await sqsSource?.stop();
      await Promise.all([pollWorker.close(), dispatchWorker.close(), deliverWorker.close()]);
      if (ownQueues) await Promise.all([queues.dispatch.close(), queues.deliver.close(), queues.poll.close()]);
    },
  };
}
