/**
 * When a partner goes LIVE, or a live partner subscribes to more feeds: release the deliveries parked
 * for it, and backfill — the latest version of every file in its subscribed feeds and its own
 * outbound folder — so a partner onboarded just after a publication, or subscribed to a feed
 * between publications, still gets the current files. Both run in one `go-live` job (on the dispatch queue), so the
 * hook the verify job calls is quick and a failure is retried. Deliveries keep their (key, version,
 * partner) identity: a parked file that the backfill also finds is delivered once.
 */
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../../logger.js';
import { FEEDS_SEGMENT, deliveryTarget } from '../../domain/routing.js';
import { markerVersion } from '../../store/deliveries.js';
import type { PartnerStore } from '../../store/partners.js';
import { KEEP } from '../platform/queues.js';
import { addDeliveries } from './deliver.js';
import type { DeliveryContext } from './delivery-context.js';
import { GO_LIVE_JOB, deliverPayload, type DeliverPayload, type GoLivePayload, type ListedObject } from '../../actions/delivery/index.js';

export function goLiveJobId(partnerId: string, stamp: string): string {
  return `golive-${partnerId}-${createHash('sha256').update(stamp).digest('hex').slice(0, 12)}`;
}

export interface GoLiveDeps {
  queue: Queue;
  partners: Pick<PartnerStore, 'get'>;
  logger: Logger;
}

/**
 * The hook the verify job calls once a partner is LIVE (its record saved with status `live`), and
 * the partner-change job once feeds were added. Queues the release and backfill; one job per
 * occasion: the id follows `stamp` (an approved change's id), else the record's verifiedAt.
 */
export async function onLive(deps: GoLiveDeps, partnerId: string, occasion?: string): Promise<void> {
  const partner = await deps.partners.get(partnerId);
  const stamp = occasion ?? partner?.verifiedAt ?? partner?.updatedAt ?? 'unknown';
  const payload: GoLivePayload = { partnerId };
  await deps.queue.add(GO_LIVE_JOB, payload, {
    ...KEEP, jobId: goLiveJobId(partnerId, stamp), attempts: 10, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  });
  deps.logger.info({ partnerId }, 'go-live: release and backfill queued');
}

export interface GoLiveOutcome {
  released: number;
  backfilled: number;
}

export async function processGoLive(ctx: DeliveryContext, partnerId: string): Promise<GoLiveOutcome | 'not-live'> {
  const partner = await ctx.partners.get(partnerId);
  if (!partner || partner.status !== 'live') return 'not-live';
  const log = ctx.logger.child({ partnerId });

  // Release: queue first, then forget — a crash in between releases again, and the delivery
  // record and the job id make that harmless.
  const parked = await ctx.store.parked(partnerId);
  const released: DeliverPayload[] = [];
  for (const raw of parked.values()) {
    const parsed = deliverPayload.safeParse(JSON.parse(raw));
    if (parsed.success) released.push({ ...parsed.data, origin: 'release', fanout: undefined, quiet: undefined });
    else log.error({ issue: parsed.error.issues[0]?.message }, 'go-live: unreadable parked delivery dropped');
  }
  await addDeliveries(ctx, released.map(stripUndefined));
  await ctx.store.unpark(partnerId, [...parked.keys()]);

  // Backfill: the partner's own folder and each subscribed feed.
  const out = ctx.routing.outboundPrefix;
  const prefixes = [`${out}${partnerId}/`, ...partner.feeds.map((f) => `${out}${FEEDS_SEGMENT}/${f}/`)];
  let backfilled = 0;
  for (const prefix of prefixes) {
    const batch: ListedObject[] = [];
    const flush = async () => {
      backfilled += await backfillBatch(ctx, partnerId, partner.feeds, batch.splice(0));
    };
    for await (const obj of ctx.storage.list(prefix)) {
      batch.push(obj);
      if (batch.length >= 200) await flush();
    }
    await flush();
  }
  log.info({ released: released.length, backfilled }, 'go-live: parked deliveries released, backfill queued');
  return { released: released.length, backfilled };
}

async function backfillBatch(ctx: DeliveryContext, partnerId: string, feeds: string[], objects: ListedObject[]): Promise<number> {
  const markers = await ctx.store.markers(objects.map((o) => o.key));
  const payloads: DeliverPayload[] = [];
  for (const [i, obj] of objects.entries()) {
    const target = deliveryTarget({ partnerId, feeds }, obj.key, ctx.routing);
    if (target === null) continue; // unroutable files were reported when they were dispatched
    // The poller's marker gives the version without a HeadObject when the key has not changed.
    const known = markerVersion(markers[i], obj);
    const version = known ? { versionId: known.versionId, etag: obj.etag, lastModified: obj.lastModified } : await ctx.storage.latest(obj.key);
    if (version === null) continue; // deleted since the listing
    payloads.push(stripUndefined({
      key: obj.key, versionId: version.versionId, etag: version.etag, lastModified: version.lastModified?.toISOString(),
      partnerId, targetKey: target.targetKey, route: target.route, feed: target.feed, origin: 'backfill',
    }));
  }
  await addDeliveries(ctx, payloads);
  return payloads.length;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
