/**
 * The audit trail in the distribution bucket: write an object of records once (If-None-Match: *,
 * SSE-KMS with the platform key, an Object Lock retention when one is configured), list its keys from
 * a day on, ask whether a day or month holds any, read one back. One command per function, client first, SDK exceptions as
 * AwsError.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { call } from './aws-error.js';
import { AwsError } from '../domain/errors.js';
import { kmsEncryption } from './s3-copy-source.js';

/** An Object Lock retention for one object (the bucket must have Object Lock on). */
export interface AuditObjectLock {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  retainUntil: Date;
}

/**
 * Writes `body` at `key` unless an object is already there. Answers `created: false` when S3
 * refuses with 412 (the key exists: a retry of a write whose answer was lost) — never overwrites.
 * With `lock`, the object is locked as it is written; S3 wants a checksum on such a PutObject, so
 * one is asked for whatever the client's checksum setting.
 */
export async function putAuditObject(
  client: S3Client,
  input: { bucket: string; key: string; body: string; kmsKeyArn: string; contentType?: string; lock?: AuditObjectLock },
): Promise<{ created: boolean }> {
  try {
    await call('s3', 'PutObject', () =>
      client.send(
        new PutObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          Body: input.body,
          ContentType: input.contentType ?? 'application/json',
          IfNoneMatch: '*',
          ...kmsEncryption(input.kmsKeyArn),
          ...(input.lock ? { ObjectLockMode: input.lock.mode, ObjectLockRetainUntilDate: input.lock.retainUntil, ChecksumAlgorithm: 'CRC32' as const } : {}),
        }),
      ),
    );
    return { created: true };
  } catch (err) {
    if (err instanceof AwsError && (err.code === 'PreconditionFailed' || err.httpStatus === 412)) return { created: false };
    throw err;
  }
}

/** Keys under `prefix` that sort after `startAfter`, one page at a time. */
export async function* listAuditKeys(
  client: S3Client,
  input: { bucket: string; prefix: string; startAfter?: string; pageSize?: number },
): AsyncGenerator<string[], void, undefined> {
  let token: string | undefined;
  do {
    const page = await call('s3', 'ListObjectsV2', () =>
      client.send(
        new ListObjectsV2Command({
          Bucket: input.bucket,
          Prefix: input.prefix,
          ...(input.pageSize ? { MaxKeys: input.pageSize } : {}),
          ...(token ? { ContinuationToken: token } : input.startAfter ? { StartAfter: input.startAfter } : {}),
        }),
      ),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key && (o.Key.endsWith('.json') || o.Key.endsWith('.jsonl')) ? [o.Key] : []));
    if (keys.length > 0) yield keys;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Whether any object's key starts with `prefix` (one ListObjectsV2 of one key). */
export async function auditPrefixHasObjects(client: S3Client, input: { bucket: string; prefix: string }): Promise<boolean> {
  const page = await call('s3', 'ListObjectsV2', () => client.send(new ListObjectsV2Command({ Bucket: input.bucket, Prefix: input.prefix, MaxKeys: 1 })));
  return (page.Contents ?? []).length > 0;
}

/** The text of one object; null when it is gone. */
export async function getAuditObject(client: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const out = await call('s3', 'GetObject', () => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (err instanceof AwsError && (err.httpStatus === 404 || err.code === 'NoSuchKey')) return null;
    throw err;
  }
}
