/**
 * The notify queue: the one way to Slack (docs/architecture.md "Notify: the one way to Slack").
 *
 * `enqueueNotify` appends a message to its lane (its thread) in the outbox (src/store/outbox.ts);
 * the lane belongs to its channel's stream, and one BullMQ job at a time drains each stream: the
 * best lane's oldest message, by priority, threads of one priority taking turns. A message is
 * removed only after Slack accepted it (at-least-once). Slack paces each channel, so each channel
 * is drained on its own: a channel waiting for its pace, or rate-limited (429), delays only its own
 * job, and a backlog in one channel never holds another's messages. A 5xx holds only its lane
 * (with backoff) while the channel's other threads go on; permanent errors go to the dead letters.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, type Job, type JobsOptions, type Worker } from 'bullmq';
import { delayJob } from '../platform/delay-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { AppError, ErrorCode, SlackError } from '../../domain/errors.js';
import { refAt, resolveRef } from '../../store/message-refs.js';
import {
  adoptLegacyLane, appendToLanes, holdLane, laneOfRef, legacyLanes, settleHead, streamGen, streamHead, streamsWithJobs,
  type AppendResult, type LaneEntry, type LanePosition,
} from '../../store/outbox.js';
import { takePaceSlot } from '../../store/slack-pace.js';
import { laneOf, parseNotifyMessage, priorityOf, type NotifyMessage } from '../../domain/notify-message.js';
import { sendNotify, type SentMessage, type SlackApi } from './notify-send.js';
import { createQueue, QUEUE_NAMES } from '../platform/queues.js';
import { createWorker, type StallOverrides } from '../platform/stalls.js';

export type { NotifyMessage, NotifyPriority, ThreadRef, SlackBlock } from '../../domain/notify-message.js';
export { NOTIFY_PRIORITIES } from '../../domain/notify-message.js';
export { createNotifySlackClient, type SlackApi } from './notify-send.js';

export const NOTIFY_QUEUE = QUEUE_NAMES.notify;
export const NOTIFY_JOB = 'drain-stream';

export interface NotifyJobData {
  /** The stream: the channel whose lanes the job drains. */
  stream: string;
  /** The stream's generation: only the job whose gen is in the stream's drain hash may drain it. */
  gen: string;
}

/** Deterministic: no `:`, never all digits. */
export function notifyJobId(stream: string, gen: string): string {
  return `stream-${createHash('sha256').update(stream).digest('hex').slice(0, 24)}-${gen}`;
}

/** How soon a stream whose lanes all back off looks again for lanes that joined it since. */
const HELD_RECHECK_MS = 1000;

/** The stream of an update whose target is unknown (it is dead-lettered as ref_not_found when sent). */
const NO_STREAM = '-';

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
  const batchStreams = new Map<string, string>();
  const at = new Date().toISOString();
  const entries: LaneEntry[] = [];
  for (const m of checked) {
    const lane = await notifyLane(deps, m, batchLanes);
    const stream = batchStreams.get(lane) ?? (await streamOf(deps, m));
    const ref = m.op === 'post' ? m.ref : undefined;
    if (ref !== undefined) batchLanes.set(ref, lane);
    batchStreams.set(lane, stream);
    entries.push({ lane, stream, raw: JSON.stringify({ id: randomUUID(), at, message: m }), prio: priorityOf(m), ref });
  }
  await startDrains(deps.queue, await appendToLanes(deps.redis, deps.prefix, entries));
}

/**
 * The stream a message's lane joins if it starts with it: its channel. An update names no channel:
 * the one where its target landed (a lane that holds the target still queued keeps its own stream).
 */
async function streamOf(deps: Pick<NotifyDeps, 'redis' | 'prefix'>, m: NotifyMessage): Promise<string> {
  if (m.op !== 'update') return m.channel;
  return (await resolveRef(deps.redis, deps.prefix, m.target))?.channel ?? NO_STREAM;
}

