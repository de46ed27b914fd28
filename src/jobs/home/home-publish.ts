/**
 * The App Home's publisher (docs/app-home.md "Freshness"): the `home` queue. People are marked due
 * (src/store/home.ts) — at once when they open the tab or filter, after a short delay and at most
 * once per window when something changes — and one drain job at a time builds each due person's
 * view from the stores and sends it with `views.publish`, only when it differs from the last one
 * sent. It reuses the notify queue's parts: the Slack client and its error reading, Redis-timed
 * pacing (one budget for the workspace, under views.publish's Tier 4), the backoff. A 429 puts the
 * person back after Retry-After; the view is built again when sent, so nothing is lost.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, type Job, type JobsOptions, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { HOME_AS_OF_BLOCK, type HomeView } from '../../bot/messages/home.js';
import { HomeStore } from '../../store/home.js';
import { takePaceSlot } from '../../store/slack-pace.js';
import { retryDelayMs, toSlackError, type SlackApi } from '../notify/index.js';
import { delayJob } from '../platform/delay-job.js';
import { createQueue, KEEP, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';

export const HOME_QUEUE = QUEUE_NAMES.home;
const DRAIN = 'drain';
const SWEEP = 'sweep';
/** The pacing key of views.publish: one budget for the workspace (`P:slack-pace:@views.publish`). */
const PACE_KEY = '@views.publish';

export interface HomePublishOptions {
  /** At most one publish per person per window when something changes. */
  windowMs: number;
  /** A change is built no sooner than this after it (a burst coalesces). */
  changeDelayMs: number;
  /** Viewers are those who opened the tab within this long. */
  viewerAgeMs: number;
  /** views.publish pacing for the workspace: ms between calls and burst (Tier 4: 100+ a minute). */
  paceMs: number;
  paceBurst: number;
  maxInlineWaitMs: number;
  /** Backoff of a person after a 5xx or network error. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Every viewer's Home is rebuilt this often (published only if it changed): what changes silently. */
  sweepEveryMs: number;
}

export const DEFAULT_HOME_OPTIONS: HomePublishOptions = {
  windowMs: 5000, changeDelayMs: 1000, viewerAgeMs: 7 * 86_400_000, paceMs: 700, paceBurst: 5, maxInlineWaitMs: 250,
  retryBaseMs: 1000, retryMaxMs: 5 * 60_000, sweepEveryMs: 60_000,
};

const JOB_OPTIONS: JobsOptions = { attempts: 100_000, backoff: { type: 'custom' }, removeOnComplete: true, removeOnFail: { count: 1000 } };

export const homeJobId = (gen: string): string => `home-${gen}`;

export function createHomeQueue(connection: Redis, prefix: string): Queue {
  return createQueue(HOME_QUEUE, connection, prefix);
}

export interface HomeMarkDeps {
  redis: Redis;
  prefix: string;
  queue: Queue;
  options?: Partial<HomePublishOptions>;
}

/**
 * Marks people (or every recent viewer) due and makes sure the drain job runs: `now` for someone
 * who asked (their Home goes at once), else after the change delay and within their window.
 */
export async function markHome(deps: HomeMarkDeps, who: readonly string[] | 'viewers', o: { now: boolean }): Promise<void> {
  const opts = { ...DEFAULT_HOME_OPTIONS, ...deps.options };
  const all = who === 'viewers';
  const mark = await new HomeStore(deps.redis, deps.prefix).mark(all ? [] : who, {
    nowMs: Date.now(), windowMs: o.now ? 0 : opts.windowMs, delayMs: o.now ? 0 : opts.changeDelayMs, viewerAgeMs: all ? opts.viewerAgeMs : 0,
  });
  if (mark.addJob) {
    // Should this fail, the drain hash stays and the next mark finds no job: the sweep's mark adds none either,
    // so the minute's sweep job re-adds it (recoverHomeDrain).
    await deps.queue.add(DRAIN, { gen: mark.gen }, { ...JOB_OPTIONS, jobId: homeJobId(mark.gen) });
  } else if (o.now && mark.gen !== '') {
    // The drain job may be waiting for someone due later: it goes now (a running job takes them in its loop).
    const job = await deps.queue.getJob(homeJobId(mark.gen));
    if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
  }
}

/**
 * Marks every recent viewer's Home stale for the changes of this process, at most once every
 * `everyMs`: the first change starts the wait, those during it ride along, and the mark runs after
 * all of them (its time, which the build reads the stores after, is later than each). A change
 * while a mark runs starts the next wait. A mark that fails, or is lost with the process, is the
 * minute's sweep's.
 */
export function viewerMarker(mark: () => Promise<void>, everyMs: number, onError: (err: unknown) => void): { changed(): void; stop(): void } {
  let waiting: NodeJS.Timeout | null = null;
  return {
    changed() {
      if (waiting) return;
      waiting = setTimeout(() => {
        waiting = null;
        mark().catch(onError);
      }, everyMs).unref();
    },
    /** A wait not yet over is dropped (the process is closing its connections). */
    stop() {
      if (waiting) clearTimeout(waiting);
      waiting = null;
    },
  };
}

