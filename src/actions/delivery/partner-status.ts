/** `/partner-status <partner-id>`: the partner's record and its last deliveries. */
import { isPartnerId } from '../../domain/partner-id.js';
import type { DeliveryRecord } from '../../domain/delivery.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { code } from '../../bot/messages/mrkdwn.js';
import { describeKeys, type KeyView } from '../../domain/key-ages.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import type { Clock } from '../ports.js';

/** The partner's files not picked up yet (with their deadlines) and its last pickup (docs/pickups.md). */
export interface PickupStatus {
  open: { targetKey: string; deliveredAt: string; deadlineMs: number; overdue: boolean }[];
  openTotal: number;
  last: PickupRecord | null;
}

export interface PartnerStatusDeps {
  partners: { get(partnerId: string): Promise<PartnerRecord | null> };
  /** The partner's deliveries and failures, newest first. */
  history: (partnerId: string, count: number) => Promise<DeliveryRecord[]>;
  /** Flags SSH keys older than KEY_MAX_AGE_DAYS. */
  keyAges?: { clock: Clock; maxAgeDays: number };
  pickups?: (partnerId: string) => Promise<PickupStatus>;
}

export type PartnerStatusResult =
  | { ok: true; partner: PartnerRecord; deliveries: DeliveryRecord[]; oldKeys: KeyView[]; maxKeyAgeDays: number | null; pickups: PickupStatus | null }
  | { ok: false; message: string };

export const STATUS_DELIVERIES = 10;

export async function partnerStatus(deps: PartnerStatusDeps, input: { partnerId: string }): Promise<PartnerStatusResult> {
  const partnerId = input.partnerId.trim();
  if (partnerId === '') return { ok: false, message: 'Usage: `/partner-status <partner-id>`' };
  if (!isPartnerId(partnerId)) return { ok: false, message: `${code(partnerId.slice(0, 40))} is not a partner id.` };
  const partner = await deps.partners.get(partnerId);
  if (!partner) return { ok: false, message: `There is no partner ${code(partnerId)}.` };
  const oldKeys = deps.keyAges ? describeKeys(partner, deps.keyAges.clock.now(), deps.keyAges.maxAgeDays).filter((k) => k.old) : [];
  return {
    ok: true, partner, deliveries: await deps.history(partnerId, STATUS_DELIVERIES),
    oldKeys, maxKeyAgeDays: deps.keyAges?.maxAgeDays ?? null, pickups: deps.pickups ? await deps.pickups(partnerId) : null,
  };
}
