/**
 * The payloads and job ids of the delivery queues (dispatch, deliver) and the storage port the
 * delivery jobs use. Job ids are deterministic, contain no `:` and are never all digits.
 */
import { z } from 'zod';
import { deliveryHash, versionHash, type VersionRef } from '../../domain/delivery.js';
import type { SourceFacts } from '../../domain/delivery.js';
import { MAX_CARRIED_VALUE, MAX_USER_METADATA_BYTES, METADATA_KEY } from '../../domain/delivery-metadata.js';

/** One version of a file under the outbound prefix, as a source saw it. */
export const dispatchPayload = z.object({
  key: z.string().min(1).max(2048),
  versionId: z.string().max(1024).optional(),
  etag: z.string().max(1024).optional(),
  size: z.number().int().min(0).optional(),
  /** ISO time the object was written (LastModified, or the event time). */
  lastModified: z.string().max(64).optional(),
  source: z.enum(['poll', 'sqs', 'manual']),
});
export type DispatchPayload = z.infer<typeof dispatchPayload>;

/** The metadata a copy is written with (src/domain/delivery-metadata.ts), as bounded there. */
const headerValue = z.string().max(MAX_CARRIED_VALUE).optional();
const carriedMetadata = z.object({
  headers: z.object({
    contentType: headerValue, contentEncoding: headerValue, contentDisposition: headerValue, contentLanguage: headerValue, cacheControl: headerValue,
  }),
  user: z.record(z.string().regex(METADATA_KEY), z.string().max(MAX_USER_METADATA_BYTES)),
});

export const dispatchJobId = (v: VersionRef): string => `dsp-${versionHash(v)}`;

export const deliverPayload = z.object({
  key: z.string().min(1).max(2048),
  versionId: z.string().max(1024).optional(),
  etag: z.string().max(1024).optional(),
  lastModified: z.string().max(64).optional(),
  partnerId: z.string().min(1).max(64),
  targetKey: z.string().min(1).max(2048),
  route: z.enum(['partner', 'feed']),
  feed: z.string().max(64).optional(),
  /** The fan-out (version hash) this delivery counts towards. */
  fanout: z.string().max(64).optional(),
  /** True in a fan-out above FANOUT_THREAD_THRESHOLD: the thread gets failures only. */
  quiet: z.boolean().optional(),
  origin: z.enum(['dispatch', 'release', 'backfill', 'resend']),
  /** A forced re-send (by this user): bypasses the delivery record. */
  forcedBy: z.string().max(64).optional(),
  /**
   * The source version's facts, read once by the dispatch job for every delivery of the file: the
   * copy is guarded by the ETag, written with the metadata (MetadataDirective REPLACE) and checked
   * against the size and CRC64NVME, with no HeadObject of its own. Absent (payloads queued before,
   * re-sends, backfills), or without `metadata` (queued before copies replaced it): the deliver job
   * reads the source.
   */
  source: z
    .object({
      etag: z.string().min(1).max(1024),
      size: z.number().int().min(0),
      crc64nvme: z.string().max(64).optional(),
      metadata: carriedMetadata.optional(),
    })
    .optional(),
});
export type DeliverPayload = z.infer<typeof deliverPayload>;

export const RECEIPT_FLUSH_JOB = 'flush-receipts';
export const DELIVER_JOB = 'deliver';
export const DISPATCH_JOB = 'dispatch';
export const GO_LIVE_JOB = 'go-live';

export const receiptFlushPayload = z.object({ partnerId: z.string().min(1).max(64) });
export type ReceiptFlushPayload = z.infer<typeof receiptFlushPayload>;

export const goLivePayload = z.object({ partnerId: z.string().min(1).max(64) });
export type GoLivePayload = z.infer<typeof goLivePayload>;

export const deliverJobId = (p: Pick<DeliverPayload, 'key' | 'versionId' | 'etag' | 'partnerId'>): string => `dlv-${deliveryHash(p, p.partnerId)}`;
export const resendJobId = (p: Pick<DeliverPayload, 'key' | 'versionId' | 'etag' | 'partnerId'>, atMs: number): string =>
  `rsd-${deliveryHash(p, p.partnerId)}-${atMs.toString(36)}`;
export const receiptFlushJobId = (partnerId: string, gen: number): string => `rcpt-${partnerId}-${gen}`;

// ---------------------------------------------------------------------------------------------
// The storage port: the few S3 object operations the delivery jobs use (src/jobs/delivery/delivery-storage.ts
// binds them to the S3 adapters).

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
  lastModified: Date | undefined;
}

export interface ObjectVersion {
  key: string;
  versionId: string | undefined;
  etag: string;
  size: number;
  lastModified: Date | undefined;
}

export interface CopiedObject {
  targetKey: string;
  size: number;
  checksum: { algorithm: string; value: string };
  versionId?: string | undefined;
  /** The copy's ETag as S3 answered it: what Transfer's download events name (docs/pickups.md). */
  etag?: string | undefined;
  multipart: boolean;
  parts?: number | undefined;
}

export interface DeliveryStorage {
  /** Every object under a prefix (ListObjectsV2: no version ids). */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** The current version of a key (HeadObject), null when there is none. */
  latest(key: string): Promise<ObjectVersion | null>;
  /** The facts of a source version (HeadObject, ChecksumMode ENABLED), null when it is not there. */
  sourceFacts(key: string, versionId: string | undefined): Promise<(SourceFacts & { versionId: string | undefined }) | null>;
  /**
   * Server-side copy pinned to the source version, encrypted with the platform key, checked; with
   * the source's facts (`source`) in one request.
   */
  copy(input: { sourceKey: string; sourceVersionId: string | undefined; targetKey: string; source?: SourceFacts | undefined }): Promise<CopiedObject>;
  /**
   * The version of `sourceKey` a partner's copy was delivered from, read from the copy's provenance
   * tags (GetObjectTagging): its version id, or its ETag on an unversioned bucket. Null when the copy
   * is gone, carries no provenance, or names another key or no readable version.
   */
  deliveredFrom(copyKey: string, sourceKey: string): Promise<{ versionId: string } | { etag: string } | null>;
}
