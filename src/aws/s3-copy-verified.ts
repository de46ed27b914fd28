/**
 * copyObjectVerified: the data-plane half of a delivery. A server-side copy of one source version
 * into a partner's home, encrypted with the platform key, then checked against the source.
 *
 * The facts about the source (size, ETag, CRC64NVME, and the metadata the copy is written with)
 * belong to the FILE, not to the partner: the dispatch job reads them once per version (HeadObject,
 * ChecksumMode ENABLED) and every deliver payload of the fan-out carries them (`source`). With them
 * a delivery is ONE request:
 *
 * 1. Copy (CopyObject), pinned to the version (`?versionId=` in the copy source) and guarded by the
 *    facts' ETag (x-amz-copy-source-if-match), SSE-KMS + Bucket Keys, provenance tags, and
 *    x-amz-checksum-algorithm CRC64NVME: S3 computes the copy's CRC64NVME and returns it in
 *    CopyObjectResult. MetadataDirective REPLACE: the source's user metadata is not copied; the
 *    copy gets the source's content headers and only the user metadata keys of `keepMetadata`
 *    (src/domain/delivery-metadata.ts says which values pass).
 * 2. Verify without reading anything back: the copy's CRC64NVME (from CopyObjectResult) must equal
 *    the source's (from the facts). A CRC64NVME is a full-object checksum of the content, so equal
 *    checksums of a pinned, ETag-guarded source stand for equal content AND equal size (a copy of a
 *    different length would differ in its CRC but for a 2^-64 chance); the size recorded is the
 *    source's.
 *
 * A stale fact (the ETag no longer matches: S3 answers 412) is not trusted further: the source is
 * read again (HeadObject) and the copy made once more the way it is made without facts (below); a
 * second 412 there is SOURCE_CHANGED. Without facts (old payloads, parked deliveries, re-sends and
 * backfills, facts queued before they carried the metadata, or a source over the multipart
 * threshold), or when S3 gives no checksum to compare:
 *
 * 1. Read the source version (HeadObject, ChecksumMode ENABLED): size, ETag, stored checksums,
 *    content headers. Missing → SOURCE_MISSING. Without a version id from the caller, the copy is
 *    pinned to the version this read found.
 * 2. Copy as above: up to `multipartThreshold` (5 GiB, CopyObject's limit) one CopyObject; above it
 *    a multipart copy (CreateMultipartUpload with the same metadata, UploadPartCopy ranges, bounded
 *    concurrency, aborted on any failure).
 * 3. Verify: when the source's CRC64NVME is known and a single copy's result carries one, compare
 *    them (no further request). Otherwise read the version the copy created (HeadObject by version
 *    id, ChecksumMode ENABLED; always for a multipart copy):
 *    - the size must equal the source's;
 *    - if the source has a CRC64NVME (S3 adds one to every object uploaded since 2025), the copy's
 *      must equal it ("checksum");
 *    - otherwise, up to `hashVerifyMaxBytes` (64 MiB), both versions are streamed and their SHA-256
 *      compared ("content-sha256");
 *    - otherwise only the size is compared and the CRC64NVME S3 computed while copying is reported
 *      ("size"): reading two large objects back for every partner costs more than the residual risk
 *      of a server-side copy that S3 itself checksummed.
 *    ETags are never compared: with SSE-KMS (and multipart) an ETag is not an MD5 of the content.
 * A mismatch is VERIFY_MISMATCH, retryable: the bad version is deleted when the bucket is
 * versioned (the partner keeps the previous good version; needs s3:DeleteObjectVersion), and a
 * retry overwrites it anyway (a new version of the target key).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../logger.js';
import { AwsError, ErrorCode, IntegrityError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { SourceFacts } from '../domain/delivery.js';
import { carriedMetadata, type CarriedMetadata, type KeepMetadata, type SourceMetadata } from '../domain/delivery-metadata.js';
import { copyObject, type CopyOutcome } from './s3-copy.js';
import { provenanceTagging, type CopySourceRef, type CopyTarget } from './s3-copy-source.js';
import { deleteObjectVersion, headObject, sha256OfObject, type ObjectHead } from './s3-objects.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPartCopy,
  type CopiedPart,
} from './s3-multipart.js';
import { MAX_MULTIPART_SIZE, MAX_SINGLE_COPY_SIZE, MiB, planParts, type PartPlan } from './s3-part-plan.js';

export interface CopyObjectVerifiedInput {
  bucket: string;
  sourceKey: string;
  /** The version to deliver. Absent: the current version, as HeadObject finds it. */
  sourceVersionId?: string;
  /**
   * What a read of that version found, made once for the whole fan-out (readSourceFacts). Given,
   * the copy needs no HeadObject of the source (see the file comment); absent, it reads it.
   */
  source?: SourceFacts;
  targetKey: string;
  kmsKeyArn: string;
  /** Objects larger than this are copied in parts. At most 5 GiB (CopyObject's limit), the default. */
  multipartThreshold?: number;
  /** Preferred part size (raised when 10,000 parts would not do, kept within 5 MiB–5 GiB). */
  partSize?: number;
  /** Parts copied at once. Default 8. */
  partConcurrency?: number;
  /** Largest object verified by streaming both sides when the source has no CRC64NVME. 64 MiB. */
  hashVerifyMaxBytes?: number;
  /**
   * The source's user metadata keys the copy keeps (DELIVERY_METADATA_ALLOWLIST); every other key
   * is dropped. 'all': the source's own (the archive, a move inside our own prefixes). Default none.
   */
  keepMetadata?: KeepMetadata;
  logger?: Pick<Logger, 'warn'>;
}


