/**
 * The notify queue: the one way to Slack (docs/architecture.md "Notify: the one way to Slack").
 *
 * `enqueueNotify` appends a message to its lane's outbox (src/store/outbox.ts) and makes sure one
 * BullMQ job drains that lane. The job sends the lane's messages oldest first and removes each only
 * after Slack accepted it (at-least-once). 429 and 5xx move the job to delayed, so the lane waits
 * while other lanes go on; permanent errors go to the dead letters and the lane continues.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { delayJob } from '../platform/delay-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { AppError, ErrorCode, SlackError } from '../../domain/errors.js';
import { refAt } from '../../store/message-refs.js';
import { appendToLanes, laneHead, laneOfRef, lanesWithJobs, settleHead, type LaneEntry } from '../../store/outbox.js';
import { takePaceSlot } from '../../store/slack-pace.js';
import { laneOf, parseNotifyMessage, priorityOf, type NotifyMessage } from '../../domain/notify-message.js';
import { sendNotify, type SentMessage, type SlackApi } from './notify-send.js';
import { createQueue, QUEUE_NAMES } from '../platform/queues.js';

export type { NotifyMessage, NotifyPriority, ThreadRef, SlackBlock } from '../../domain/notify-message.js';
export { NOTIFY_PRIORITIES } from '../../domain/notify-message.js';
export { createNotifySlackClient, type SlackApi } from './notify-send.js';

export const NOTIFY_QUEUE = QUEUE_NAMES.notify;
export const NOTIFY_JOB = 'drain-lane';

export interface NotifyJobData {
  lane: string;
  /** The lane's generation: only the job whose gen is in the lane's job hash may drain it. */
  gen: string;
  /** Transient failures in a row (5xx, network): drives the backoff; reset by a success. */
  failures?: number;
}

/** Deterministic: no `:`, never all digits. */
export function notifyJobId(lane: string, gen: string): string {
  return `lane-${createHash('sha256').update(lane).digest('hex').slice(0, 24)}-${gen}`;
}

/** Unexpected errors (not Slack's) are retried for ever, in effect, with the custom backoff. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 100_000,
  backoff: { type: 'custom' },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

/** Exponential backoff with jitter: between half and all of min(max, base·2^(n-1)). */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The queue `enqueueNotify` adds drain jobs to. Its keys live under `<prefix>:notify:`. */
export function createNotifyQueue(connection: Redis, prefix: string): Queue<NotifyJobData> {
  return createQueue<NotifyJobData>(NOTIFY_QUEUE, connection, prefix);
}

export interface NotifyDeps {
  redis: Redis;
  prefix: string;
  queue: Queue<NotifyJobData>;
}

/** The lane a message goes to (its thread); see laneOf. `known`: lanes of refs not stored yet. */
export function notifyLane(deps: Pick<NotifyDeps, 'redis' | 'prefix'>, message: NotifyMessage, known?: ReadonlyMap<string, string>): Promise<string> {
  return laneOf(message, {
    laneOfRef: async (ref) => known?.get(ref) ?? laneOfRef(deps.redis, deps.prefix, ref),
    refAt: (channel, ts) => refAt(deps.redis, deps.prefix, channel, ts),
  });
}

/**
 * Queues a message, or several in order, for Slack. Resolves once they are stored in Redis (several
 * in one step); they are sent later, in order within each lane. Throws ValidationError for a
 * malformed message (nothing is queued).
 */
export async function enqueueNotify(deps: NotifyDeps, message: NotifyMessage | readonly NotifyMessage[]): Promise<void> {
  const checked = (isList(message) ? message : [message]).map(parseNotifyMessage);
  // A message naming a ref posted earlier in this batch joins that post's lane (as it would once stored).
  const batchLanes = new Map<string, string>();
  const at = new Date().toISOString();
  const entries: LaneEntry[] = [];
  for (const m of checked) {
    const lane = await notifyLane(deps, m, batchLanes);
    const ref = m.op === 'post' ? m.ref : undefined;
    if (ref !== undefined) batchLanes.set(ref, lane);
    entries.push({ lane, raw: JSON.stringify({ id: randomUUID(), at, message: m }), prio: priorityOf(m), ref });
  }
  const appended = await appendToLanes(deps.redis, deps.prefix, entries);
  // Per lane: the job (of the lane's generation) at the priority the lane has after the whole batch.
  const lanes = new Map<string, { gen: string; created: boolean; raised: boolean; prio: number }>();
  appended.forEach((a, i) => {
    const lane = entries[i]!.lane;
    const seen = lanes.get(lane);
    lanes.set(lane, { gen: a.gen, prio: a.prio, created: (seen?.created ?? false) || a.job === 'created', raised: (seen?.raised ?? false) || a.job === 'raised' });
  });
  await Promise.all([...lanes].map(async ([lane, l]) => {
    const jobId = notifyJobId(lane, l.gen);
    if (l.created) {
      // Should this fail (or the process die right here), the lane's job hash stays and the
      // worker's recovery sweep adds the job: the message is not stranded.
      await deps.queue.add(NOTIFY_JOB, { lane, gen: l.gen }, { ...JOB_OPTIONS, jobId, priority: l.prio });
    } else if (l.raised) {
      // An approval joined a lane of receipts: the lane's job goes sooner. Best effort: a job that
      // is running right now keeps its turn and takes the new priority when it next yields.
      const job = await deps.queue.getJob(jobId);
      await job?.changePriority({ priority: l.prio }).catch(() => undefined);
    }
  }));
}

