/** A partner as the registry holds it, and the statuses it moves through. */
export type PartnerStatus = 'provisioning' | 'provision_failed' | 'verifying' | 'verify_failed' | 'live' | 'quarantined' | 'offboarded';

export interface PartnerRecord {
  partnerId: string;
  requestId: string;
  displayName: string;
  contactEmail: string;
  accountId: string | null;
  /** Secret-ish: never logged. */
  externalId: string;
  feeds: string[];
  /** Normalized public keys. */
  sshKeys: string[];
  /** When each key (by its normalized text) was added after provisioning; absent: at provisionedAt. */
  keyAddedAt?: Record<string, string>;
  status: PartnerStatus;
  /** Steps completed by the provision job, in order (resume from the first missing one). */
  steps: string[];
  /** The notify ref of the partner's thread (the request card). */
  threadRef: string;
  channel: string;
  approvedBy: string;
  /**
   * Who answers for the partner (a Slack user id): reminded when its files are not picked up. Set to
   * the requester when provisioned; changed by an approved edit. Absent on older records: the
   * onboarding request's requester.
   */
  owner?: string;
  provisionedAt: string | null;
  verifiedAt: string | null;
  /** When the live probes last proved its isolation again after verification (the assurance job). */
  provenAt?: string;
  /**
   * When its access review lapsed unanswered and paused its deliveries (docs/reviews.md): a
   * quarantine no drift check releases while this is set; Keep on the review clears it.
   */
  reviewHold?: string;
  transferUserCreatedAt: string | null;
  dryRun: boolean;
  updatedAt: string;
}