/**
 * Reads the facts of a source version once (HeadObject, ChecksumMode ENABLED): what the dispatch
 * job puts in every deliver payload of a fan-out, the metadata already filtered by `keepMetadata`
 * (so the pipeline's other metadata never reaches a payload). Null when the key or version is not there.
 */
export async function readSourceFacts(
  client: S3Client,
  input: { bucket: string; key: string; versionId?: string | undefined; keepMetadata?: KeepMetadata; logger?: Pick<Logger, 'warn'> },
): Promise<(SourceFacts & { versionId: string | undefined }) | null> {
  const head = await headObject(client, { bucket: input.bucket, key: input.key, ...(input.versionId !== undefined ? { versionId: input.versionId } : {}) });
  if (!head) return null;
  const metadata = metadataFor(head, input.key, input);
  return { ...factsOf(head), metadata, versionId: input.versionId ?? head.versionId };
}

function factsOf(head: ObjectHead): SourceFacts {
  return { etag: head.etag, size: head.size, ...(head.checksums.CRC64NVME !== undefined ? { crc64nvme: head.checksums.CRC64NVME } : {}) };
}

/** The metadata a copy of `source` is written with; values that cannot be headers are logged (by name) and left out. */
function metadataFor(
  source: SourceMetadata,
  key: string,
  input: { keepMetadata?: KeepMetadata | undefined; logger?: Pick<Logger, 'warn'> | undefined },
): CarriedMetadata {
  const { carried, dropped } = carriedMetadata(source, input.keepMetadata ?? []);
  if (dropped.length > 0) input.logger?.warn({ key, dropped }, 'copy: source metadata left out of the copy');
  return carried;
}

/** Facts carried in a payload, filtered again: the allow-list may have changed since they were read. */
function refiltered(m: CarriedMetadata, key: string, input: CopyObjectVerifiedInput): CarriedMetadata {
  return metadataFor({ ...m.headers, metadata: m.user }, key, input);
}

export type CopyChecksum = { algorithm: 'CRC64NVME' | 'SHA256'; value: string };