/** Per stream: its drain job added (a new stream), or raised to the best priority it now holds. */
async function startDrains(queue: Queue<NotifyJobData>, appended: readonly AppendResult[]): Promise<void> {
  const streams = new Map<string, { gen: string; created: boolean; raised: boolean; prio: number }>();
  for (const a of appended) {
    const seen = streams.get(a.stream);
    streams.set(a.stream, { gen: a.gen, prio: a.prio, created: (seen?.created ?? false) || a.job === 'created', raised: (seen?.raised ?? false) || a.job === 'raised' });
  }
  await Promise.all([...streams].map(async ([stream, s]) => {
    const jobId = notifyJobId(stream, s.gen);
    if (s.created) {
      // Should this fail (or the process die right here), the stream's drain hash stays and the
      // worker's recovery sweep adds the job: the message is not stranded.
      await queue.add(NOTIFY_JOB, { stream, gen: s.gen }, { ...JOB_OPTIONS, jobId, priority: s.prio });
    } else if (s.raised) {
      // An approval joined a stream of receipts: the stream's job goes sooner. Best effort: a job
      // that is running right now keeps its turn and takes the new priority when it next yields.
      const job = await queue.getJob(jobId);
      await job?.changePriority({ priority: s.prio }).catch(() => undefined);
    }
  }));
}

const isList = (m: NotifyMessage | readonly NotifyMessage[]): m is readonly NotifyMessage[] => Array.isArray(m);

export interface NotifyWorkerOptions {
  /** Streams (channels) drained at once by this worker. */
  concurrency: number;
  /** Per-channel pacing of chat.postMessage (ms between messages; 0 = none) and burst. */
  paceMs: number;
  paceBurst: number;
  /**
   * A pacing wait up to this long is waited in place; a longer one delays the stream's job, which
   * frees the worker's slot for other channels. Short: a slot held waiting is one another channel lacks.
   */
  maxInlineWaitMs: number;
  /** A job yields its slot (back to the queue, by priority) after this many messages or ms. */
  batch: number;
  batchMs: number;
  /** Backoff of a lane after 5xx and network errors. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often to look for streams whose job went missing; streams younger than the grace are left alone. */
  recoverEveryMs: number;
  recoverGraceMs: number;
}

