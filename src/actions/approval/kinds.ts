/**
 * The kinds of approval — onboarding requests and lifecycle changes — as data for the one approval
 * module: where the items are kept, what Slack shows of them (src/bot/messages/approval-card.ts) and
 * what the audit trail adds to say which kind it is. Everything else is the same rule and code.
 */
import type { ApprovalItem, DecideOutcome } from '../../domain/approval.js';
import type { ChangeRequest, Decision, OnboardingRequest } from '../../domain/requests.js';
import { CHANGE_APPROVAL, REQUEST_APPROVAL, type ApprovalView } from '../../bot/messages/approval-card.js';

/** What the approval module needs of a store (RequestStore, ChangeRequestStore: the Lua of src/store/approval-scripts.ts). */
export interface ApprovalStore<T> {
  get(id: string): Promise<T | null>;
  decide(item: T, decision: Decision, now: Date): Promise<DecideOutcome<T>>;
  expiredPending(now: Date, limit?: number): Promise<string[]>;
  pendingIds(limit?: number): Promise<string[]>;
  /** True the first time only. */
  markNudged(id: string, at: Date): Promise<boolean>;
}

export interface ApprovalKind<T extends ApprovalItem> {
  view: ApprovalView<T>;
  store: ApprovalStore<T>;
  /** Added to the log lines and to the decision's audit details. */
  details(item: T): Record<string, unknown>;
  /** The `*.expired` record's details, and the `approval.nudged` record's kind. */
  expiredDetails(item: T): Record<string, unknown>;
  nudgeKind(item: T): string;
}

export const requestApprovals = (store: ApprovalStore<OnboardingRequest>): ApprovalKind<OnboardingRequest> => ({
  view: REQUEST_APPROVAL, store,
  details: () => ({}),
  expiredDetails: (r) => ({ expiresAt: r.expiresAt }),
  nudgeKind: () => 'onboarding',
});

export const changeApprovals = (store: ApprovalStore<ChangeRequest>): ApprovalKind<ChangeRequest> => ({
  view: CHANGE_APPROVAL, store,
  details: (c) => ({ kind: c.spec.kind }),
  expiredDetails: (c) => ({ kind: c.spec.kind }),
  nudgeKind: (c) => c.spec.kind,
});