/** The drain job of the current generation, added again if it went missing (a crash between the mark and the add). */
async function recoverHomeDrain(deps: HomeMarkDeps): Promise<void> {
  const gen = await deps.redis.hget(`${deps.prefix}:home:drain`, 'gen');
  if (gen === null) return;
  const job = await deps.queue.getJob(homeJobId(gen));
  if (!job) await deps.queue.add(DRAIN, { gen }, { ...JOB_OPTIONS, jobId: homeJobId(gen) });
}

/** The view's hash, the "as of" line aside: the same data gives the same hash. */
export function homeViewHash(view: HomeView): string {
  const blocks = view.blocks.filter((b) => (b as { block_id?: string }).block_id !== HOME_AS_OF_BLOCK);
  return createHash('sha256').update(JSON.stringify({ ...view, blocks })).digest('hex').slice(0, 32);
}

export async function scheduleHomeSweep(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler('home-sweep-every-minute', { every: everyMs }, { name: SWEEP, opts: KEEP });
}

export interface HomeWorkerDeps {
  redis: Redis;
  prefix: string;
  slack: SlackApi;
  logger: Logger;
  /** The view to publish to a person now, from the stores as they are after `markedAtMs` (when they were last marked), and the notice it shows. */
  viewFor(user: string, markedAtMs: number): Promise<{ view: HomeView; notice: string | null }>;
  onSlackError?: (code: string) => void;
  /** Each views.publish Slack accepted. */
  onPublished?: () => void;
  options?: Partial<HomePublishOptions>;
  stall?: StallOverrides;
}

export function createHomeWorker(deps: HomeWorkerDeps): Worker {
  const o = { ...DEFAULT_HOME_OPTIONS, ...deps.options };
  const { redis, prefix } = deps;
  const store = new HomeStore(redis, prefix);
  const log = deps.logger.child({ module: 'home' });
  const queue = createHomeQueue(redis, prefix);
  const failures = new Map<string, number>();
  let closing = false;

  const paced = async (): Promise<number> => {
    for (;;) {
      const wait = await takePaceSlot(redis, prefix, PACE_KEY, o.paceMs, o.paceBurst);
      if (wait === 0 || wait > o.maxInlineWaitMs) return wait;
      await sleep(wait);
    }
  };

  /** Publishes one person's Home if it changed; the ms the drain must wait (rate-limited), or 0. */
  const publish = async (user: string, markedAtMs: number): Promise<number> => {
    const { view, notice } = await deps.viewFor(user, markedAtMs);
    const hash = homeViewHash(view);
    if (hash === (await store.sentHash(user))) return 0;
    const wait = await paced();
    if (wait > 0) {
      await store.again(user, Date.now() + wait, markedAtMs);
      return wait;
    }
    try {
      await deps.slack.apiCall('views.publish', { user_id: user, view });
    } catch (err) {
      const e = toSlackError(err);
      if (!e) throw err;
      deps.onSlackError?.(e.code);
      if (e.retryAfterMs !== undefined) {
        log.info({ retryAfterMs: e.retryAfterMs }, 'home: Slack rate limit; publishing waits');
        await store.again(user, Date.now() + e.retryAfterMs, markedAtMs);
        return e.retryAfterMs;
      }
      if (!e.retryable) {
        log.warn({ code: e.code, user }, 'home: Slack refused a Home view; published again at the next change');
        return 0;
      }
      const n = (failures.get(user) ?? 0) + 1;
      failures.set(user, n);
      const delay = retryDelayMs(n, o.retryBaseMs, o.retryMaxMs);
      log.warn({ code: e.code, user, retryInMs: delay }, 'home: views.publish failed; retried');
      await store.again(user, Date.now() + delay, markedAtMs);
      return 0;
    }
    failures.delete(user);
    await store.recordSent(user, Date.now(), hash);
    if (notice !== null) await store.clearNotice(user, notice);
    deps.onPublished?.();
    return 0;
  };

  const processor = async (job: Job<{ gen?: string }>, token?: string): Promise<string> => {
    if (job.name === SWEEP) {
      await recoverHomeDrain({ redis, prefix, queue });
      await markHome({ redis, prefix, queue, options: o }, 'viewers', { now: false });
      return 'marked';
    }
    const gen = String(job.data.gen ?? '');
    for (;;) {
      if (closing) return delayJob(job, token, 0);
      const next = await store.next(gen, Date.now());
      if (next.kind === 'stale' || next.kind === 'done') return next.kind;
      if (next.kind === 'wait') return delayJob(job, token, next.ms);
      const wait = await publish(next.user, next.markedAtMs);
      if (wait > 0) return delayJob(job, token, wait);
    }
  };

  const worker = createWorker(HOME_QUEUE, processor, {
    connection: redis, prefix, concurrency: 1,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, o.retryBaseMs, o.retryMaxMs) },
  }, { logger: log, overrides: deps.stall });
  worker.on('error', (err) => log.error({ err }, 'home worker error'));
  worker.on('closing', () => {
    closing = true;
  });
  worker.on('closed', () => {
    queue.close().catch((err: unknown) => log.error({ err }, 'home: closing the queue failed'));
  });
  return worker;
}
