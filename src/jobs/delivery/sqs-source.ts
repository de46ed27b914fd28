/**
 * The event source: S3 ObjectCreated notifications through SQS (DELIVERY_QUEUE_URL), long-polled.
 * Keys arrive URL-encoded with `+` for a space; `s3:TestEvent` is ignored; a message is deleted
 * only after the dispatch of each of its objects is queued — so a crash before that leaves the
 * message to come back after its visibility timeout (at least once; the dispatch step dedupes).
 * A message that cannot be read is left alone: the queue's redrive policy moves it to the DLQ.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode } from '../../aws/aws-error.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { retryDelayMs } from '../notify/index.js';
import type { DispatchPayload } from '../../actions/delivery/index.js';

export type ParsedEvent =
  | { kind: 'test' }
  | { kind: 'objects'; objects: DispatchPayload[]; skipped: number }
  | { kind: 'invalid'; reason: string };

interface S3EventRecord {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string } };
}

/** An S3 event key: URL-encoded, with `+` for a space. Throws on a malformed escape. */
export function decodeEventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/** Reads one SQS message body: an S3 event (or one wrapped in an SNS notification). */
export function parseS3Event(body: string, bucket: string): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (value === null || typeof value !== 'object') return { kind: 'invalid', reason: 'not an object' };
  const v = value as Record<string, unknown>;
  if (v['Type'] === 'Notification' && typeof v['Message'] === 'string') return parseS3Event(v['Message'], bucket);
  if (v['Event'] === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(v['Records'])) return { kind: 'invalid', reason: 'no Records' };
  const objects: DispatchPayload[] = [];
  let skipped = 0;
  for (const r of v['Records'] as S3EventRecord[]) {
    const o = r?.s3?.object;
    if (r?.eventSource !== 'aws:s3' || !r.eventName?.startsWith('ObjectCreated:') || r.s3?.bucket?.name !== bucket || typeof o?.key !== 'string') {
      skipped += 1;
      continue;
    }
    let key: string;
    try {
      key = decodeEventKey(o.key);
    } catch {
      skipped += 1;
      continue;
    }
    objects.push({
      key,
      ...(typeof o.versionId === 'string' && o.versionId !== '' ? { versionId: o.versionId } : {}),
      ...(typeof o.eTag === 'string' ? { etag: o.eTag } : {}),
      ...(typeof o.size === 'number' ? { size: o.size } : {}),
      ...(typeof r.eventTime === 'string' ? { lastModified: r.eventTime } : {}),
      source: 'sqs',
    });
  }
  return { kind: 'objects', objects, skipped };
}

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

export interface SqsSourceDeps {
  sqs: SQSClient;
  queueUrl: string;
  bucket: string;
  enqueueDispatch: (payload: DispatchPayload) => Promise<void>;
  logger: Logger;
  metrics?: Pick<Metrics, 'awsErrors'>;
  /** Long-poll wait (max 20) and batch size (max 10). */
  waitTimeSeconds?: number;
  maxMessages?: number;
  /** Backoff after a failed receive: base and cap. */
  errorBaseMs?: number;
  errorMaxMs?: number;
}

export interface SqsSource {
  /** Starts the long-poll loop (idempotent). */
  start(): void;
  /** Stops the loop: the receive in flight is aborted; messages being handled finish. */
  stop(): Promise<void>;
  /** One receive and the handling of what it returned; resolves with the number of messages deleted. */
  receiveOnce(signal?: AbortSignal): Promise<number>;
}

export function createSqsSource(deps: SqsSourceDeps): SqsSource {
  const log = deps.logger.child({ module: 'sqs-source' });
  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;

  async function handle(message: Message): Promise<boolean> {
    const parsed = parseS3Event(message.Body ?? '', deps.bucket);
    if (parsed.kind === 'invalid') {
      log.warn({ messageId: message.MessageId, reason: parsed.reason }, 'sqs: unreadable message left for the dead-letter queue');
      return false;
    }
    if (parsed.kind === 'test') return true;
    for (const object of parsed.objects) await deps.enqueueDispatch(object);
    if (parsed.skipped > 0) log.info({ messageId: message.MessageId, skipped: parsed.skipped }, 'sqs: records that are not ObjectCreated in our bucket ignored');
    return true;
  }

  async function receiveOnce(signal?: AbortSignal): Promise<number> {
    const received = await untilAborted(
      deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deps.queueUrl,
          MaxNumberOfMessages: deps.maxMessages ?? 10,
          WaitTimeSeconds: deps.waitTimeSeconds ?? 20,
        }),
        signal ? { abortSignal: signal } : {},
      ),
      signal,
    );
    const done: Message[] = [];
    for (const message of received.Messages ?? []) {
      try {
        if (await handle(message)) done.push(message);
      } catch (err) {
        // Not deleted: it comes back after its visibility timeout.
        log.error({ err, messageId: message.MessageId }, 'sqs: could not queue the dispatch of a message; it will come back');
      }
    }
    if (done.length === 0) return 0;
    const deleted = await deps.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: deps.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    for (const f of deleted.Failed ?? []) log.warn({ code: f.Code, id: f.Id }, 'sqs: delete failed; the message will come back (dispatch dedupes it)');
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
      loop = run(abort.signal);
      log.info({ queueUrl: deps.queueUrl }, 'sqs: listening for bucket events');
    },
    async stop() {
      abort?.abort();
      await loop;
      loop = undefined;
    },
    receiveOnce,
  };
}