export interface VerifiedCopy {
  targetKey: string;
  size: number;
  /** CRC64NVME as S3 computed it for the copy (SHA-256 of the content where S3 gave none). */
  checksum: CopyChecksum;
  /** The version the copy created (absent in an unversioned bucket). */
  versionId?: string;
  /** The copy's ETag, as S3 answered the copy (what a download event names). */
  etag?: string;
  /** The source version that was copied (absent in an unversioned bucket). */
  sourceVersionId?: string;
  multipart: boolean;
  parts?: number;
  verifiedBy: 'checksum' | 'content-sha256' | 'size';
  /** Where the source facts came from: the caller's (no HeadObject of the source) or a read. */
  sourceRead: 'given' | 'head';
}

export const DEFAULT_MULTIPART_THRESHOLD = MAX_SINGLE_COPY_SIZE;
export const DEFAULT_PART_CONCURRENCY = 8;
export const DEFAULT_HASH_VERIFY_MAX_BYTES = 64 * MiB;

export async function copyObjectVerified(client: S3Client, input: CopyObjectVerifiedInput): Promise<VerifiedCopy> {
  const threshold = input.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  if (!(threshold > 0 && threshold <= MAX_SINGLE_COPY_SIZE)) {
    throw new RangeError(`multipartThreshold must be between 1 byte and 5 GiB, got ${threshold}`);
  }
  const facts = input.source;
  // Facts without the metadata were queued before copies replaced it: read the source as without facts.
  if (facts && facts.etag !== '' && facts.metadata !== undefined && facts.size <= threshold) {
    try {
      return await copyWithFacts(client, input, { ...facts, metadata: facts.metadata });
    } catch (err) {
      if (!(err instanceof AwsError && err.code === 'SOURCE_CHANGED')) throw err;
      // A stale fact: read the source again and copy as without facts (a second 412 is final).
      input.logger?.warn({ key: input.sourceKey, versionId: input.sourceVersionId, etag: facts.etag }, 'copy: the source no longer has the ETag the delivery carried; reading it again');
    }
  }
  return copyAfterRead(client, input, threshold);
}

/** One CopyObject with the facts the caller carried; checked against them. */
async function copyWithFacts(
  client: S3Client,
  input: CopyObjectVerifiedInput,
  facts: SourceFacts & { metadata: CarriedMetadata },
): Promise<VerifiedCopy> {
  const source: CopySourceRef = {
    bucket: input.bucket,
    key: input.sourceKey,
    ...(input.sourceVersionId !== undefined ? { versionId: input.sourceVersionId } : {}),
    etag: facts.etag,
  };
  const target = copyTarget(input, source, refiltered(facts.metadata, input.sourceKey, input));
  const copy = await copyObject(client, source, target);
  const verdict = await verifyCopy(client, { source, expected: facts, target, copy, multipart: false, hashMax: hashMax(input) });
  return result(input, { source, size: facts.size, copy, verdict, sourceRead: 'given' });
}

/** Reads the source (HeadObject), then copies it in one request or in parts, and checks the copy. */
async function copyAfterRead(client: S3Client, input: CopyObjectVerifiedInput, threshold: number): Promise<VerifiedCopy> {
  const head = await headObject(client, { bucket: input.bucket, key: input.sourceKey, versionId: input.sourceVersionId });
  if (!head) {
    const version = input.sourceVersionId === undefined ? '' : ` (version ${input.sourceVersionId})`;
    throw new NotFoundError(ErrorCode.SourceMissing, `source ${input.sourceKey}${version} does not exist`);
  }
  const source: CopySourceRef = {
    bucket: input.bucket,
    key: input.sourceKey,
    versionId: input.sourceVersionId ?? head.versionId,
    etag: head.etag || undefined,
  };
  const target = copyTarget(input, source, metadataFor(head, input.sourceKey, input));

  let copy: CopyOutcome;
  let plan: PartPlan | undefined;
  if (head.size > threshold) {
    if (head.size > MAX_MULTIPART_SIZE) {
      throw new ValidationError(`${input.sourceKey} has ${head.size} bytes: more than 10,000 parts of 5 GiB`, undefined, ErrorCode.ObjectTooLarge);
    }
    plan = planParts(head.size, input.partSize);
    copy = await copyInParts(client, source, head, target, plan, input);
  } else {
    copy = await copyObject(client, source, target);
  }

  const verdict = await verifyCopy(client, { source, expected: factsOf(head), target, copy, multipart: plan !== undefined, hashMax: hashMax(input) });
  return result(input, { source, size: head.size, copy, verdict, sourceRead: 'head', ...(plan ? { parts: plan.parts.length } : {}) });
}

