/**
 * The two kinds of request that need a second person: onboarding a partner, and a lifecycle change
 * of a live partner (offboarding, SSH keys, ExternalId rotation, added feeds). Their shapes and ids;
 * src/store keeps them, src/actions/approval decides them.
 */
import { randomBytes } from 'node:crypto';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface OnboardingRequestData {
  id: string;
  partnerId: string;
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
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  planHash: string;
  channel: string;
}

export interface Decision {
  status: 'approved' | 'rejected' | 'expired';
  by: string;
  at: string;
  via: 'button' | 'reaction' | 'expiry';
}

export interface OnboardingRequest extends OnboardingRequestData {
  status: RequestStatus;
  decision: Decision | null;
}

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
  | { kind: 'add-feeds'; feeds: string[] };

export type ChangeKind = ChangeSpec['kind'];

export interface ChangeRequestData {
  id: string;
  partnerId: string;
  spec: ChangeSpec;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** Where the partner's thread is: its channel and the notify ref of its card. */
  channel: string;
  threadRef: string;
}

export interface ChangeRequest extends ChangeRequestData {
  status: RequestStatus;
  decision: Decision | null;
}

/** `chg_` + 26 base32 characters: no `:`, never all digits (BullMQ job id rules). */
export function newChangeId(): string {
  let id = 'chg_';
  for (const b of randomBytes(26)) id += ALPHABET[b & 31];
  return id;
}

export const CHANGE_ID_PATTERN = /^chg_[a-z2-7]{26}$/;
