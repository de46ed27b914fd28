/** What the access review use cases take (docs/reviews.md): narrow ports, bound by the composition root. */
import type { PartnerRecord } from '../../domain/partner.js';
import type { Refusal } from '../../domain/errors.js';
import type { ReviewRules } from '../../domain/reviews.js';
import type { Approvers } from '../../domain/authorization.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PickupStore } from '../../store/pickups.js';
import type { ReviewStore } from '../../store/reviews.js';
import type { ApproverDirectory, Audit, Notify, UseCaseDeps } from '../ports.js';

export interface ReviewDeps extends UseCaseDeps {
  reviews: ReviewStore;
  partners: Pick<PartnerStore, 'get' | 'apply' | 'update'>;
  pickups: Pick<PickupStore, 'lastPickup' | 'history' | 'openDeliveries' | 'file'>;
  /** The partner's owner: set by an approved edit, else who requested it (src/container/workers.ts). */
  ownerOf(partner: PartnerRecord): Promise<string | null>;
  approvers: ApproverDirectory;
  /** Named in the escalation: APPROVERS and APPROVER_USERGROUP. */
  approverNames: Approvers;
  notify: Notify;
  audit: Audit;
  rules: ReviewRules;
  keyMaxAgeDays: number;
  approvalsChannel: string;
  /** Opens an offboarding change (the lifecycle's requestChange): its id, or why not. */
  requestOffboarding(input: { partnerId: string; requestedBy: string; reason: string }): Promise<{ ok: true; changeId: string } | ({ ok: false } & Refusal)>;
  /** Withdraws a pending change the bot asked for (the approval module's reject, by its requester). */
  withdrawChange(changeId: string): Promise<void>;
  /** Queues a drift check of the partner: what releases a quarantine (src/jobs/lifecycle). */
  recheck(partnerId: string): Promise<void>;
}
