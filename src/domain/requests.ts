/**
 * The two kinds of request that need a second person: onboarding a partner, and a lifecycle change
 * of a live partner (offboarding, SSH keys, ExternalId rotation, feeds and contact, a re-apply that
 * creates something or rewrites a trust policy). Their shapes and ids;
 * src/store keeps them, src/actions/approval decides them.
 */
import { randomBytes } from 'node:crypto';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** What every approval has, whatever it approves (the two-person rule, src/domain/approval.ts, reads these). */
export interface ApprovalData {
  id: string;
  partnerId: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** Where its card is posted. */
  channel: string;
}

/**
 * The MACs that bind an approval (src/domain/approval-seal.ts): `seal` over its content, written
 * when it was created; `decisionSeal` over its decision and `seal`, written with the decision.
 * Absent on items stored before approvals were sealed (every job refuses those).
 */
export interface Seals {
  seal?: string | undefined;
  decisionSeal?: string | undefined;
  /** The MAC over `firstApproval` and `seal`, written with it. */
  firstApprovalSeal?: string | undefined;
}

/**
 * An approval as stored: its data, where it stands, and its seals. `firstApproval`: the first of the
 * two approvals an item the bot asked for needs (src/domain/approval.ts `approvalsNeeded`), recorded
 * while it stays pending; absent on everything else.
 */
export type Decided<D> = D & { status: RequestStatus; decision: Decision | null; firstApproval?: FirstApproval | undefined } & Seals;

export interface OnboardingRequestData extends ApprovalData {
  displayName: string;
  contactEmail: string;
  /** Normalized `<type> <base64>` public keys. */
  sshKeys: string[];
  /** Their comments as pasted (normalized key → comment), shown in the plan; absent on older requests. */
  sshKeyComments?: Record<string, string>;
  accountId: string | null;
  /** Secret-ish: never logged, never shown in the plan. */
  externalId: string;
  feeds: string[];
  notes: string;
  planHash: string;
}

export interface Decision {
  status: 'approved' | 'rejected' | 'expired';
  by: string;
  at: string;
  via: 'button' | 'reaction' | 'expiry';
  /** On the approval of an item that needs two approvers: the first one's, which this second one completes. */
  first?: FirstApproval;
}

/** One approver's approval of an item that needs two, before the second. */
export interface FirstApproval {
  by: string;
  at: string;
  via: 'button' | 'reaction';
}

export type OnboardingRequest = Decided<OnboardingRequestData>;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** `req_` + 26 base32 characters: no `:`, never all digits (BullMQ job id rules). */
export function newRequestId(): string {
  const bytes = randomBytes(26);
  let id = 'req_';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}

export type OffboardPrefixOption = 'keep' | 'archive';

export type ChangeSpec =
  | { kind: 'offboard'; prefix: OffboardPrefixOption; reason: string }
  /** Keys to import (normalized `<type> <base64>`) and to delete (by SHA256 fingerprint). */
  | { kind: 'ssh-keys'; add: string[]; remove: string[] }
  | { kind: 'external-id'; reason: string }
  /**
   * Feeds and contact of a live partner (the edit modal): feeds to start and to stop, and the new
   * contact (null: unchanged). All three wait for an approver, as the other changes do.
   */
  | {
    kind: 'edit'; addFeeds: string[]; removeFeeds: string[]; contactEmail: string | null;
    /** The new owner (a Slack user id; null or absent: unchanged; absent on changes stored before owners). */
    owner?: string | null;
  }
  /**
   * Re-apply of a reported drift whose repair creates something or rewrites a trust policy
   * (src/domain/drift.ts `secondApproverItems`): the drift's hash, and the lines of those items.
   * Asked by whoever pressed Re-apply, approved by another approver.
   */
  | { kind: 'reapply'; hash: string; items: string[] };

export type ChangeKind = ChangeSpec['kind'];

export interface ChangeRequestData extends ApprovalData {
  spec: ChangeSpec;
  /** The notify ref of the partner's card, whose thread (in `channel`) the change's card goes to. */
  threadRef: string;
}

export type ChangeRequest = Decided<ChangeRequestData>;

/** `chg_` + 26 base32 characters: no `:`, never all digits (BullMQ job id rules). */
export function newChangeId(): string {
  let id = 'chg_';
  for (const b of randomBytes(26)) id += ALPHABET[b & 31];
  return id;
}

export const CHANGE_ID_PATTERN = /^chg_[a-z2-7]{26}$/;
