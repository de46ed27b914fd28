/**
 * The dispatch step: one job per (key, version), whichever source saw it and however often. It
 * routes the key (docs/architecture.md "Delivery") and fans out one deliver job per partner, parks deliveries for
 * partners that are not LIVE yet, and reports what goes nowhere — once.
 *
 * The source version is read once here (HeadObject, ChecksumMode ENABLED) and its facts — size,
 * ETag, CRC64NVME, and the metadata the copies are written with (content headers and the
 * allow-listed user metadata, nothing else of the pipeline's) — travel in every deliver payload, so each delivery is one CopyObject instead of a
 * read of the same source per partner (src/aws/s3-copy-verified.ts).
 */
import type { Queue, JobsOptions } from 'bullmq';
import { feedTargetKey, routeOutboundKey } from '../../domain/routing.js';
import { deliveryHash, normalizeEtag, versionHash } from '../../domain/delivery.js';
import { buildDispatchStalledOut, buildFanoutSummary, buildUndeliverable, buildUnroutable } from '../../bot/messages/delivery.js';
import { KEEP } from '../platform/queues.js';
import { addDeliveries, parkOrDeliver } from './deliver.js';
import type { DeliveryContext } from './delivery-context.js';
import { DISPATCH_JOB, dispatchJobId, type DeliverPayload, type DispatchPayload } from '../../actions/delivery/index.js';
import { type SourceFacts } from '../../domain/delivery.js';
import type { Logger } from '../../logger.js';

export const DISPATCH_JOB_OPTIONS: JobsOptions = {
  ...KEEP,
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
};

/**
 * Queues the dispatch of one version. Resolves once the job is stored in Redis; the same version
 * queued again while BullMQ still holds its job is not queued twice (and the job itself checks).
 */
export async function enqueueDispatch(queue: Queue, payload: DispatchPayload): Promise<void> {
  await queue.add(DISPATCH_JOB, payload, { ...DISPATCH_JOB_OPTIONS, jobId: dispatchJobId(payload) });
}

export type DispatchOutcome = 'duplicate' | 'ignored' | 'unroutable' | 'unknown-partner' | 'offboarded' | 'queued' | 'parked' | 'fanned-out' | 'stalled-out';

/**
 * A dispatch whose worker died with it more often than its queue allows (src/jobs/platform/stalls.ts):
 * reported in DELIVERIES_CHANNEL and not tried again (a fan-out too large for the worker would kill
 * it every time). One that finished before the last death is left alone.
 */
export async function stalledOutDispatch(ctx: DeliveryContext, p: DispatchPayload, deaths: number): Promise<DispatchOutcome> {
  if (await ctx.store.wasDispatched(versionHash(p))) return 'duplicate';
  await ctx.notify({ op: 'post', channel: ctx.deliveriesChannel, ...buildDispatchStalledOut(p.key, deaths) });
  return 'stalled-out';
}

