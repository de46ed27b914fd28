/** What a review shows beside its buttons: pickups, files never picked up, isolation, key ages, idleness. */
import { describeKeys } from '../../domain/key-ages.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { idleDays, type ReviewEvidence } from '../../domain/reviews.js';
import type { ReviewDeps } from './deps.js';

const OLDEST_SHOWN = 5;

export async function gatherEvidence(deps: Pick<ReviewDeps, 'pickups' | 'rules' | 'keyMaxAgeDays'>, p: PartnerRecord, now: Date): Promise<ReviewEvidence> {
  const [last, history, open] = await Promise.all([
    deps.pickups.lastPickup(p.partnerId), deps.pickups.history(p.partnerId, 3), deps.pickups.openDeliveries(p.partnerId),
  ]);
  const files = await Promise.all(open.slice(0, OLDEST_SHOWN).map((o) => deps.pickups.file(o.dh)));
  return {
    lastPickups: history.map((h) => ({ at: h.at, targetKey: h.targetKey, channel: h.channel, outcome: h.outcome })),
    neverPickedUp: {
      total: open.length,
      oldest: files.flatMap((f) => (f ? [{ targetKey: f.targetKey, deliveredAt: f.at }] : [])),
    },
    isolationProvenAt: p.provenAt ?? p.verifiedAt,
    keys: describeKeys(p, now, deps.keyMaxAgeDays).map((k) => ({ type: k.type, fingerprint: k.fingerprint, ageDays: k.ageDays, old: k.old })),
    keyMaxAgeDays: deps.keyMaxAgeDays,
    idleDays: idleDays(last?.at ?? null, p.verifiedAt, now.getTime(), deps.rules),
  };
}

/** The evidence as the audit record keeps it: counts and times, no file names. */
export const evidenceSummary = (e: ReviewEvidence) => ({
  lastPickupAt: e.lastPickups[0]?.at ?? null, neverPickedUp: e.neverPickedUp.total, isolationProvenAt: e.isolationProvenAt,
  keys: e.keys.length, oldKeys: e.keys.filter((k) => k.old).length, idleDays: e.idleDays,
});
