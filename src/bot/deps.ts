/** What the Slack listeners need: bound use cases and a few lookups. Built by src/container/use-cases.ts. */
import type { types } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Notify } from '../actions/ports.js';
import type { DecideInput, DecideResult } from '../actions/approval/index.js';
import type { PartnerStatusResult, ResendResult } from '../actions/delivery/index.js';
import type {
  EditResult, EditView, KeyChangesResult, KeysModalInput, KeysSubmission, PartnerEditSubmission, ReapplyInput, RequestChangeResult,
} from '../actions/lifecycle/index.js';
import type { RequestOnboardingResult, RetryResult, ShowPlanResult } from '../actions/onboarding/index.js';
import type { AnswerInput, AnswerResult } from '../actions/reviews/index.js';
import type { HomeNavigation } from '../actions/home/index.js';
import type { HomeState } from '../domain/home.js';
import type { OnboardingRaw } from '../domain/onboarding-input.js';
import type { ChangeRequest, ChangeSpec, OnboardingRequest } from '../domain/requests.js';
import type { Capability } from '../domain/authorization.js';
import type { Refusal } from '../domain/errors.js';

/** Onboarding and its approval (docs/architecture.md). */
export interface OnboardingUseCases {
  requestOnboarding: (input: { raw: OnboardingRaw; requestedBy: string }) => Promise<RequestOnboardingResult>;
  decide: (input: Omit<DecideInput, 'id'> & { requestId: string }) => Promise<DecideResult<OnboardingRequest>>;
  retryProvisioning: (input: { requestId: string; step: string | undefined; actor: string }) => Promise<RetryResult>;
  retryVerification: (input: { requestId: string; actor: string }) => Promise<RetryResult>;
  /** The documents approving a request applies, rendered again from the stored request ("Show the exact documents"). */
  showPlan: (input: { requestId: string }) => Promise<ShowPlanResult>;
}

/** /resend-file, the Resend button, /partner-status. */
export interface DeliveryUseCases {
  resendFile: (input: { partnerId: string; file: string; actor: string }) => Promise<ResendResult>;
  resendFailed: (input: { token: string; actor: string }) => Promise<ResendResult>;
  partnerStatus: (input: { partnerId: string }) => Promise<PartnerStatusResult>;
}

/** Offboarding, keys, partner changes, drift (docs/lifecycle.md). */
export interface LifecycleUseCases {
  requestChange: (input: { partnerId: string; requestedBy: string; spec: ChangeSpec }) => Promise<RequestChangeResult>;
  decideChange: (input: Omit<DecideInput, 'id'> & { changeId: string }) => Promise<DecideResult<ChangeRequest>>;
  partnerKeysView: (partnerId: string) => Promise<{ ok: true; view: KeysModalInput } | { ok: false; message: string }>;
  requestKeyChanges: (input: KeysSubmission & { requestedBy: string }) => Promise<KeyChangesResult>;
  partnerForEdit: (partnerId: string) => Promise<EditView>;
  editPartner: (input: PartnerEditSubmission & { requestedBy: string }) => Promise<EditResult>;
  requestReapply: (input: ReapplyInput) => Promise<{ ok: boolean; message: string }>;
}

/** Access reviews (docs/reviews.md): who may answer (before the Keep modal opens), and the answer. */
export interface ReviewUseCases {
  reviewForAnswer: (input: { reviewId: string; actor: string }) => Promise<{ ok: true; reviewId: string; partnerId: string; displayName: string } | ({ ok: false } & Refusal)>;
  answerReview: (input: AnswerInput) => Promise<AnswerResult>;
}

/** The App Home (docs/app-home.md). */
export interface HomeUseCases {
  openHome: (input: { user: string; shown: boolean }) => Promise<void>;
  navigateHome: (input: { user: string; to: HomeNavigation }) => Promise<HomeState>;
  searchPartnerIds: (typed: string) => Promise<{ options: types.PlainTextOption[] }>;
  /** A refusal of a Home button: shown on the person's Home. */
  noticeOnHome: (input: { user: string; message: string }) => Promise<void>;
}

export interface BotDeps extends OnboardingUseCases, DeliveryUseCases, LifecycleUseCases, ReviewUseCases, HomeUseCases {
  logger: Logger;
  metrics: Metrics;
  feeds: string[];
  approvalReaction: string;
  notify: Notify;
  /** True the first time a Slack delivery is seen (events by event_id, others by body), false on a replay. */
  firstDelivery: (kind: string, id: string) => Promise<boolean>;
  /** The gate (src/domain/authorization.ts): may this person use this entry point? A refusal is audited. */
  authorize: (input: { capability: Capability; actor: string; entry: string }) => Promise<{ ok: true } | ({ ok: false } & Refusal)>;
  /** Whether a message should show this person the buttons of a capability (not audited). */
  allows: (capability: Capability, actor: string) => Promise<boolean>;
  /** The notify ref of the message at (channel, ts), e.g. `card:<requestId>`. */
  refAt: (channel: string, ts: string) => Promise<string | null>;
}
