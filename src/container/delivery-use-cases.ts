/** Binds the delivery use cases (/resend-file, the Resend button, /partner-status) for the Slack app. */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RoutingConfig } from '../domain/routing.js';
import { DeliveryStore } from '../store/deliveries.js';
import { PartnerStore } from '../store/partners.js';
import { addResend } from '../jobs/delivery/index.js';
import { DEFAULT_DELIVERY_OPTIONS } from '../jobs/delivery/index.js';
import type { DeliveryStorage } from '../actions/delivery/index.js';
import type { DeliveryBotDeps } from '../bot/delivery-deps.js';
import type { Audit } from '../actions/ports.js';
import { resendFailedDelivery, resendFile, type ResendFailedDeps } from '../actions/delivery/index.js';
import { partnerStatus } from '../actions/delivery/index.js';
import type { ApproverDirectory, UseCaseDeps } from '../actions/ports.js';

export interface DeliveryUseCaseWiring extends UseCaseDeps {
  redis: Redis;
  prefix: string;
  /** Lookups and listings of the outbound prefix (createS3DeliveryStorage). */
  storage: Pick<DeliveryStorage, 'latest' | 'list'>;
  approvers: ApproverDirectory;
  resenders: readonly string[];
  routing: RoutingConfig;
  /** The deliver queue (createQueue(QUEUE_NAMES.deliver, redis, prefix)). */
  deliverQueue: Queue;
  deliverAttempts?: number;
  /** The audit trail: re-sends (optional). */
  audit?: Audit;
  /** KEY_MAX_AGE_DAYS: /partner-status flags older SSH keys. */
  keyMaxAgeDays?: number;
}

export function createDeliveryUseCases(w: DeliveryUseCaseWiring): Pick<DeliveryBotDeps, 'resendFile' | 'resendFailed' | 'partnerStatus'> {
  const partners = new PartnerStore(w.redis, w.prefix);
  const deliveries = new DeliveryStore(w.redis, w.prefix);
  const queuing = { queues: { deliver: w.deliverQueue }, options: { deliverAttempts: w.deliverAttempts ?? DEFAULT_DELIVERY_OPTIONS.deliverAttempts } };
  const deps: ResendFailedDeps = {
    logger: w.logger, clock: w.clock, approvers: w.approvers, resenders: w.resenders, partners, files: w.storage, routing: w.routing,
    queueResend: async (payload) => void (await addResend(queuing, payload, w.clock.now().getTime())),
    failure: (token) => deliveries.failure(token),
    audit: w.audit,
  };
  return {
    resendFile: (input) => resendFile(deps, input),
    resendFailed: (input) => resendFailedDelivery(deps, input),
    partnerStatus: (input) =>
      partnerStatus({
        partners, history: (id, n) => deliveries.history(id, n),
        ...(w.keyMaxAgeDays !== undefined ? { keyAges: { clock: w.clock, maxAgeDays: w.keyMaxAgeDays } } : {}),
      }, input),
  };
}