const isList = (m: NotifyMessage | readonly NotifyMessage[]): m is readonly NotifyMessage[] => Array.isArray(m);

export interface NotifyWorkerOptions {
  /** Lanes drained at once by this worker. */
  concurrency: number;
  /** Per-channel pacing of chat.postMessage (ms between messages; 0 = none) and burst. */
  paceMs: number;
  paceBurst: number;
  /** A pacing wait up to this long is waited in place; a longer one delays the job. */
  maxInlineWaitMs: number;
  /** A job yields its slot (back to the queue, by priority) after this many messages or ms. */
  batch: number;
  batchMs: number;
  /** Backoff for 5xx and network errors. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often to look for lanes whose job went missing; lanes younger than the grace are left alone. */
  recoverEveryMs: number;
  recoverGraceMs: number;
}

export const DEFAULT_NOTIFY_WORKER_OPTIONS: NotifyWorkerOptions = {
  concurrency: 8,
  paceMs: 1000,
  paceBurst: 3,
  maxInlineWaitMs: 2000,
  batch: 20,
  batchMs: 10_000,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60_000,
  recoverEveryMs: 60_000,
  recoverGraceMs: 10_000,
};

export interface NotifyWorkerDeps {
  /** A connection with `maxRetriesPerRequest: null` (BullMQ duplicates it for blocking calls). */
  redis: Redis;
  prefix: string;
  slack: SlackApi;
  logger: Logger;
  /** Called with the code of every Slack error (`ratelimited`, `http_503`, `channel_not_found`, ...). */
  onSlackError?: (code: string) => void;
  options?: Partial<NotifyWorkerOptions>;
}

interface StoredEntry {
  id: string;
  at: string;
  message: NotifyMessage;
}

function parseEntry(raw: string): StoredEntry | undefined {
  try {
    const value = JSON.parse(raw) as Partial<StoredEntry>;
    if (typeof value.id !== 'string' || typeof value.at !== 'string') return undefined;
    return { id: value.id, at: value.at, message: parseNotifyMessage(value.message) };
  } catch {
    return undefined;
  }
}

/** Moves the job back to the queue for `ms` (0: it takes its turn again by priority) and ends this run. */
const requeue = (job: Job<NotifyJobData>, token: string | undefined, ms: number): Promise<never> => delayJob(job, token, ms);

/**
 * Adds the drain job of every lane whose job went missing (a crash between storing a message and
 * adding its job) and retries any that failed. Returns how many lanes it restarted.
 */
export async function recoverNotifyLanes(
  deps: { redis: Redis; prefix: string; queue: Queue<NotifyJobData>; logger: Logger },
  graceMs: number,
): Promise<number> {
  let restarted = 0;
  for (const lane of await lanesWithJobs(deps.redis, deps.prefix)) {
    if (Date.now() - lane.since < graceMs) continue;
    const jobId = notifyJobId(lane.lane, lane.gen);
    const job = await deps.queue.getJob(jobId);
    if (!job) {
      await deps.queue.add(NOTIFY_JOB, { lane: lane.lane, gen: lane.gen }, { ...JOB_OPTIONS, jobId, priority: lane.prio });
    } else {
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed') continue;
      await job.retry(state);
    }
    restarted += 1;
    deps.logger.warn({ lane: lane.lane, jobId }, 'notify: restarted the drain job of a lane');
  }
  return restarted;
}

