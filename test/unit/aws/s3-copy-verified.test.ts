/**
 * copyObjectVerified against a mocked S3 (aws-sdk-client-mock): what s3rver cannot show — real
 * version ids, checksums S3 computes, the 5 GiB default threshold, and S3's error answers.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyObjectVerified, readSourceFacts, type CopyObjectVerifiedInput } from '../../../src/aws/s3-copy-verified.js';
import { GiB, MiB } from '../../../src/aws/s3-part-plan.js';
import { TEST_KMS_KEY_ARN } from '../../../tools/local/s3.js';
import { appErrorOf, s3Error } from '../../support/s3-client.js';

const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3 = mockClient(client);
afterEach(() => s3.reset());

const SRC = 'outbound/acme/prices 2024+EU.csv';
const DST = 'partners/acme/prices 2024+EU.csv';
const ENCODED_SRC = 'dist/outbound/acme/prices%202024%2BEU.csv';
const CRC = 'AAAAAAAAAAA=';
const input: CopyObjectVerifiedInput = { bucket: 'dist', sourceKey: SRC, sourceVersionId: 'sv1', targetKey: DST, kmsKeyArn: TEST_KMS_KEY_ARN };

function givenSource(size: number, extra: Record<string, unknown> = { ChecksumCRC64NVME: CRC, ChecksumType: 'FULL_OBJECT' }): void {
  s3.on(HeadObjectCommand, { Key: SRC }).resolves({ VersionId: 'sv1', ContentLength: size, ETag: '"src-etag"', ContentType: 'text/csv', Metadata: { origin: 'pricing' }, ...extra });
}
function givenTarget(size: number, extra: Record<string, unknown> = { ChecksumCRC64NVME: CRC }): void {
  s3.on(HeadObjectCommand, { Key: DST }).resolves({ VersionId: 'tv1', ContentLength: size, ETag: '"kms-etag-not-md5"', ...extra });
}
function givenMultipart(): void {
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up1' });
  s3.on(UploadPartCopyCommand).callsFake((i: UploadPartCopyCommandInput) =>
    Promise.resolve({ CopyPartResult: { ETag: `"p${i.PartNumber}"`, ChecksumCRC64NVME: `c${i.PartNumber}` } }),
  );
  s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'tv1', ETag: '"mp-3"', ChecksumCRC64NVME: CRC });
}
const body = (text: string) => Readable.from([Buffer.from(text)]) as never;

describe('copyObjectVerified — pinned copy, verified by checksum', () => {
  it('when the source has a CRC64NVME and the copy result carries one, then the copy is pinned to the version and compared by checksum, never by ETag, with nothing read back', async () => {
    givenSource(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ETag: '"x"', ChecksumCRC64NVME: CRC } });
    givenTarget(1000);

    const result = await copyObjectVerified(client, input);

    expect(result).toEqual({
      targetKey: DST,
      size: 1000,
      checksum: { algorithm: 'CRC64NVME', value: CRC },
      versionId: 'tv1',
      etag: '"x"', // the copy's, as S3 answered it: what a download event names
      sourceVersionId: 'sv1',
      multipart: false,
      verifiedBy: 'checksum',
      sourceRead: 'head',
    });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'dist', Key: SRC, VersionId: 'sv1', ChecksumMode: 'ENABLED' });
    expect(s3).toHaveReceivedCommandExactlyOnceWith(CopyObjectCommand, {
      Bucket: 'dist',
      Key: DST,
      CopySource: `${ENCODED_SRC}?versionId=sv1`,
      CopySourceIfMatch: '"src-etag"',
      MetadataDirective: 'REPLACE',
      ContentType: 'text/csv',
      TaggingDirective: 'REPLACE',
      Tagging: 'partnergate%3Asource-key=outbound%2Facme%2Fprices%202024%2BEU.csv&partnergate%3Asource-version=sv1',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: TEST_KMS_KEY_ARN,
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'CRC64NVME',
    });
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
    expect(s3).not.toHaveReceivedCommandWith(HeadObjectCommand, { Key: DST });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('when the copy result carries no checksum, then the version the copy created is read back and compared', async () => {
    givenSource(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ETag: '"x"' } });
    givenTarget(1000);

    const result = await copyObjectVerified(client, input);

    expect(result).toMatchObject({ verifiedBy: 'checksum', checksum: { algorithm: 'CRC64NVME', value: CRC } });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Key: DST, VersionId: 'tv1', ChecksumMode: 'ENABLED' });
  });

  it('when no version is named, then the copy is pinned to the version the source read found', async () => {
    givenSource(10);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(10);

    const result = await copyObjectVerified(client, { ...input, sourceVersionId: undefined });

    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { CopySource: `${ENCODED_SRC}?versionId=sv1` });
    expect(result.sourceVersionId).toBe('sv1');
  });

  it('when the copy checksum differs, then the bad version is deleted and VERIFY_MISMATCH is retryable', async () => {
    givenSource(10);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(10, { ChecksumCRC64NVME: 'BBBBBBBBBBB=' });
    s3.on(DeleteObjectCommand).resolves({});

    const err = await appErrorOf(copyObjectVerified(client, input));

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toContain('version tv1 deleted');
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: 'dist', Key: DST, VersionId: 'tv1' });
  });

  it('when the copy size differs and the bad version cannot be deleted, then VERIFY_MISMATCH says so', async () => {
    givenSource(10);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(9);
    s3.on(DeleteObjectCommand).rejects(s3Error('AccessDenied', 403));

    const err = await appErrorOf(copyObjectVerified(client, input));

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toMatch(/size 9 instead of 10.*could not be deleted/);
  });

  it('when the source has no CRC64NVME and is small, then both versions are streamed and compared by SHA-256', async () => {
    givenSource(5, {});
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(5);
    s3.on(GetObjectCommand, { Key: SRC, VersionId: 'sv1' }).callsFake(() => Promise.resolve({ Body: body('hello') }));
    s3.on(GetObjectCommand, { Key: DST, VersionId: 'tv1' }).callsFake(() => Promise.resolve({ Body: body('hello') }));

    const result = await copyObjectVerified(client, input);

    expect(result).toMatchObject({ verifiedBy: 'content-sha256', checksum: { algorithm: 'CRC64NVME', value: CRC } });
  });

  it('when the source has no CRC64NVME and the contents differ, then VERIFY_MISMATCH', async () => {
    givenSource(5, {});
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(5);
    s3.on(GetObjectCommand, { Key: SRC }).callsFake(() => Promise.resolve({ Body: body('hello') }));
    s3.on(GetObjectCommand, { Key: DST }).callsFake(() => Promise.resolve({ Body: body('HELLO') }));
    s3.on(DeleteObjectCommand).resolves({});

    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
  });

  it('when the source has no CRC64NVME and is over 64 MiB, then the size is compared and the copy checksum reported', async () => {
    givenSource(65 * MiB, {});
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(65 * MiB);

    const result = await copyObjectVerified(client, input);

    expect(result).toMatchObject({ verifiedBy: 'size', checksum: { algorithm: 'CRC64NVME', value: CRC } });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });
});

describe('copyObjectVerified — with the source facts the delivery carries', () => {
  const facts = { etag: '"src-etag"', size: 1000, crc64nvme: CRC, metadata: { headers: { contentType: 'text/csv' }, user: {} } };

  it('when the copy result carries the same CRC64NVME, then one CopyObject, pinned and guarded by the carried ETag, and no HeadObject', async () => {
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ETag: '"x"', ChecksumCRC64NVME: CRC } });

    const result = await copyObjectVerified(client, { ...input, source: facts });

    expect(result).toEqual({
      targetKey: DST, size: 1000, checksum: { algorithm: 'CRC64NVME', value: CRC }, versionId: 'tv1', etag: '"x"', sourceVersionId: 'sv1',
      multipart: false, verifiedBy: 'checksum', sourceRead: 'given',
    });
    expect(s3.calls()).toHaveLength(1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      CopySource: `${ENCODED_SRC}?versionId=sv1`, CopySourceIfMatch: '"src-etag"', ChecksumAlgorithm: 'CRC64NVME',
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: TEST_KMS_KEY_ARN, BucketKeyEnabled: true,
      Tagging: 'partnergate%3Asource-key=outbound%2Facme%2Fprices%202024%2BEU.csv&partnergate%3Asource-version=sv1',
    });
  });

  it('when the copy result carries another CRC64NVME, then the bad version is deleted and VERIFY_MISMATCH is retryable', async () => {
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: 'BBBBBBBBBBB=' } });
    s3.on(DeleteObjectCommand).resolves({});

    const err = await appErrorOf(copyObjectVerified(client, { ...input, source: facts }));

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toMatch(/CRC64NVME BBBBBBBBBBB= instead of AAAAAAAAAAA=.*version tv1 deleted/);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: 'dist', Key: DST, VersionId: 'tv1' });
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
  });

  it('when the carried ETag is stale (412), then the source version is read again and the copy made with the ETag read', async () => {
    s3.on(CopyObjectCommand, { CopySourceIfMatch: '"stale"' }).rejects(s3Error('PreconditionFailed', 412));
    s3.on(CopyObjectCommand, { CopySourceIfMatch: '"src-etag"' }).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });
    givenSource(1000);

    const result = await copyObjectVerified(client, { ...input, source: { ...facts, etag: '"stale"' } });

    expect(result).toMatchObject({ verifiedBy: 'checksum', sourceRead: 'head', versionId: 'tv1' });
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 2);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Key: SRC, VersionId: 'sv1', ChecksumMode: 'ENABLED' });
  });

  it('when the copy is refused again after the re-read, then SOURCE_CHANGED, not retryable', async () => {
    s3.on(CopyObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    givenSource(1000);

    expect(await appErrorOf(copyObjectVerified(client, { ...input, source: { ...facts, etag: '"stale"' } }))).toMatchObject({ code: 'SOURCE_CHANGED', retryable: false });
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 2);
  });

  it('when the source version is gone, then SOURCE_MISSING at once, with no re-read', async () => {
    s3.on(CopyObjectCommand).rejects(s3Error('NoSuchVersion', 404));

    expect(await appErrorOf(copyObjectVerified(client, { ...input, source: facts }))).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
  });

  it('when the facts carry no CRC64NVME, then the copy is read back and compared by content', async () => {
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });
    givenTarget(5);
    s3.on(GetObjectCommand, { Key: SRC, VersionId: 'sv1' }).callsFake(() => Promise.resolve({ Body: body('hello') }));
    s3.on(GetObjectCommand, { Key: DST, VersionId: 'tv1' }).callsFake(() => Promise.resolve({ Body: body('hello') }));

    const result = await copyObjectVerified(client, { ...input, source: { etag: '"src-etag"', size: 5, metadata: facts.metadata } });

    expect(result).toMatchObject({ verifiedBy: 'content-sha256', sourceRead: 'given' });
    expect(s3).not.toHaveReceivedCommandWith(HeadObjectCommand, { Key: SRC });
  });

  it('when the facts say the source is over the threshold, then the source is read and copied in parts as before', async () => {
    givenSource(12 * MiB);
    givenMultipart();
    givenTarget(12 * MiB);

    const result = await copyObjectVerified(client, { ...input, source: { ...facts, size: 12 * MiB }, multipartThreshold: 6 * MiB, partSize: 5 * MiB });

    expect(result).toMatchObject({ multipart: true, sourceRead: 'head' });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Key: SRC });
  });
});

describe('copyObjectVerified — multipart', () => {
  it('when the object is exactly 5 GiB, then one CopyObject; one byte more, then a multipart copy', async () => {
    givenSource(5 * GiB);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1' });
    givenTarget(5 * GiB);
    expect((await copyObjectVerified(client, input)).multipart).toBe(false);

    s3.reset();
    givenSource(5 * GiB + 1);
    givenMultipart();
    givenTarget(5 * GiB + 1);
    const result = await copyObjectVerified(client, input);

    expect(result).toMatchObject({ multipart: true, parts: 21, verifiedBy: 'checksum', versionId: 'tv1' });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('when copied in parts, then the upload is encrypted, full-object CRC64NVME, with the source content type, and every part is pinned', async () => {
    givenSource(12 * MiB);
    givenMultipart();
    givenTarget(12 * MiB);

    await copyObjectVerified(client, { ...input, multipartThreshold: 6 * MiB, partSize: 5 * MiB, partConcurrency: 3 });

    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'dist',
      Key: DST,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: TEST_KMS_KEY_ARN,
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'CRC64NVME',
      ChecksumType: 'FULL_OBJECT',
      ContentType: 'text/csv',
      Metadata: {},
    });
    const parts = s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => [p.PartNumber, p.CopySourceRange])).toEqual([
      [1, 'bytes=0-5242879'],
      [2, 'bytes=5242880-10485759'],
      [3, 'bytes=10485760-12582911'],
    ]);
    for (const p of parts) expect(p).toMatchObject({ UploadId: 'up1', CopySource: `${ENCODED_SRC}?versionId=sv1`, CopySourceIfMatch: '"src-etag"' });
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'up1',
      ChecksumType: 'FULL_OBJECT',
      ChecksumCRC64NVME: CRC,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"p1"', ChecksumCRC64NVME: 'c1' },
          { PartNumber: 2, ETag: '"p2"', ChecksumCRC64NVME: 'c2' },
          { PartNumber: 3, ETag: '"p3"', ChecksumCRC64NVME: 'c3' },
        ],
      },
    });
  });

  it('when S3 finds the assembled content does not match the source checksum, then VERIFY_MISMATCH and the upload is aborted', async () => {
    givenSource(12 * MiB);
    givenMultipart();
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error('BadDigest', 400));
    s3.on(AbortMultipartUploadCommand).resolves({});

    const err = await appErrorOf(copyObjectVerified(client, { ...input, multipartThreshold: 6 * MiB }));

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'dist', Key: DST, UploadId: 'up1' });
  });

  it('when the abort fails too, then the first error is thrown and the abort failure is logged', async () => {
    givenSource(12 * MiB);
    givenMultipart();
    s3.on(UploadPartCopyCommand).rejects(s3Error('NoSuchVersion', 404));
    s3.on(AbortMultipartUploadCommand).rejects(s3Error('InternalError', 500));
    const warn = vi.fn();

    const err = await appErrorOf(copyObjectVerified(client, { ...input, multipartThreshold: 6 * MiB, logger: { warn } as never }));

    expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ uploadId: 'up1' }), 'could not abort a failed multipart copy');
  });

  it('when the object is larger than 10,000 parts of 5 GiB, then OBJECT_TOO_LARGE before any write', async () => {
    givenSource(10_000 * 5 * GiB + 1);
    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ code: 'OBJECT_TOO_LARGE', retryable: false });
    expect(s3).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('when the threshold is above 5 GiB, then RangeError (CopyObject cannot copy more)', async () => {
    await expect(copyObjectVerified(client, { ...input, multipartThreshold: 5 * GiB + 1 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('copyObjectVerified — S3 errors', () => {
  it('when the source version does not exist, then SOURCE_MISSING, not retryable', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it.each([
    ['NoSuchVersion', 404, 'SOURCE_MISSING', false],
    ['NoSuchKey', 404, 'SOURCE_MISSING', false],
    ['AccessDenied', 403, 'AccessDenied', false],
    ['SlowDown', 503, 'SlowDown', true],
    ['InternalError', 500, 'InternalError', true],
    ['ServiceUnavailable', 503, 'ServiceUnavailable', true],
  ])('when CopyObject answers %s (%i), then %s, retryable %s', async (name, status, code, retryable) => {
    givenSource(10);
    s3.on(CopyObjectCommand).rejects(s3Error(name, status));
    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ code, retryable });
  });

  it('when the connection drops, then retryable', async () => {
    givenSource(10);
    s3.on(CopyObjectCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ code: 'ECONNRESET', retryable: true });
  });

  it('when the source cannot be read for lack of permission (HEAD 403), then the error is not retryable', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    expect(await appErrorOf(copyObjectVerified(client, input))).toMatchObject({ retryable: false });
  });
});

describe('copyObjectVerified — the pipeline\'s metadata is replaced, not copied (issue #15)', () => {
  const PIPELINE_META = { 'partner-ref': 'PO-2024-17', 'internal-job': 'pricing-run-8812', 'source-path': '/mnt/pricing/secret/q4.csv' };
  const CONTENT = {
    ContentType: 'text/csv; charset=utf-8',
    ContentEncoding: 'gzip',
    ContentDisposition: 'attachment; filename="q4.csv"',
    ContentLanguage: 'de-DE',
    CacheControl: 'no-cache',
  };
  const carried = {
    MetadataDirective: 'REPLACE' as const,
    Metadata: { 'partner-ref': 'PO-2024-17' },
    ...CONTENT,
  };
  const sourceWith = (size: number, extra: Record<string, unknown> = {}) =>
    givenSource(size, { ChecksumCRC64NVME: CRC, ChecksumType: 'FULL_OBJECT', ...CONTENT, Metadata: PIPELINE_META, ...extra });
  const copyInput = () => s3.commandCalls(CopyObjectCommand).map((c) => c.args[0].input);

  it('when a file is copied with an allow-list, then MetadataDirective REPLACE, only the allow-listed user metadata, and the content headers from the source', async () => {
    sourceWith(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });

    await copyObjectVerified(client, { ...input, keepMetadata: ['partner-ref'] });

    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, carried);
    expect(copyInput()[0]!.Metadata).toEqual({ 'partner-ref': 'PO-2024-17' });
  });

  it('when no allow-list is given, then no user metadata at all reaches the copy, and the content type still does', async () => {
    sourceWith(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });

    await copyObjectVerified(client, input);

    expect(copyInput()[0]).toMatchObject({ MetadataDirective: 'REPLACE', Metadata: {}, ContentType: 'text/csv; charset=utf-8' });
  });

  it('when the dispatch read the facts, then they carry only the allow-listed metadata and the copy needs no HeadObject of its own', async () => {
    sourceWith(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });

    const read = await readSourceFacts(client, { bucket: 'dist', key: SRC, versionId: 'sv1', keepMetadata: ['partner-ref'] });
    expect(read?.metadata).toEqual({
      headers: { contentType: CONTENT.ContentType, contentEncoding: 'gzip', contentDisposition: CONTENT.ContentDisposition, contentLanguage: 'de-DE', cacheControl: 'no-cache' },
      user: { 'partner-ref': 'PO-2024-17' },
    });
    s3.resetHistory();

    const result = await copyObjectVerified(client, { ...input, source: read!, keepMetadata: ['partner-ref'] });

    expect(result.sourceRead).toBe('given');
    expect(s3.calls()).toHaveLength(1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, carried);
  });

  it('when the allow-list shrank after the dispatch, then the copy drops the keys the carried facts still hold', async () => {
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });
    const source = { etag: '"src-etag"', size: 1000, crc64nvme: CRC, metadata: { headers: { contentType: 'text/csv' }, user: { 'partner-ref': 'PO-1', batch: '7' } } };

    await copyObjectVerified(client, { ...input, source, keepMetadata: ['batch'] });

    expect(copyInput()[0]!.Metadata).toEqual({ batch: '7' });
  });

  it('when a payload queued before this change carries facts without metadata, then the source is read once and the copy still replaces its metadata', async () => {
    sourceWith(1000);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });

    const result = await copyObjectVerified(client, { ...input, source: { etag: '"src-etag"', size: 1000, crc64nvme: CRC }, keepMetadata: ['partner-ref'] });

    expect(result).toMatchObject({ verifiedBy: 'checksum', sourceRead: 'head' });
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, carried);
  });

  it('when copied in parts, then CreateMultipartUpload gets the same metadata: the content headers and only the allow-listed keys', async () => {
    sourceWith(12 * MiB);
    givenMultipart();
    givenTarget(12 * MiB);

    await copyObjectVerified(client, { ...input, multipartThreshold: 6 * MiB, partSize: 5 * MiB, keepMetadata: ['partner-ref'] });

    const { MetadataDirective: _directive, ...expected } = carried;
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, expected);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.Metadata).toEqual({ 'partner-ref': 'PO-2024-17' });
  });

  it('when allow-listed values are hostile (control characters, over 1 KiB, over S3\'s 2 KB in all), then each is left out by name, never by value, and the copy goes on', async () => {
    const long = 'x'.repeat(1000);
    sourceWith(1000, {
      ContentType: 'text/csv\r\nx-amz-meta-injected: yes',
      Metadata: { 'partner-ref': 'PO-1\nX-Evil: 1', huge: 'y'.repeat(1025), a: long, b: long, c: long, nul: 'a\u0000b', ok: 'fine' },
    });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'tv1', CopyObjectResult: { ChecksumCRC64NVME: CRC } });
    const warn = vi.fn();

    await copyObjectVerified(client, { ...input, keepMetadata: ['partner-ref', 'huge', 'nul', 'ok', 'a', 'b', 'c'], logger: { warn } as never });

    const sent = copyInput()[0]!;
    expect(sent.Metadata).toEqual({ ok: 'fine', a: long, b: long });
    expect(sent.ContentType).toBeUndefined();
    expect(sent).toMatchObject({ MetadataDirective: 'REPLACE', ContentEncoding: 'gzip' });
    expect(warn).toHaveBeenCalledWith(
      {
        key: SRC,
        dropped: [
          { name: 'contentType', reason: 'not a valid header value' },
          { name: 'x-amz-meta-partner-ref', reason: 'not a valid header value' },
          { name: 'x-amz-meta-huge', reason: 'too long' },
          { name: 'x-amz-meta-nul', reason: 'not a valid header value' },
          { name: 'x-amz-meta-c', reason: 'over the 2 KB of user metadata' },
        ],
      },
      'copy: source metadata left out of the copy',
    );
    expect(JSON.stringify(warn.mock.calls)).not.toContain('X-Evil');
  });
});