export const DEFAULT_NOTIFY_WORKER_OPTIONS: NotifyWorkerOptions = {
  concurrency: 8,
  paceMs: 1000,
  paceBurst: 3,
  maxInlineWaitMs: 250,
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
  /** Lock and stall settings other than the table's (tests). */
  stall?: StallOverrides;
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

type RecoveryDeps = { redis: Redis; prefix: string; queue: Queue<NotifyJobData>; logger: Logger };

/**
 * Adds the drain job of every stream whose job went missing (a crash between storing a message and
 * adding its job) and retries any that failed; lanes queued by the version before streams join
 * theirs. Returns how many streams it restarted.
 */
export async function recoverNotifyStreams(deps: RecoveryDeps, graceMs: number): Promise<number> {
  await adoptLegacy(deps);
  let restarted = 0;
  for (const s of await streamsWithJobs(deps.redis, deps.prefix)) {
    if (Date.now() - s.since < graceMs) continue;
    const jobId = notifyJobId(s.stream, s.gen);
    const job = await deps.queue.getJob(jobId);
    if (!job) {
      // The job may have drained the stream and gone since the scan: then there is nothing to restart.
      if ((await streamGen(deps.redis, deps.prefix, s.stream)) !== s.gen) continue;
      await deps.queue.add(NOTIFY_JOB, { stream: s.stream, gen: s.gen }, { ...JOB_OPTIONS, jobId, priority: s.prio });
    } else {
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed') continue;
      await job.retry(state);
    }
    restarted += 1;
    deps.logger.warn({ stream: s.stream, jobId }, 'notify: restarted the drain job of a stream');
  }
  return restarted;
}

async function adoptLegacy(deps: RecoveryDeps): Promise<void> {
  const adopted: AppendResult[] = [];
  for (const { lane, head } of await legacyLanes(deps.redis, deps.prefix)) {
    const message = head === null ? undefined : parseEntry(head)?.message;
    const joined = await adoptLegacyLane(deps.redis, deps.prefix, lane, message ? await streamOf(deps, message) : NO_STREAM);
    if (joined) adopted.push(joined);
  }
  if (adopted.length > 0) deps.logger.info({ lanes: adopted.length }, 'notify: lanes queued before streams joined their streams');
  await startDrains(deps.queue, adopted);
}

/** The BullMQ worker that drains streams. Close it with `await worker.close()`. */
export function createNotifyWorker(deps: NotifyWorkerDeps): Worker<NotifyJobData> {
  const o = { ...DEFAULT_NOTIFY_WORKER_OPTIONS, ...deps.options };
  const { redis, prefix, slack } = deps;
  const log = deps.logger.child({ module: 'notify' });
  let closing = false;

  /** Waits for a pacing slot in `channel`; the wait when it is too long to hold the worker slot. */
  const paced = async (channel: string): Promise<number> => {
    for (;;) {
      const wait = await takePaceSlot(redis, prefix, channel, o.paceMs, o.paceBurst);
      if (wait === 0 || wait > o.maxInlineWaitMs) return wait;
      await sleep(wait);
    }
  };

  const deadLetter = async (at: LanePosition, raw: string, entry: StoredEntry | undefined, code: string, error: string) => {
    const message = entry?.message;
    const dead = { at: new Date().toISOString(), lane: at.lane, code, error, entry: entry ?? { raw } };
    const channel = message && 'channel' in message ? message.channel : undefined;
    log.warn({ lane: at.lane, code, op: message?.op, channel, messageId: entry?.id }, 'notify: Slack refused a message for good; kept in the dead letters');
    return settleHead(redis, prefix, at, raw, { dead });
  };

  const processor = async (job: Job<NotifyJobData>, token?: string): Promise<string> => {
    // A drain job of a lane, queued before streams: its lane joins its stream in the recovery sweep.
    if (job.name !== NOTIFY_JOB || typeof job.data.stream !== 'string') return 'obsolete';
    const { stream, gen } = job.data;
    const started = Date.now();
    let sent = 0;
    for (;;) {
      const head = await streamHead(redis, prefix, stream, gen);
      // Every thread is backing off: look again by then, or within a second for threads that joined since.
      if (head.state === 'held') return requeue(job, token, Math.min(head.waitMs, HELD_RECHECK_MS));
      if (head.state !== 'head') return head.state;
      if (sent >= o.batch || Date.now() - started >= o.batchMs || closing) return requeue(job, token, 0);
      const at: LanePosition = { stream, gen, lane: head.lane };

      const entry = parseEntry(head.raw);
      if (!entry) {
        await deadLetter(at, head.raw, undefined, ErrorCode.InvalidMessage, 'the stored message could not be read');
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
          await deadLetter(at, head.raw, entry, err.code, err.message);
          continue;
        }
        if (err instanceof SlackError && err.retryAfterMs !== undefined) {
          // Slack limits a method per channel: the whole stream waits.
          log.info({ stream, retryAfterMs: err.retryAfterMs }, 'notify: Slack rate limit; the channel waits');
          return requeue(job, token, err.retryAfterMs);
        }
        const failures = head.failures + 1;
        const delay = retryDelayMs(failures, o.retryBaseMs, o.retryMaxMs);
        log.warn({ lane: head.lane, code: err.code, failures, retryInMs: delay }, 'notify: Slack call failed; the thread waits, the channel goes on');
        await holdLane(redis, prefix, at, delay);
        continue;
      }

      const settled = await settleHead(redis, prefix, at, head.raw, { sent: result.record });
      if (settled !== 'ok') {
        log.warn({ lane: head.lane, settled, messageId: entry.id }, 'notify: stream changed hands while sending; this job stops');
        return settled;
      }
      if (entry.message.op === 'post' && entry.message.ref !== undefined && result.record === null) {
        log.warn({ lane: head.lane, ref: entry.message.ref }, 'notify: Slack answered no ts; the ref was not recorded');
      }
      sent += 1;
    }
  };

  const worker = createWorker<NotifyJobData>(NOTIFY_QUEUE, processor, {
    connection: redis,
    prefix,
    concurrency: o.concurrency,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, o.retryBaseMs, o.retryMaxMs) },
  }, { logger: log, overrides: deps.stall });
  worker.on('error', (err) => log.error({ err }, 'notify worker error'));
  worker.on('failed', (job, err) => log.error({ err, stream: job?.data.stream, attempts: job?.attemptsMade }, 'notify: drain job failed; BullMQ retries it'));

  const queue = createNotifyQueue(redis, prefix);
  const recover = () => {
    recoverNotifyStreams({ redis, prefix, queue, logger: log }, o.recoverGraceMs).catch((err: unknown) =>
      log.error({ err }, 'notify: stream recovery failed'),
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
