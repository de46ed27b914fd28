/** CopyObject into the bucket: one server-side copy, up to 5 GiB. */
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { call } from './aws-error.js';
import {
  COPY_CHECKSUM_ALGORITHM,
  copySourceError,
  copySourceParams,
  kmsEncryption,
  metadataParams,
  type CopySourceRef,
  type CopyTarget,
} from './s3-copy-source.js';

export interface CopyOutcome {
  /** The version the copy created (absent in an unversioned bucket). */
  versionId: string | undefined;
  etag: string | undefined;
  /** The CRC64NVME S3 computed for the copy, when it says. */
  checksum: string | undefined;
}

/**
 * Copies `source` (pinned to its version, refused if its ETag changed) to `target`: metadata
 * replaced by the target's (never the source's as it is), tags by the provenance tags, SSE-KMS with the platform key and Bucket Keys, and a
 * CRC64NVME checksum computed by S3. NoSuchKey/NoSuchVersion become SOURCE_MISSING.
 */
export async function copyObject(client: S3Client, source: CopySourceRef, target: CopyTarget): Promise<CopyOutcome> {
  try {
    const out = await call('s3', 'CopyObject', () =>
      client.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          ...copySourceParams(source),
          MetadataDirective: 'REPLACE',
          ...metadataParams(target.metadata),
          TaggingDirective: 'REPLACE',
          Tagging: target.tagging,
          ...kmsEncryption(target.kmsKeyArn),
          ChecksumAlgorithm: COPY_CHECKSUM_ALGORITHM,
        }),
      ),
    );
    return { versionId: out.VersionId, etag: out.CopyObjectResult?.ETag, checksum: out.CopyObjectResult?.ChecksumCRC64NVME };
  } catch (err) {
    throw copySourceError(err, source);
  }
}