export async function processDispatch(ctx: DeliveryContext, p: DispatchPayload): Promise<DispatchOutcome> {
  const vh = versionHash(p);
  if (await ctx.store.wasDispatched(vh)) return 'duplicate';
  const log = ctx.logger.child({ key: p.key, versionId: p.versionId, source: p.source });
  const route = routeOutboundKey(p.key, ctx.routing);

  if (route.kind === 'unroutable') {
    // Report at most once: mark first, so a rerun after a crash does not report again.
    if (!(await ctx.store.markDispatched(vh))) return 'duplicate';
    if (route.code === 'directory-placeholder') return 'ignored';
    log.warn({ code: route.code, reason: route.reason }, 'dispatch: unroutable file left alone');
    await ctx.notify({ op: 'post', channel: ctx.deliveriesChannel, ...buildUnroutable(p.key, route.reason) });
    return 'unroutable';
  }

  const source = await readFacts(ctx, p, log);
  const base = {
    key: p.key,
    ...(p.versionId !== undefined ? { versionId: p.versionId } : {}),
    ...(p.etag !== undefined ? { etag: p.etag } : {}),
    ...(p.lastModified !== undefined ? { lastModified: p.lastModified } : {}),
    ...(source ? { source } : {}),
  };

  if (route.kind === 'partner') {
    const partner = await ctx.partners.get(route.partnerId);
    if (!partner || partner.status === 'offboarded') {
      if (!(await ctx.store.markDispatched(vh))) return 'duplicate';
      const reason = partner ? 'offboarded' : 'unknown';
      log.warn({ partnerId: route.partnerId, reason }, 'dispatch: file for a partner that cannot receive it');
      await ctx.notify({ op: 'post', channel: ctx.deliveriesChannel, ...buildUndeliverable(p.key, route.partnerId, reason) });
      return reason === 'unknown' ? 'unknown-partner' : 'offboarded';
    }
    const payload: DeliverPayload = { ...base, partnerId: route.partnerId, targetKey: route.target, route: 'partner', origin: 'dispatch' };
    const outcome = await parkOrDeliver(ctx, partner.status === 'live', payload);
    await ctx.store.markDispatched(vh);
    log.info({ partnerId: route.partnerId, outcome }, 'dispatch: partner file');
    return outcome;
  }

  // A feed: every subscriber. Offboarded partners are not in the subscriber set.
  const subscribers = (await ctx.partners.subscribers(route.feed)).sort();
  const live: DeliverPayload[] = [];
  let parked = 0;
  for (const partnerId of subscribers) {
    const partner = await ctx.partners.get(partnerId);
    if (!partner || partner.status === 'offboarded' || !partner.feeds.includes(route.feed)) continue;
    const payload: DeliverPayload = {
      ...base, partnerId, targetKey: feedTargetKey(partnerId, route.feed, route.path), route: 'feed', feed: route.feed, origin: 'dispatch',
    };
    if (partner.status !== 'live' && (await ctx.store.park(partnerId, deliveryHash(payload, partnerId), payload))) parked += 1;
    else live.push(payload);
  }
  const quiet = live.length > ctx.fanoutThreadThreshold;
  await ctx.store.startFanout(vh, { feed: route.feed, key: p.key, total: live.length, parked, quiet });
  await addDeliveries(ctx, live.map((d) => ({ ...d, fanout: vh, ...(quiet ? { quiet } : {}) })));
  if (live.length === 0 && (await ctx.store.markDispatched(vh))) {
    await ctx.notify({
      op: 'post', channel: ctx.deliveriesChannel,
      ...buildFanoutSummary({ feed: route.feed, key: p.key, delivered: 0, failed: 0, total: 0, parked, failures: [] }),
    });
  } else {
    await ctx.store.markDispatched(vh);
  }
  log.info({ feed: route.feed, partners: live.length, parked, quiet }, 'dispatch: feed fan-out');
  return 'fanned-out';
}

/**
 * The facts of the dispatched version, for every delivery of it. Undefined — each delivery then
 * reads the source itself, as before — when the version is gone, when (on an unversioned bucket)
 * the key now holds other content than the version dispatched, or when the read fails: the facts
 * save requests, they never decide an outcome.
 */
async function readFacts(ctx: DeliveryContext, p: DispatchPayload, log: Logger): Promise<SourceFacts | undefined> {
  let facts;
  try {
    facts = await ctx.storage.sourceFacts(p.key, p.versionId);
  } catch (err) {
    log.warn({ err }, 'dispatch: could not read the source once; each delivery reads it');
    return undefined;
  }
  if (facts === null) return undefined;
  if (p.versionId === undefined && p.etag !== undefined && normalizeEtag(p.etag) !== normalizeEtag(facts.etag)) return undefined;
  return {
    etag: facts.etag, size: facts.size,
    ...(facts.crc64nvme !== undefined ? { crc64nvme: facts.crc64nvme } : {}),
    ...(facts.metadata !== undefined ? { metadata: facts.metadata } : {}),
  };
}
