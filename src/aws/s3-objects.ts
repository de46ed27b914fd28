/**
 * S3 object adapters for the distribution bucket: one command per function, client first, SDK
 * exceptions turned into AwsError (./aws-error.ts). "Not there" is an answer (null), not an error,
 * where callers must tell it apart: the caller knows whether a missing object is a missing source
 * or a vanished copy.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { homePrefix } from '../domain/partner-id.js';
import { call, toAwsError } from './aws-error.js';
import { AwsError, ErrorCode } from '../domain/errors.js';

export type ChecksumAlgorithmName = 'CRC64NVME' | 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';

/** The additional checksums S3 keeps for an object (base64), and how multipart ones were built. */
export interface ObjectChecksums {
  CRC64NVME?: string;
  CRC32?: string;
  CRC32C?: string;
  SHA1?: string;
  SHA256?: string;
  /** FULL_OBJECT: a checksum of the whole content; COMPOSITE: a checksum of part checksums (`…-N`). */
  type?: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface ObjectHead {
  key: string;
  /** Absent when the bucket is not versioned (and always on s3rver). */
  versionId: string | undefined;
  size: number;
  /** Quoted, as S3 sends it. Not an MD5 for SSE-KMS or multipart objects: never compare it to one. */
  etag: string;
  lastModified: Date | undefined;
  checksums: ObjectChecksums;
  /** What a multipart copy must set again (CreateMultipartUpload does not copy metadata). */
  contentType: string | undefined;
  contentEncoding: string | undefined;
  contentDisposition: string | undefined;
  contentLanguage: string | undefined;
  cacheControl: string | undefined;
  metadata: Record<string, string>;
  serverSideEncryption: string | undefined;
  kmsKeyId: string | undefined;
}

function checksumsOf(out: HeadObjectCommandOutput): ObjectChecksums {
  const c: ObjectChecksums = {};
  if (out.ChecksumCRC64NVME) c.CRC64NVME = out.ChecksumCRC64NVME;
  if (out.ChecksumCRC32) c.CRC32 = out.ChecksumCRC32;
  if (out.ChecksumCRC32C) c.CRC32C = out.ChecksumCRC32C;
  if (out.ChecksumSHA1) c.SHA1 = out.ChecksumSHA1;
  if (out.ChecksumSHA256) c.SHA256 = out.ChecksumSHA256;
  if (out.ChecksumType === 'FULL_OBJECT' || out.ChecksumType === 'COMPOSITE') c.type = out.ChecksumType;
  return c;
}

/** 404 (no such key or version) and 405 (the version is a delete marker) mean "not there". */
function isAbsent(err: AwsError): boolean {
  return err.httpStatus === 404 || err.httpStatus === 405 || ['NotFound', 'NoSuchKey', 'NoSuchVersion'].includes(err.code);
}

export interface HeadObjectInput {
  bucket: string;
  key: string;
  /** Read this version; absent: the current one. */
  versionId?: string;
  /** Ask for the stored additional checksums (ChecksumMode ENABLED). Default true. */
  checksums?: boolean;
}

/**
 * HeadObject. Null when the key or version does not exist or is a delete marker. (A HEAD answer has
 * no body, so S3 cannot say which: a missing bucket reads as null too.)
 */
export async function headObject(client: S3Client, input: HeadObjectInput): Promise<ObjectHead | null> {
  let out: HeadObjectCommandOutput;
  try {
    out = await call('s3', 'HeadObject', () =>
      client.send(
        new HeadObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          ...(input.versionId !== undefined ? { VersionId: input.versionId } : {}),
          ...(input.checksums ?? true ? { ChecksumMode: 'ENABLED' as const } : {}),
        }),
      ),
    );
  } catch (err) {
    if (err instanceof AwsError && isAbsent(err)) return null;
    throw err;
  }
  return {
    key: input.key,
    versionId: out.VersionId,
    size: out.ContentLength ?? 0,
    etag: out.ETag ?? '',
    lastModified: out.LastModified,
    checksums: checksumsOf(out),
    contentType: out.ContentType,
    contentEncoding: out.ContentEncoding,
    contentDisposition: out.ContentDisposition,
    contentLanguage: out.ContentLanguage,
    cacheControl: out.CacheControl,
    metadata: out.Metadata ?? {},
    serverSideEncryption: out.ServerSideEncryption,
    kmsKeyId: out.SSEKMSKeyId,
  };
}

export interface ObjectVersionRef {
  key: string;
  /** Absent when the bucket is not versioned (s3rver): then the ETag is the best identity there is. */
  versionId: string | undefined;
  etag: string;
  size: number;
  lastModified: Date | undefined;
}