function copyTarget(input: CopyObjectVerifiedInput, source: CopySourceRef, metadata: CarriedMetadata): CopyTarget {
  return { bucket: input.bucket, key: input.targetKey, kmsKeyArn: input.kmsKeyArn, tagging: provenanceTagging(source.key, source.versionId, source.etag), metadata };
}

const hashMax = (input: CopyObjectVerifiedInput): number => input.hashVerifyMaxBytes ?? DEFAULT_HASH_VERIFY_MAX_BYTES;

function result(
  input: CopyObjectVerifiedInput,
  o: { source: CopySourceRef; size: number; copy: CopyOutcome; verdict: Verdict; sourceRead: VerifiedCopy['sourceRead']; parts?: number },
): VerifiedCopy {
  return {
    targetKey: input.targetKey,
    size: o.size,
    checksum: o.verdict.checksum,
    ...(o.copy.versionId !== undefined ? { versionId: o.copy.versionId } : {}),
    ...(o.copy.etag !== undefined ? { etag: o.copy.etag } : {}),
    ...(o.source.versionId !== undefined ? { sourceVersionId: o.source.versionId } : {}),
    multipart: o.parts !== undefined,
    ...(o.parts !== undefined ? { parts: o.parts } : {}),
    verifiedBy: o.verdict.verifiedBy,
    sourceRead: o.sourceRead,
  };
}

// --- multipart ------------------------------------------------------------------------------------

async function copyInParts(
  client: S3Client,
  source: CopySourceRef,
  head: ObjectHead,
  target: CopyTarget,
  plan: PartPlan,
  input: CopyObjectVerifiedInput,
): Promise<CopyOutcome> {
  const uploadId = await createMultipartUpload(client, target);
  try {
    const parts = await mapBounded(plan.parts, input.partConcurrency ?? DEFAULT_PART_CONCURRENCY, (part) =>
      uploadPartCopy(client, { target, uploadId, source, part }),
    );
    return await completeParts(client, target, uploadId, parts, head.checksums.CRC64NVME);
  } catch (err) {
    try {
      await abortMultipartUpload(client, { target, uploadId });
    } catch (abortErr) {
      // The parts stay billable until the bucket's AbortIncompleteMultipartUpload lifecycle rule.
      input.logger?.warn({ err: abortErr, uploadId, key: target.key }, 'could not abort a failed multipart copy');
    }
    throw err;
  }
}

async function completeParts(
  client: S3Client,
  target: CopyTarget,
  uploadId: string,
  parts: CopiedPart[],
  expectedChecksum: string | undefined,
): Promise<CopyOutcome> {
  try {
    return await completeMultipartUpload(client, { target, uploadId, parts, ...(expectedChecksum ? { expectedChecksum } : {}) });
  } catch (err) {
    if (err instanceof AwsError && err.code === 'BadDigest') {
      throw new IntegrityError(ErrorCode.VerifyMismatch, `multipart copy to ${target.key}: S3 found the assembled content does not match the source checksum`, { retryable: true, cause: err });
    }
    throw err;
  }
}

/**
 * Runs `fn` over `items`, at most `limit` at a time, results in item order. On the first failure it
 * starts nothing new, lets those in flight finish, and throws that first error. In-flight part
 * copies are not cancelled: a part S3 is still writing when AbortMultipartUpload arrives may
 * survive the abort, so the abort waits for every part request to be answered.
 */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.err;
  return results;
}

