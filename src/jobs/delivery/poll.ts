/**
 * The polling source (the default): a BullMQ job scheduler runs `poll` every POLL_INTERVAL_SECONDS.
 * It lists OUTBOUND_PREFIX and dispatches each version it has not dispatched before.
 *
 * ListObjectsV2 gives no version id, so a changed key is looked up with HeadObject; a per-key
 * marker (ETag, LastModified, size — and the version HeadObject gave) keeps unchanged keys from
 * being looked up again on every poll. Markers of keys that are gone are pruned after a full listing.
 */
import type { Queue } from 'bullmq';
import { isDirectoryPlaceholder } from '../../domain/routing.js';
import { formatMarker, markerVersion, type DeliveryStore } from '../../store/deliveries.js';
import { normalizeEtag } from '../../domain/delivery.js';
import type { Logger } from '../../logger.js';
import type { DeliveryStorage, DispatchPayload, ListedObject } from '../../actions/delivery/index.js';

export const POLL_SCHEDULER_ID = 'poll-outbound';
export const POLL_JOB = 'poll';

/** Creates or updates the repeatable poll (idempotent: every process may call it at start). */
export async function schedulePoll(queue: Queue, intervalSeconds: number): Promise<void> {
  await queue.upsertJobScheduler(
    POLL_SCHEDULER_ID,
    { every: intervalSeconds * 1000 },
    { name: POLL_JOB, data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
  );
}

export interface PollDeps {
  storage: Pick<DeliveryStorage, 'list' | 'latest'>;
  store: Pick<DeliveryStore, 'markers' | 'setMarkers' | 'pruneMarkers'>;
  enqueueDispatch: (payload: DispatchPayload) => Promise<void>;
  outboundPrefix: string;
  headConcurrency: number;
  logger: Logger;
}

export interface PollResult {
  listed: number;
  /** HeadObject calls made (keys new or changed since the last poll). */
  looked: number;
  dispatched: number;
  pruned: number;
}

export async function processPoll(deps: PollDeps): Promise<PollResult> {
  const result: PollResult = { listed: 0, looked: 0, dispatched: 0, pruned: 0 };
  const present = new Set<string>();
  let batch: ListedObject[] = [];
  const flush = async () => {
    const objects = batch;
    batch = [];
    await pollBatch(deps, objects, result);
  };
  for await (const obj of deps.storage.list(deps.outboundPrefix)) {
    if (isDirectoryPlaceholder(obj.key)) continue;
    result.listed += 1;
    present.add(obj.key);
    batch.push(obj);
    if (batch.length >= 500) await flush();
  }
  await flush();
  result.pruned = await deps.store.pruneMarkers(present);
  if (result.looked > 0 || result.pruned > 0) deps.logger.info({ ...result }, 'poll: outbound listed');
  return result;
}

async function pollBatch(deps: PollDeps, objects: ListedObject[], result: PollResult): Promise<void> {
  const markers = await deps.store.markers(objects.map((o) => o.key));
  const changed = objects.filter((o, i) => markerVersion(markers[i], o) === undefined);
  const newMarkers: [string, string][] = [];
  await forEachLimited(changed, deps.headConcurrency, async (obj) => {
    result.looked += 1;
    const version = await deps.storage.latest(obj.key);
    if (version === null) return; // deleted since the listing
    await deps.enqueueDispatch({
      key: obj.key,
      ...(version.versionId !== undefined ? { versionId: version.versionId } : {}),
      etag: normalizeEtag(version.etag),
      size: version.size,
      ...(version.lastModified ? { lastModified: version.lastModified.toISOString() } : {}),
      source: 'poll',
    });
    result.dispatched += 1;
    // Remember what the listing showed; if the key changed between the listing and the HeadObject,
    // leave it unmarked so the next poll looks again.
    if (normalizeEtag(version.etag) === normalizeEtag(obj.etag)) newMarkers.push([obj.key, formatMarker(obj, version.versionId)]);
  });
  await deps.store.setMarkers(newMarkers);
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(runners);
}
