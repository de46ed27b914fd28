/**
 * What every copy into a partner's home shares: the copy source (pinned to a version, encoded as S3
 * reads it), the encryption and checksum the target gets, the provenance tags, and what copy errors
 * mean for the delivery.
 */
import { createHash } from 'node:crypto';
import { AwsError, ErrorCode } from '../domain/errors.js';
import type { CarriedMetadata } from '../domain/delivery-metadata.js';
import { normalizeEtag } from '../domain/delivery.js';

/**
 * The checksum S3 computes for every copy. CRC64NVME because it is the one algorithm that is a
 * full-object checksum for single and multipart objects alike (so a multipart copy's checksum is
 * comparable with the source's), and the one S3 adds by default to objects uploaded since 2025.
 */
export const COPY_CHECKSUM_ALGORITHM = 'CRC64NVME' as const;

export interface CopySourceRef {
  bucket: string;
  key: string;
  /** The version to copy; absent only for an unversioned bucket (s3rver). */
  versionId?: string;
  /** The source ETag as read before copying: the copy is refused (412) if the source changed since. */
  etag?: string;
}

/**
 * `bucket/key?versionId=…` for x-amz-copy-source. The SDK sends the value as given, so each key
 * segment is URL-encoded here (spaces, `+`, `%`, `?`, `#`, non-ASCII); the slashes stay.
 */
export function encodeCopySource(ref: Pick<CopySourceRef, 'bucket' | 'key' | 'versionId'>): string {
  const path = `${ref.bucket}/${ref.key.split('/').map(encodeURIComponent).join('/')}`;
  return ref.versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(ref.versionId)}`;
}

/** The copy-source parameters of CopyObject and UploadPartCopy: pinned, and guarded by the ETag. */
export function copySourceParams(ref: CopySourceRef): { CopySource: string; CopySourceIfMatch?: string } {
  return { CopySource: encodeCopySource(ref), ...(ref.etag ? { CopySourceIfMatch: ref.etag } : {}) };
}

export const SOURCE_KEY_TAG = 'partnergate:source-key';
export const SOURCE_VERSION_TAG = 'partnergate:source-version';
/** Only where the source has no version id (an unversioned bucket, the `null` version): its ETag names the version instead. */
export const SOURCE_ETAG_TAG = 'partnergate:source-etag';

/** As src/domain/delivery.ts `versionTag` reads it: absent, empty and `null` name no version. */
const namesVersion = (v: string | undefined): v is string => v !== undefined && v !== '' && v !== 'null';

/** Characters S3 object tag values may hold, up to 256 of them. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** A tag value for any string: itself when S3 accepts it, else `sha256:<hex>` of it. */
export function tagValue(text: string): string {
  return TAG_VALUE.test(text) ? text : `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * The x-amz-tagging value recording where a copy came from. In tags, not metadata: the metadata a
 * partner's copy carries is only what src/domain/delivery-metadata.ts lets through. The tags are
 * also what `partnergate reconcile --rebuild` reads to learn which version each partner already has
 * (src/jobs/delivery/restore-marks.ts), so they name the version the way the delivery marks do:
 * its version id, or (without one) its ETag.
 */
export function provenanceTagging(sourceKey: string, sourceVersionId: string | undefined, sourceEtag?: string): string {
  const tags: [string, string][] = [[SOURCE_KEY_TAG, tagValue(sourceKey)]];
  if (sourceVersionId !== undefined) tags.push([SOURCE_VERSION_TAG, tagValue(sourceVersionId)]);
  if (!namesVersion(sourceVersionId) && sourceEtag) tags.push([SOURCE_ETAG_TAG, tagValue(normalizeEtag(sourceEtag))]);
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** What a copy's provenance tags say, as tagged (a value S3 could not hold is `sha256:<hex>` of it). */
export interface CopyProvenance {
  sourceKey: string;
  sourceVersionId?: string;
  sourceEtag?: string;
}

/** The provenance in an object's tags; null when it carries no source key tag (not a delivery). */
export function parseProvenance(tags: Record<string, string>): CopyProvenance | null {
  const sourceKey = tags[SOURCE_KEY_TAG];
  if (sourceKey === undefined) return null;
  const version = tags[SOURCE_VERSION_TAG];
  const etag = tags[SOURCE_ETAG_TAG];
  return { sourceKey, ...(version !== undefined ? { sourceVersionId: version } : {}), ...(etag !== undefined ? { sourceEtag: etag } : {}) };
}

/**
 * The source version a copy's provenance names, when it names `sourceKey`: its version id, or its
 * ETag. Null when it names another key, or no version that can be read back (a value that had to
 * be hashed: the hash cannot be turned back into the id).
 */
export function provenanceVersion(p: CopyProvenance, sourceKey: string): { versionId: string } | { etag: string } | null {
  if (p.sourceKey !== tagValue(sourceKey)) return null;
  const readable = (v: string | undefined) => (v !== undefined && !v.startsWith('sha256:') ? v : undefined);
  if (namesVersion(p.sourceVersionId)) {
    const versionId = readable(p.sourceVersionId);
    return versionId !== undefined ? { versionId } : null;
  }
  const etag = readable(p.sourceEtag);
  return etag !== undefined ? { etag } : null;
}

/** Where a copy lands and how it is written. */
export interface CopyTarget {
  bucket: string;
  key: string;
  /** The platform key: SSE-KMS with Bucket Keys. */
  kmsKeyArn: string;
  /** An x-amz-tagging value (provenanceTagging). */
  tagging: string;
  /** What the copy is written with, never the source's metadata as it is (MetadataDirective REPLACE). */
  metadata: CarriedMetadata;
}

/**
 * The metadata parameters of CopyObject (with MetadataDirective REPLACE) and CreateMultipartUpload:
 * with REPLACE S3 takes the content headers from the request too, so they are sent again.
 */
export function metadataParams(m: CarriedMetadata) {
  const h = m.headers;
  return {
    Metadata: { ...m.user },
    ...(h.contentType ? { ContentType: h.contentType } : {}),
    ...(h.contentEncoding ? { ContentEncoding: h.contentEncoding } : {}),
    ...(h.contentDisposition ? { ContentDisposition: h.contentDisposition } : {}),
    ...(h.contentLanguage ? { ContentLanguage: h.contentLanguage } : {}),
    ...(h.cacheControl ? { CacheControl: h.cacheControl } : {}),
  };
}

/** The SSE-KMS settings every write to the bucket carries (the bucket policy refuses others). */
export function kmsEncryption(kmsKeyArn: string) {
  return { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyArn, BucketKeyEnabled: true };
}

/**
 * Copy errors that concern the source, in delivery terms: a source key or version that is gone is
 * SOURCE_MISSING, a source that changed since it was read is SOURCE_CHANGED; neither is helped by
 * retrying (a new version is a new delivery). Others stay as they are.
 */
export function copySourceError(err: unknown, source: CopySourceRef): unknown {
  if (!(err instanceof AwsError)) return err;
  const what = `${source.key}${source.versionId === undefined ? '' : ` (version ${source.versionId})`}`;
  if (err.code === 'NoSuchKey' || err.code === 'NoSuchVersion') {
    return new AwsError('s3', err.operation, ErrorCode.SourceMissing, `source ${what} does not exist: ${err.code}`, { httpStatus: err.httpStatus, cause: err });
  }
  if (err.code === 'PreconditionFailed' || err.httpStatus === 412) {
    return new AwsError('s3', err.operation, ErrorCode.SourceChanged, `source ${what} changed while it was being copied`, { httpStatus: err.httpStatus, cause: err });
  }
  return err;
}