// --- verification ---------------------------------------------------------------------------------

interface VerifyContext {
  source: CopySourceRef;
  /** What the source is: its size and CRC64NVME. */
  expected: SourceFacts;
  target: CopyTarget;
  copy: CopyOutcome;
  multipart: boolean;
  hashMax: number;
}

interface Verdict {
  checksum: CopyChecksum;
  verifiedBy: VerifiedCopy['verifiedBy'];
}

async function verifyCopy(client: S3Client, ctx: VerifyContext): Promise<Verdict> {
  const { source, expected, target, copy } = ctx;
  const want = expected.crc64nvme;
  // A single copy whose result carries S3's CRC64NVME of what it wrote: compare, read nothing back.
  if (want !== undefined && copy.checksum !== undefined && !ctx.multipart) {
    if (copy.checksum !== want) return reject(client, ctx, `CRC64NVME ${copy.checksum} instead of ${want}`);
    return { checksum: { algorithm: 'CRC64NVME', value: copy.checksum }, verifiedBy: 'checksum' };
  }
  const copied = await headObject(client, { bucket: target.bucket, key: target.key, versionId: copy.versionId });
  if (!copied) return reject(client, ctx, 'the copy is not there');
  if (copied.size !== expected.size) return reject(client, ctx, `size ${copied.size} instead of ${expected.size}`);

  const actual = copied.checksums.CRC64NVME ?? copy.checksum;
  if (want !== undefined && actual !== undefined) {
    if (actual !== want) return reject(client, ctx, `CRC64NVME ${actual} instead of ${want}`);
    return { checksum: { algorithm: 'CRC64NVME', value: actual }, verifiedBy: 'checksum' };
  }
  if (expected.size <= ctx.hashMax) {
    const [ofSource, ofCopy] = await Promise.all([
      sha256OfObject(client, { bucket: source.bucket, key: source.key, versionId: source.versionId, maxBytes: ctx.hashMax }),
      sha256OfObject(client, { bucket: target.bucket, key: target.key, versionId: copy.versionId, maxBytes: ctx.hashMax }),
    ]);
    if (!ofSource) throw new NotFoundError(ErrorCode.SourceMissing, `source ${source.key} was deleted before its copy could be checked`);
    if (!ofCopy) return reject(client, ctx, 'the copy vanished while it was being checked');
    if (ofCopy.sha256 !== ofSource.sha256 || ofCopy.size !== ofSource.size) {
      return reject(client, ctx, `content SHA-256 ${ofCopy.sha256} instead of ${ofSource.sha256}`);
    }
    const checksum: CopyChecksum = actual !== undefined ? { algorithm: 'CRC64NVME', value: actual } : { algorithm: 'SHA256', value: ofCopy.sha256 };
    return { checksum, verifiedBy: 'content-sha256' };
  }
  if (actual !== undefined) return { checksum: { algorithm: 'CRC64NVME', value: actual }, verifiedBy: 'size' };
  throw new IntegrityError(ErrorCode.VerifyUnavailable, `copy to ${target.key}: S3 reported no checksum and the object is too large (${expected.size} bytes) to compare by content`);
}

/** Removes the bad version where it can (a retry overwrites it otherwise) and fails VERIFY_MISMATCH. */
async function reject(client: S3Client, ctx: VerifyContext, reason: string): Promise<never> {
  const { target, copy, source } = ctx;
  let fate = 'left in place (a retry overwrites it)';
  if (copy.versionId !== undefined) {
    try {
      await deleteObjectVersion(client, target.bucket, target.key, copy.versionId);
      fate = `version ${copy.versionId} deleted`;
    } catch {
      fate = `version ${copy.versionId} could not be deleted (a retry overwrites it)`;
    }
  }
  throw new IntegrityError(ErrorCode.VerifyMismatch, `copy of ${source.key} to ${target.key} does not match its source: ${reason}; ${fate}`, { retryable: true });
}
