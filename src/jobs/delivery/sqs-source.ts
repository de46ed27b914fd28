/**
 * The event source: S3 ObjectCreated notifications through SQS (DELIVERY_QUEUE_URL), long-polled
 * by the one SQS loop (src/jobs/platform/sqs-poller.ts).
 * Keys arrive URL-encoded with `+` for a space; `s3:TestEvent` is ignored; a message is deleted
 * only after the dispatch of each of its objects is queued — so a crash before that leaves the
 * message to come back after its visibility timeout (at least once; the dispatch step dedupes).
 * A message that cannot be read is left alone: the queue's redrive policy moves it to the DLQ.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { DispatchPayload } from '../../actions/delivery/index.js';
import { createSqsPoller, type SqsPoller, type SqsPollerDeps } from '../platform/sqs-poller.js';

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

/** The SQS loop's settings (src/jobs/platform/sqs-poller.ts), and where the bucket's objects go. */
export interface SqsSourceDeps extends Omit<SqsPollerDeps, 'what' | 'handle'> {
  bucket: string;
  enqueueDispatch: (payload: DispatchPayload) => Promise<void>;
}

export type SqsSource = SqsPoller;

export function createSqsSource(deps: SqsSourceDeps): SqsSource {
  const log = deps.logger.child({ module: 'sqs-source' });

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

  return createSqsPoller({ ...deps, what: 'bucket events', handle, logger: log });
}
