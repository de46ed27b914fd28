/** The delivery jobs' storage port, bound to the S3 adapters of the distribution bucket. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../logger.js';
import { getLatestVersion, getObjectTags, listOutbound } from '../../aws/s3-objects.js';
import { parseProvenance, provenanceVersion } from '../../aws/s3-copy-source.js';
import { copyObjectVerified, readSourceFacts } from '../../aws/s3-copy-verified.js';
import type { DeliveryStorage } from '../../actions/delivery/index.js';

export interface S3DeliveryStorageOptions {
  bucket: string;
  kmsKeyArn: string;
  /** User metadata keys a partner's copy keeps (DELIVERY_METADATA_ALLOWLIST); the rest is dropped. Default none. */
  metadataAllowlist?: readonly string[];
  /** Lowered in tests to exercise multipart copies on small files. */
  multipartThreshold?: number;
  partSize?: number;
  logger?: Pick<Logger, 'warn'>;
}

export function createS3DeliveryStorage(client: S3Client, o: S3DeliveryStorageOptions): DeliveryStorage {
  return {
    async *list(prefix) {
      for await (const page of listOutbound(client, o.bucket, prefix)) yield* page;
    },
    latest: (key) => getLatestVersion(client, o.bucket, key),
    sourceFacts: (key, versionId) =>
      readSourceFacts(client, { bucket: o.bucket, key, versionId, keepMetadata: o.metadataAllowlist ?? [], ...(o.logger ? { logger: o.logger } : {}) }),
    copy: (input) =>
      copyObjectVerified(client, {
        bucket: o.bucket,
        sourceKey: input.sourceKey,
        ...(input.sourceVersionId !== undefined ? { sourceVersionId: input.sourceVersionId } : {}),
        targetKey: input.targetKey,
        ...(input.source !== undefined ? { source: input.source } : {}),
        kmsKeyArn: o.kmsKeyArn,
        keepMetadata: o.metadataAllowlist ?? [],
        ...(o.multipartThreshold !== undefined ? { multipartThreshold: o.multipartThreshold } : {}),
        ...(o.partSize !== undefined ? { partSize: o.partSize } : {}),
        ...(o.logger ? { logger: o.logger } : {}),
      }),
    async deliveredFrom(copyKey, sourceKey) {
      const tags = await getObjectTags(client, o.bucket, copyKey);
      const provenance = tags ? parseProvenance(tags) : null;
      return provenance ? provenanceVersion(provenance, sourceKey) : null;
    },
  };
}
