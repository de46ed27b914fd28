/**
 * The kinds of approval — onboarding requests and lifecycle changes — as data for the one approval
 * module: where the items are kept, what Slack shows of them (src/bot/messages/approval-card.ts) and
 * what the audit trail adds to say which kind it is. Everything else is the same rule and code.
 */
import type { AccessSummary } from '../../domain/access-summary.js';
import type { ApprovalItem } from '../../domain/approval.js';
import type { ApprovalSeals, IntegrityProblem } from '../../domain/approval-seal.js';
import type { ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { PendingStore } from '../../store/approval-scripts.js';
import { CHANGE_APPROVAL, REQUEST_APPROVAL, type ApprovalView } from '../../bot/messages/approval-card.js';
import type { PlanRenderer } from '../onboarding/index.js';

export interface ApprovalKind<T extends ApprovalItem> {
  view: ApprovalView<T>;
  /** RequestStore, ChangeRequestStore: the Lua of src/store/approval-scripts.ts. */
  store: PendingStore<T, T>;
  /** Added to the log lines and to the decision's audit details. */
  details(item: T): Record<string, unknown>;
  /** The `*.expired` record's details, and the `approval.nudged` record's kind. */
  expiredDetails(item: T): Record<string, unknown>;
  nudgeKind(item: T): string;
  /** The item's seal check (src/domain/approval-seal.ts), for this kind. */
  integrity(seals: ApprovalSeals, item: T): IntegrityProblem | null;
  /** What approving grants, for the card a decision rewrites (onboarding); null when its documents no longer render. */
  access?(item: T): AccessSummary | null;
}

/** `renderPlan`: the decided card keeps the sentence of what was approved (without it, it points to the thread). */
export const requestApprovals = (store: PendingStore<OnboardingRequest, OnboardingRequest>, renderPlan?: PlanRenderer): ApprovalKind<OnboardingRequest> => ({
  view: REQUEST_APPROVAL, store,
  ...(renderPlan ? { access: (r: OnboardingRequest) => accessOf(renderPlan, r) } : {}),
  details: () => ({}),
  expiredDetails: (r) => ({ expiresAt: r.expiresAt }),
  nudgeKind: () => 'onboarding',
  integrity: (seals, r) => seals.problem('request', r),
});

export const changeApprovals = (store: PendingStore<ChangeRequest, ChangeRequest>): ApprovalKind<ChangeRequest> => ({
  view: CHANGE_APPROVAL, store,
  details: (c) => ({ kind: c.spec.kind }),
  expiredDetails: (c) => ({ kind: c.spec.kind }),
  nudgeKind: (c) => c.spec.kind,
  integrity: (seals, c) => seals.problem('change', c),
});

function accessOf(renderPlan: PlanRenderer, r: OnboardingRequest): AccessSummary | null {
  try {
    return renderPlan(r).access;
  } catch {
    return null; // the platform's configuration changed since: the provision job refuses it (check-approval)
  }
}
