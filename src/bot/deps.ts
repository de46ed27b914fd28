/** What the Slack listeners need: bound use cases and a few lookups. Built by src/main.ts. */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Notify } from '../actions/ports.js';
import type { RequestOnboardingResult } from '../actions/onboarding/index.js';
import type { DecideInput, DecideResult } from '../actions/approval/index.js';
import type { OnboardingRequest } from '../domain/requests.js';
import type { OnboardingRaw } from '../domain/onboarding-input.js';
import type { RetryResult } from '../actions/onboarding/index.js';
import type { DeliveryBotDeps } from './delivery-deps.js';
import type { LifecycleBotDeps } from './lifecycle-deps.js';

export interface BotDeps extends DeliveryBotDeps {
  logger: Logger;
  metrics: Metrics;
  feeds: string[];
  approvalReaction: string;
  notify: Notify;
  /** True the first time a Slack delivery is seen (events by event_id, others by body), false on a replay. */
  firstDelivery: (kind: string, id: string) => Promise<boolean>;
  /** The notify ref of the message at (channel, ts), e.g. `card:<requestId>`. */
  refAt: (channel: string, ts: string) => Promise<string | null>;
  requestOnboarding: (input: { raw: OnboardingRaw; requestedBy: string }) => Promise<RequestOnboardingResult>;
  decide: (input: Omit<DecideInput, 'id'> & { requestId: string }) => Promise<DecideResult<OnboardingRequest>>;
  retryProvisioning: (input: { requestId: string; step: string | undefined; actor: string }) => Promise<RetryResult>;
  retryVerification: (input: { requestId: string; actor: string }) => Promise<RetryResult>;
  /** Offboarding, keys, partner changes, drift (docs/lifecycle.md); optional so other wirings compile. */
  lifecycle?: LifecycleBotDeps;
}
