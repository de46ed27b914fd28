/**
 * The web role's use cases, bound to the container's stores, queues and ports: what the Slack
 * listeners call (BotDeps). Each use case gets the narrow deps it declares; an approved request or
 * change is handed to the job of its kind here, so use cases never import jobs.
 */
import type { Queue } from 'bullmq';
import type { BotDeps, DeliveryUseCases, LifecycleUseCases } from '../bot/deps.js';
import type { ApproverDirectory } from '../actions/ports.js';
import type { ApprovalSeals } from '../domain/approval-seal.js';
import type { DeliveryStore } from '../store/deliveries.js';
import type { PartnerStore } from '../store/partners.js';
import { allows, authorize, type AccessDeps } from '../actions/access/index.js';
import { changeApprovals, decide, requestApprovals } from '../actions/approval/index.js';
import { partnerStatus, resendFailedDelivery, resendFile, type PartnerStatusDeps, type ResendFailedDeps } from '../actions/delivery/index.js';
import { partnerPickupStatus } from '../jobs/platform-events/index.js';
import { STATUS_OPEN_FILES } from '../bot/messages/pickup-deadlines.js';
import {
  editPartner, partnerForEdit, partnerKeysView, requestChange, requestKeyChanges, requestReapply, type ChangeDeps,
} from '../actions/lifecycle/index.js';
import { answerReview, reviewForAnswer } from '../actions/reviews/index.js';
import { createPlanRenderer, requestOnboarding, retryProvisioning, retryVerification, showPlan } from '../actions/onboarding/index.js';
import type { ChangeRequest } from '../domain/requests.js';
import type { DriftRecord } from '../domain/drift.js';
import { addResend, DEFAULT_DELIVERY_OPTIONS } from '../jobs/delivery/index.js';
import { addReapplyJob, readDrift, type LifecycleQueues } from '../jobs/lifecycle/index.js';
import { addProvisionJob, addVerifyJob } from '../jobs/onboarding/index.js';
import { firstDelivery } from '../store/deliveries-seen.js';
import { refAt } from '../store/message-refs.js';
import { RunStore } from '../store/runs.js';
import type { Container } from './container.js';
import { applyChange, deadlineDeps, lifecycleQueues, reviewDeps } from './workers.js';
import { homeUseCases } from './home.js';

/** What the lifecycle use cases share: the change store, the registry, and where approved changes go. */
export type LifecycleWiring = ChangeDeps & {
  approvers: ApproverDirectory; partners: PartnerStore; keyMaxAgeDays: number; feeds: string[];
  queues: LifecycleQueues; currentDrift: (partnerId: string) => Promise<DriftRecord | null>;
  /** Checks a change's seal before it is approved, and seals re-apply clicks. */
  seals: ApprovalSeals; approvalsChannel: string;
};

export function lifecycleUseCases(w: LifecycleWiring): LifecycleUseCases {
  return {
    requestChange: (input) => requestChange(w, input),
    decideChange: ({ changeId, ...input }) => decide({ ...w, kind: changeApprovals(w.changes), onApproved: applyChange(w.queues) }, { id: changeId, ...input }),
    partnerKeysView: (partnerId) => partnerKeysView(w, partnerId),
    requestKeyChanges: (input) => requestKeyChanges(w, input),
    partnerForEdit: (partnerId) => partnerForEdit(w, partnerId),
    editPartner: (input) => editPartner(w, input),
    requestReapply: (input) =>
      requestReapply({
        ...w, requestChange: (change) => requestChange(w, change),
        enqueueReapply: (partnerId, by, hash) => addReapplyJob(w.queues.reconcile, w.seals, partnerId, by, hash),
      }, input),
  };
}

/** What the delivery use cases share; `deliver` is the deliver queue re-sends go to. */
export type DeliveryWiring = Omit<ResendFailedDeps, 'queueResend' | 'failure'> & {
  deliver: Queue; deliveries: DeliveryStore; keyMaxAgeDays: number; deliverAttempts?: number;
  pickups?: PartnerStatusDeps['pickups'];
};

