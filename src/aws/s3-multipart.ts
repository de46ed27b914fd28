/**
 * Multipart copy adapters: CreateMultipartUpload, UploadPartCopy, CompleteMultipartUpload and
 * AbortMultipartUpload, one command each. The upload is written like a single copy (SSE-KMS with the
 * platform key, provenance tags, the target's metadata) with a full-object CRC64NVME checksum, so the finished object's
 * checksum is comparable with the source's.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { call } from './aws-error.js';
import { AwsError, ErrorCode } from '../domain/errors.js';
import type { ObjectHead } from './s3-objects.js';
import type { PartRange } from './s3-part-plan.js';
import {
  COPY_CHECKSUM_ALGORITHM,
  copySourceError,
  copySourceParams,
  kmsEncryption,
  metadataParams,
  type CopySourceRef,
  type CopyTarget,
} from './s3-copy-source.js';

/**
 * Starts a multipart upload at `target`, written with the target's metadata (a multipart copy takes
 * nothing from its source but the bytes of its parts).
 */
export async function createMultipartUpload(client: S3Client, target: CopyTarget): Promise<string> {
  const out = await call('s3', 'CreateMultipartUpload', () =>
    client.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...kmsEncryption(target.kmsKeyArn),
        ChecksumAlgorithm: COPY_CHECKSUM_ALGORITHM,
        ChecksumType: 'FULL_OBJECT',
        Tagging: target.tagging,
        ...metadataParams(target.metadata),
      }),
    ),
  );
  if (!out.UploadId) {
    throw new AwsError('s3', 'CreateMultipartUpload', ErrorCode.NoUploadId, 'CreateMultipartUpload answered without an upload id', { retryable: true });
  }
  return out.UploadId;
}

export interface CopiedPart {
  PartNumber: number;
  ETag: string;
  ChecksumCRC64NVME?: string;
}

/** Copies one byte range of the (pinned) source as a part. NoSuchKey/NoSuchVersion: SOURCE_MISSING. */
export async function uploadPartCopy(
  client: S3Client,
  input: { target: Pick<CopyTarget, 'bucket' | 'key'>; uploadId: string; source: CopySourceRef; part: PartRange },
): Promise<CopiedPart> {
  const { target, uploadId, source, part } = input;
  try {
    const out = await call('s3', 'UploadPartCopy', () =>
      client.send(
        new UploadPartCopyCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          ...copySourceParams(source),
          CopySourceRange: `bytes=${part.start}-${part.end}`,
        }),
      ),
    );
    const etag = out.CopyPartResult?.ETag;
    if (!etag) {
      throw new AwsError('s3', 'UploadPartCopy', ErrorCode.NoETag, `UploadPartCopy of part ${part.partNumber} answered without an ETag`, { retryable: true });
    }
    const checksum = out.CopyPartResult?.ChecksumCRC64NVME;
    return { PartNumber: part.partNumber, ETag: etag, ...(checksum ? { ChecksumCRC64NVME: checksum } : {}) };
  } catch (err) {
    throw copySourceError(err, source);
  }
}

/**
 * Assembles the parts (in part-number order). With `expectedChecksum` (the source's full-object
 * CRC64NVME) S3 itself refuses to complete an object whose content does not match it.
 */
export async function completeMultipartUpload(
  client: S3Client,
  input: { target: Pick<CopyTarget, 'bucket' | 'key'>; uploadId: string; parts: CopiedPart[]; expectedChecksum?: string },
): Promise<{ versionId: string | undefined; etag: string | undefined; checksum: string | undefined }> {
  const parts = [...input.parts].sort((a, b) => a.PartNumber - b.PartNumber);
  const out = await call('s3', 'CompleteMultipartUpload', () =>
    client.send(
      new CompleteMultipartUploadCommand({
        Bucket: input.target.bucket,
        Key: input.target.key,
        UploadId: input.uploadId,
        MultipartUpload: { Parts: parts },
        ChecksumType: 'FULL_OBJECT',
        ...(input.expectedChecksum ? { ChecksumCRC64NVME: input.expectedChecksum } : {}),
      }),
    ),
  );
  return { versionId: out.VersionId, etag: out.ETag, checksum: out.ChecksumCRC64NVME };
}

/** Abandons the upload and frees its parts. */
export async function abortMultipartUpload(
  client: S3Client,
  input: { target: Pick<CopyTarget, 'bucket' | 'key'>; uploadId: string },
): Promise<void> {
  await call('s3', 'AbortMultipartUpload', () =>
    client.send(new AbortMultipartUploadCommand({ Bucket: input.target.bucket, Key: input.target.key, UploadId: input.uploadId })),
  );
}
