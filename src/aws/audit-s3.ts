/**
 * The audit trail in the distribution bucket: write an object of records once (If-None-Match: *,
 * SSE-KMS with the platform key), list its keys from a day on, read one back. One command per function,
 * client first, SDK exceptions as AwsError.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { call } from './aws-error.js';
import { AwsError } from '../domain/errors.js';
import { kmsEncryption } from './s3-copy-source.js';

/**
 * Writes `body` at `key` unless an object is already there. Answers `created: false` when S3
 * refuses with 412 (the key exists: a retry of a write whose answer was lost) — never overwrites.
 */
export async function putAuditObject(
  client: S3Client,
  input: { bucket: string; key: string; body: string; kmsKeyArn: string; contentType?: string },
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