export function deliveryUseCases(w: DeliveryWiring): DeliveryUseCases {
  const resend: ResendFailedDeps = {
    ...w,
    queueResend: async (payload) =>
      void (await addResend({ queues: { deliver: w.deliver }, options: { deliverAttempts: w.deliverAttempts ?? DEFAULT_DELIVERY_OPTIONS.deliverAttempts } }, payload, w.clock.now().getTime())),
    failure: (token) => w.deliveries.failure(token),
  };
  return {
    resendFile: (input) => resendFile(resend, input),
    resendFailed: (input) => resendFailedDelivery(resend, input),
    partnerStatus: (input) =>
      partnerStatus({
        partners: w.partners, history: (id, n) => w.deliveries.history(id, n), keyAges: { clock: w.clock, maxAgeDays: w.keyMaxAgeDays },
        ...(w.pickups ? { pickups: w.pickups } : {}),
      }, input),
  };
}

export function bindUseCases(c: Container): BotDeps {
  const { config, clock, notify, audit, approvers, redis, queues } = c;
  const { prefix, platform } = config;
  const renderPlan = createPlanRenderer(platform);
  const { requests, partners, changes, deliveries } = c.stores;
  const base = { logger: c.logger.child({ module: 'actions' }), clock };
  const slack = { approvalReaction: config.slack.approvalReaction, requestTtlHours: config.requestTtlHours };
  const lifecycle = lifecycleUseCases({
    ...base, logger: c.logger.child({ module: 'lifecycle' }), notify, audit, approvers, changes, partners, feeds: platform.feeds,
    keyMaxAgeDays: config.keyMaxAgeDays, ...slack, queues: lifecycleQueues(c), seals: c.seals, approvalsChannel: config.slack.approvalsChannel,
    currentDrift: (partnerId) => readDrift(redis, prefix, partnerId),
  });
  const retry = {
    ...base, requests, partners, runs: new RunStore(redis, prefix), notify,
    enqueueProvision: (p: Parameters<typeof addProvisionJob>[1]) => addProvisionJob(queues.provision, p),
    enqueueVerify: (p: Parameters<typeof addVerifyJob>[1]) => addVerifyJob(queues.verify, p, 0),
  };
  const delivery = deliveryUseCases({
    ...base, partners, audit, files: c.storage,
    routing: { outboundPrefix: platform.outboundPrefix, feeds: platform.feeds },
    deliver: queues.deliver, deliveries, keyMaxAgeDays: config.keyMaxAgeDays,
    pickups: (partnerId) => partnerPickupStatus(deadlineDeps(c), partnerId, clock.now().getTime(), STATUS_OPEN_FILES),
    ...(c.overrides.workerOptions?.delivery?.deliverAttempts ? { deliverAttempts: c.overrides.workerOptions.delivery.deliverAttempts } : {}),
  });
  const reviews = reviewDeps(c);
  const access: AccessDeps = {
    ...base, approvers, members: c.members, resenders: config.slack.resenders, audit,
    named: c.approverNames,
  };
  return {
    logger: c.logger.child({ module: 'bot' }),
    authorize: (input) => authorize(access, input),
    allows: (capability, actor) => allows(access, capability, actor),
    metrics: c.metrics,
    feeds: platform.feeds,
    approvalReaction: config.slack.approvalReaction,
    notify,
    firstDelivery: (kind, id) => firstDelivery(redis, prefix, kind, id),
    refAt: async (channel, ts) => (await refAt(redis, prefix, channel, ts)) ?? null,
    requestOnboarding: (input) =>
      requestOnboarding({
        ...base, store: requests, notify, audit, renderPlan, approvalsChannel: config.slack.approvalsChannel,
        approvalReaction: config.slack.approvalReaction, enterpriseAccountId: platform.accountId, feeds: platform.feeds,
        requestTtlHours: config.requestTtlHours, sftpEndpoint: { transferHost: config.transferHost, dryRun: platform.dryRun },
      }, input),
    decide: ({ requestId, ...input }) =>
      decide({
        ...base, kind: requestApprovals(requests, renderPlan), approvers, notify, audit, approvalReaction: config.slack.approvalReaction,
        seals: c.seals, approvalsChannel: config.slack.approvalsChannel,
        onApproved: async (request) => addProvisionJob(queues.provision, { requestId: request.id, attempt: 1 }),
      }, { id: requestId, ...input }),
    retryProvisioning: (input) => retryProvisioning(retry, input),
    retryVerification: (input) => retryVerification(retry, input),
    showPlan: (input) => showPlan({ store: requests, renderPlan }, input),
    ...delivery,
    ...lifecycle,
    reviewForAnswer: (input) => reviewForAnswer(reviews, input),
    answerReview: (input) => answerReview(reviews, input),
    ...homeUseCases(c),
  };
}