/**
 * The current version of a key. ListObjectsV2 gives no version ids; HeadObject on the key answers
 * with the current version's id (x-amz-version-id). Null when the key does not exist or its current
 * version is a delete marker.
 */
export async function getLatestVersion(client: S3Client, bucket: string, key: string): Promise<ObjectVersionRef | null> {
  const head = await headObject(client, { bucket, key, checksums: false });
  if (!head) return null;
  return { key, versionId: head.versionId, etag: head.etag, size: head.size, lastModified: head.lastModified };
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date | undefined;
}

/**
 * The objects under `prefix`, one ListObjectsV2 page at a time (current versions only, no version
 * ids: see getLatestVersion). Keys ending in "/" (folder placeholders) are listed too; routing
 * decides what to do with them.
 */
export async function* listOutbound(
  client: S3Client,
  bucket: string,
  prefix: string,
  options: { pageSize?: number } = {},
): AsyncGenerator<ListedObject[], void, undefined> {
  let token: string | undefined;
  do {
    const page = await call('s3', 'ListObjectsV2', () =>
      client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(options.pageSize ? { MaxKeys: options.pageSize } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      ),
    );
    const objects = (page.Contents ?? []).flatMap((o) =>
      o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified }],
    );
    if (objects.length > 0) yield objects;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** The current version's tags (GetObjectTagging), as a record; null when the key is not there. */
export async function getObjectTags(client: S3Client, bucket: string, key: string): Promise<Record<string, string> | null> {
  try {
    const out = await call('s3', 'GetObjectTagging', () => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })));
    return Object.fromEntries((out.TagSet ?? []).flatMap((t) => (t.Key !== undefined ? [[t.Key, t.Value ?? '']] : [])));
  } catch (err) {
    if (err instanceof AwsError && isAbsent(err)) return null;
    throw err;
  }
}

/** The marker object that makes a partner's home exist in listings (`partners/<id>/.partnergate`). */
export function homeMarkerKey(partnerId: string): string {
  return `${homePrefix(partnerId)}.partnergate`;
}

/**
 * Creates the partner's home marker once, encrypted with the platform key. Idempotent: the write is
 * conditional (If-None-Match: *), so an existing marker is left alone (no new version) and reported
 * as `created: false`. (s3rver ignores the condition and overwrites: same outcome for a marker.)
 */
export async function putHomeMarker(
  client: S3Client,
  bucket: string,
  partnerId: string,
  kmsKeyArn: string,
): Promise<{ key: string; created: boolean }> {
  const key = homeMarkerKey(partnerId);
  try {
    await call('s3', 'PutObject', () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: new Uint8Array(0),
          ContentLength: 0,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: kmsKeyArn,
          BucketKeyEnabled: true,
        }),
      ),
    );
    return { key, created: true };
  } catch (err) {
    if (err instanceof AwsError && (err.code === 'PreconditionFailed' || err.httpStatus === 412)) return { key, created: false };
    throw err;
  }
}

/**
 * SHA-256 (base64) and length of an object's content, streamed with GetObject. Null when the key or
 * version is not there. Refuses (before reading further) content longer than `maxBytes`.
 */
export async function sha256OfObject(
  client: S3Client,
  input: { bucket: string; key: string; versionId?: string; maxBytes: number },
): Promise<{ sha256: string; size: number } | null> {
  let body: AsyncIterable<Uint8Array>;
  try {
    const out = await call('s3', 'GetObject', () =>
      client.send(
        new GetObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          ...(input.versionId !== undefined ? { VersionId: input.versionId } : {}),
        }),
      ),
    );
    body = out.Body as AsyncIterable<Uint8Array>;
  } catch (err) {
    if (err instanceof AwsError && isAbsent(err)) return null;
    throw err;
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > input.maxBytes) {
        throw new AwsError('s3', 'GetObject', ErrorCode.TooLargeToHash, `${input.key} is longer than ${input.maxBytes} bytes`);
      }
      hash.update(chunk);
    }
  } catch (err) {
    (body as { destroy?: () => void }).destroy?.();
    throw toAwsError('s3', 'GetObject', err);
  }
  return { sha256: hash.digest('base64'), size };
}

/** Deletes one version for good (DeleteObject with VersionId): the previous version becomes current. */
export async function deleteObjectVersion(client: S3Client, bucket: string, key: string, versionId: string): Promise<void> {
  await call('s3', 'DeleteObject', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })));
}