/** The BullMQ worker that drains lanes. Close it with `await worker.close()`. */
export function createNotifyWorker(deps: NotifyWorkerDeps): Worker<NotifyJobData> {
  const o = { ...DEFAULT_NOTIFY_WORKER_OPTIONS, ...deps.options };
  const { redis, prefix, slack } = deps;
  const log = deps.logger.child({ module: 'notify' });
  let closing = false;

  /** Waits for a pacing slot in `channel`; false when the wait is too long to hold the worker slot. */
  const paced = async (channel: string): Promise<number> => {
    for (;;) {
      const wait = await takePaceSlot(redis, prefix, channel, o.paceMs, o.paceBurst);
      if (wait === 0 || wait > o.maxInlineWaitMs) return wait;
      await sleep(wait);
    }
  };

  const deadLetter = async (data: NotifyJobData, raw: string, entry: StoredEntry | undefined, code: string, error: string) => {
    const message = entry?.message;
    const dead = { at: new Date().toISOString(), lane: data.lane, code, error, entry: entry ?? { raw } };
    const channel = message && 'channel' in message ? message.channel : undefined;
    log.warn({ lane: data.lane, code, op: message?.op, channel, messageId: entry?.id }, 'notify: Slack refused a message for good; kept in the dead letters');
    return settleHead(redis, prefix, data.lane, data.gen, raw, { dead });
  };

  const processor = async (job: Job<NotifyJobData>, token?: string): Promise<string> => {
    const { lane, gen } = job.data;
    const started = Date.now();
    let sent = 0;
    for (;;) {
      const head = await laneHead(redis, prefix, lane, gen);
      if (head.state !== 'head') return head.state;
      if (sent >= o.batch || Date.now() - started >= o.batchMs || closing) return requeue(job, token, 0);

      const entry = parseEntry(head.raw);
      if (!entry) {
        await deadLetter(job.data, head.raw, undefined, ErrorCode.InvalidMessage, 'the stored message could not be read');
        continue;
      }
      if (entry.message.op === 'post') {
        const wait = await paced(entry.message.channel);
        if (wait > 0) return requeue(job, token, wait);
      }

      let result: SentMessage;
      try {
        result = await sendNotify(slack, redis, prefix, entry.message);
      } catch (err) {
        if (!(err instanceof AppError)) throw err; // a bug, Redis down: the job fails and BullMQ retries it
        deps.onSlackError?.(err.code);
        if (!err.retryable) {
          await deadLetter(job.data, head.raw, entry, err.code, err.message);
          continue;
        }
        if (err instanceof SlackError && err.retryAfterMs !== undefined) {
          log.info({ lane, retryAfterMs: err.retryAfterMs }, 'notify: Slack rate limit; the lane waits');
          return requeue(job, token, err.retryAfterMs);
        }
        const failures = (job.data.failures ?? 0) + 1;
        const delay = retryDelayMs(failures, o.retryBaseMs, o.retryMaxMs);
        await job.updateData({ ...job.data, failures });
        log.warn({ lane, code: err.code, failures, retryInMs: delay }, 'notify: Slack call failed; will retry');
        return requeue(job, token, delay);
      }

      const settled = await settleHead(redis, prefix, lane, gen, head.raw, { sent: result.record });
      if (settled !== 'ok') {
        log.warn({ lane, settled, messageId: entry.id }, 'notify: lane changed hands while sending; this job stops');
        return settled;
      }
      if (entry.message.op === 'post' && entry.message.ref !== undefined && result.record === null) {
        log.warn({ lane, ref: entry.message.ref }, 'notify: Slack answered no ts; the ref was not recorded');
      }
      if (job.data.failures) await job.updateData({ lane, gen });
      sent += 1;
    }
  };

  const worker = new Worker<NotifyJobData>(NOTIFY_QUEUE, processor, {
    connection: redis,
    prefix,
    concurrency: o.concurrency,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, o.retryBaseMs, o.retryMaxMs) },
  });
  worker.on('error', (err) => log.error({ err }, 'notify worker error'));
  worker.on('failed', (job, err) => log.error({ err, lane: job?.data.lane, attempts: job?.attemptsMade }, 'notify: drain job failed; BullMQ retries it'));

  const queue = createNotifyQueue(redis, prefix);
  const recover = () => {
    recoverNotifyLanes({ redis, prefix, queue, logger: log }, o.recoverGraceMs).catch((err: unknown) =>
      log.error({ err }, 'notify: lane recovery failed'),
    );
  };
  const timer = setInterval(recover, o.recoverEveryMs);
  timer.unref();
  recover();
  worker.on('closing', () => {
    closing = true;
    clearInterval(timer);
  });
  worker.on('closed', () => {
    queue.close().catch((err: unknown) => log.error({ err }, 'notify: closing the recovery queue failed'));
  });
  return worker;
}
