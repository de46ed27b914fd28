/**
 * `partnergate reconcile --rebuild`, the delivery half: after Redis was lost, learn from the bucket
 * which (key, version) each partner already has, so that the next poll — which finds every file
 * under the outbound prefix again — delivers nothing twice.
 *
 * Only copies whose source is still under the outbound prefix matter (nothing else can be found
 * and delivered again; `/resend-file` forces a copy anyway), so the outbound prefix is listed
 * first, each copy under `partners/` is mapped back to its source by the routing rule
 * (`sourceOfCopy`), and only those whose source is there are asked for their provenance tags (one
 * GetObjectTagging each): the version they were copied from. For each, the delivery's done record
 * and the version's dispatched mark are written where missing (DeliveryStore.restoreDelivered):
 * the done record stops a deliver job for that partner, the dispatched mark stops the dispatch —
 * and with it a feed's fan-out and its summary — of a version some partner already received.
 */
import { deliveryHash, versionHash, type DeliveryRecord } from '../../domain/delivery.js';
import { sourceOfCopy, type RoutingConfig } from '../../domain/routing.js';
import { HOMES_PREFIX } from '../../domain/partner-id.js';
import type { DeliveryStore } from '../../store/deliveries.js';
import type { DeliveryStorage, ListedObject } from '../../actions/delivery/index.js';
import { forEachLimited } from './poll.js';

export interface RestoreMarksDeps {
  storage: Pick<DeliveryStorage, 'list' | 'deliveredFrom'>;
  store: Pick<DeliveryStore, 'restoreDelivered'>;
  routing: RoutingConfig;
  /** GetObjectTagging calls at once. Default 16. */
  concurrency?: number;
}

export interface RestoreMarksReport {
  /** Copies whose source is still under the outbound prefix: the ones a poll would find again. */
  checked: number;
  /** Deliveries whose marks were missing and are restored. */
  restored: number;
  /** Deliveries Redis still knew. */
  known: number;
  /** Copies whose source is gone from the outbound prefix: no poll finds it, so they were not read. */
  sourceGone: number;
  /** Copies whose tags do not name the version of their source (copied by hand, tags removed): a poll would deliver their source again. */
  unproven: string[];
}

export async function restoreDeliveryMarks(deps: RestoreMarksDeps): Promise<RestoreMarksReport> {
  const report: RestoreMarksReport = { checked: 0, restored: 0, known: 0, sourceGone: 0, unproven: [] };
  const sources = new Set<string>();
  for await (const o of deps.storage.list(deps.routing.outboundPrefix)) sources.add(o.key);
  const copies: (ListedObject & { partnerId: string; sourceKey: string })[] = [];
  for await (const o of deps.storage.list(HOMES_PREFIX)) {
    const from = sourceOfCopy(o.key, deps.routing);
    if (from === null) continue;
    if (sources.has(from.sourceKey)) copies.push({ ...o, ...from });
    else report.sourceGone += 1;
  }
  await forEachLimited(copies, deps.concurrency ?? 16, async (copy) => {
    report.checked += 1;
    const version = await deps.storage.deliveredFrom(copy.key, copy.sourceKey);
    if (version === null) {
      report.unproven.push(copy.key);
      return;
    }
    const ref = { key: copy.sourceKey, ...version };
    const record: DeliveryRecord = {
      outcome: 'delivered',
      at: (copy.lastModified ?? new Date(0)).toISOString(),
      partnerId: copy.partnerId,
      key: copy.sourceKey,
      versionId: 'versionId' in version ? version.versionId : null,
      targetKey: copy.key,
      size: copy.size,
    };
    if (await deps.store.restoreDelivered(versionHash(ref), deliveryHash(ref, copy.partnerId), record)) report.restored += 1;
    else report.known += 1;
  });
  report.unproven.sort();
  return report;
}

export function formatRestoreReport(r: RestoreMarksReport): string {
  const lines = [
    `deliveries restored from the partners' copies: ${r.restored} (${r.known} already known; ${r.checked} copies of files still under the outbound prefix read)`,
  ];
  if (r.sourceGone > 0) lines.push(`copies whose source is no longer under the outbound prefix, not read (no poll finds their source again): ${r.sourceGone}`);
  for (const key of r.unproven) {
    lines.push(`not restored: ${key} carries no provenance tag naming its source's version (copied by hand?): the next poll delivers its source to that partner again`);
  }
  return `${lines.join('\n')}\n`;
}
