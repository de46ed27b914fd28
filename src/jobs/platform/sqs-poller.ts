/**
 * The one SQS consumer loop: long-poll, hand each message to the consumer's `handle`, delete the
 * messages it is done with in one batch, back off on a failed receive. A message `handle` answers
 * false for, or throws on, is not deleted: it comes back after its visibility timeout, and the
 * queue's redrive policy moves it to the dead-letter queue in the end. Used by the bucket events
 * (DELIVERY_QUEUE_URL) and the platform events (PLATFORM_EVENTS_QUEUE_URL).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode } from '../../aws/aws-error.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { retryDelayMs } from '../notify/index.js';

/**
 * The receive, or a rejection as soon as `signal` aborts — whether or not the HTTP handler honours
 * the signal. Messages a receive returns after that are not handled: they come back after their
 * visibility timeout.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface SqsPollerDeps {
  sqs: SQSClient;
  queueUrl: string;
  /** For the log lines: what the queue carries ("bucket events", "platform events"). */
  what: string;
  /** True: done with, delete it. False (or a throw): leave it to come back. */
  handle: (message: Message) => Promise<boolean>;
  logger: Logger;
  metrics?: Pick<Metrics, 'awsErrors'> | undefined;
  /** Long-poll wait (max 20) and batch size (max 10). */
  waitTimeSeconds?: number | undefined;
  maxMessages?: number | undefined;
  /**
   * Messages of one receive handled at once (default 1: one after the other). More lets a
   * consumer's Redis commands for the whole batch share round trips; its `handle` must then be safe
   * to run concurrently.
   */
  concurrency?: number | undefined;
  /**
   * Receives in flight at once (default 1). SQS serves concurrent receivers (each gets other
   * messages); more keep the worker busy while a receive or a delete is on the wire. Each receiver
   * runs its own loop with its own backoff; its `handle` must then be safe to run concurrently.
   */
  receivers?: number | undefined;
  /** Backoff after a failed receive: base and cap. */
  errorBaseMs?: number | undefined;
  errorMaxMs?: number | undefined;
}

export interface SqsPoller {
  /** Starts the long-poll loop(s) (idempotent). */
  start(): void;
  /** Stops the loop(s): the receives in flight are aborted; messages being handled finish. */
  stop(): Promise<void>;
  /** One receive and the handling of what it returned; resolves with the number of messages deleted. */
  receiveOnce(signal?: AbortSignal): Promise<number>;
}

export function createSqsPoller(deps: SqsPollerDeps): SqsPoller {
  const log = deps.logger;
  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;

  async function receiveOnce(signal?: AbortSignal): Promise<number> {
    const received = await untilAborted(
      deps.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: deps.queueUrl, MaxNumberOfMessages: deps.maxMessages ?? 10, WaitTimeSeconds: deps.waitTimeSeconds ?? 20 }),
        signal ? { abortSignal: signal } : {},
      ),
      signal,
    );
    const messages = received.Messages ?? [];
    const handled = new Array<boolean>(messages.length).fill(false);
    const handleOne = async (i: number): Promise<void> => {
      const message = messages[i]!;
      try {
        handled[i] = await deps.handle(message);
      } catch (err) {
        // Not deleted: it comes back after its visibility timeout.
        log.error({ err, messageId: message.MessageId }, `sqs: could not handle a message of ${deps.what}; it will come back`);
      }
    };
    let next = 0;
    const lane = async () => {
      while (next < messages.length) await handleOne(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 1, messages.length)) }, lane));
    const done = messages.filter((_, i) => handled[i]);
    if (done.length === 0) return 0;
    const deleted = await deps.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: deps.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    for (const f of deleted.Failed ?? []) log.warn({ code: f.Code, id: f.Id }, 'sqs: delete failed; the message will come back (its handling dedupes it)');
    return deleted.Successful?.length ?? 0;
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await receiveOnce(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures += 1;
        const code = awsErrorCode(err);
        deps.metrics?.awsErrors.inc({ service: 'sqs', code });
        const delay = retryDelayMs(failures, deps.errorBaseMs ?? 1000, deps.errorMaxMs ?? 60_000);
        log.warn({ err, code, failures, retryInMs: delay }, 'sqs: receive failed; backing off');
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  return {
    start() {
      if (loop) return;
      abort = new AbortController();
      const signal = abort.signal;
      loop = Promise.all(Array.from({ length: Math.max(1, deps.receivers ?? 1) }, () => run(signal))).then(() => undefined);
      log.info({ queueUrl: deps.queueUrl }, `sqs: listening for ${deps.what}`);
    },
    async stop() {
      abort?.abort();
      await loop;
      loop = undefined;
    },
    receiveOnce,
  };
}
