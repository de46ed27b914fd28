/**
 * What s3rver 3.7.1 does and does not do, pinned (docs/architecture.md "Local S3 (s3rver)"). If an
 * upgrade changes any of this, these tests say so, and the notes in tools/local/s3.ts need updating.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../../tools/local/s3.js';

async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

const text = async (client: S3Client, Bucket: string, Key: string) =>
  (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();

describe('s3rver 3.7.1 as it is (compat off)', () => {
  let s3: LocalS3;
  let Bucket: string;
  beforeAll(async () => {
    s3 = await startLocalS3({ compat: false });
    Bucket = s3.bucket;
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'a/b c+d.txt', Body: 'plus' }));
  });
  afterAll(() => s3.close());

  it('when the node runs the tests, then it has --openssl-legacy-provider (truncated listings need it)', async () => {
    expect(process.execArgv).toContain('--openssl-legacy-provider');
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'ls/1', Body: '1' }));
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'ls/2', Body: '2' }));
    const first = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'ls/', MaxKeys: 1 }));
    expect(first.IsTruncated).toBe(true);
    const second = await s3.client.send(
      new ListObjectsV2Command({ Bucket, Prefix: 'ls/', MaxKeys: 1, ContinuationToken: first.NextContinuationToken }),
    );
    expect([first.Contents?.[0]?.Key, second.Contents?.[0]?.Key]).toEqual(['ls/1', 'ls/2']);
  });

  it('when versioning is asked for, then s3rver has none: no VersionId, PutBucketVersioning is routed as CreateBucket, ListObjectVersions 405', async () => {
    expect(await failure(s3.client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } })))).toEqual({
      name: 'BucketAlreadyExists',
      status: 409,
    });
    expect((await s3.client.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();
    expect(await failure(s3.client.send(new ListObjectVersionsCommand({ Bucket })))).toEqual({ name: 'MethodNotAllowed', status: 405 });
    const put = await s3.client.send(new PutObjectCommand({ Bucket, Key: 'v.txt', Body: 'one' }));
    expect(put.VersionId).toBeUndefined();
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'v.txt', VersionId: 'no-such-version' }));
    expect(head.VersionId).toBeUndefined(); // the unknown version id is ignored: the current object answers
    expect(head.ContentLength).toBe(3);
  });

  it('when a copy source names a version, then s3rver reads "?versionId=" as part of the key', async () => {
    const copy = s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/1', CopySource: `${Bucket}/v.txt?versionId=abc` }));
    expect(await failure(copy)).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('when a copy source key has an encoded "+", then s3rver does not find it (it decodes with decodeURI)', async () => {
    const copy = s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/2', CopySource: `${Bucket}/a/${encodeURIComponent('b c+d.txt')}` }));
    expect(await failure(copy)).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('when SSE-KMS, checksums and tags are sent, then they are accepted and never returned', async () => {
    await s3.client.send(
      new PutObjectCommand({
        Bucket,
        Key: 'enc.txt',
        Body: 'secret',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: TEST_KMS_KEY_ARN,
        BucketKeyEnabled: true,
        ChecksumAlgorithm: 'SHA256',
        Tagging: 'a=1',
      }),
    );
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'enc.txt', ChecksumMode: 'ENABLED' }));
    expect(head.ServerSideEncryption).toBeUndefined();
    expect(head.ChecksumSHA256).toBeUndefined();
    expect(head.ChecksumCRC64NVME).toBeUndefined();
    expect((await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'enc.txt' }))).TagSet).toEqual([]);
  });

  it('when a copy source ETag does not match, then s3rver copies anyway (x-amz-copy-source-if-match ignored)', async () => {
    await s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/3', CopySource: `${Bucket}/v.txt`, CopySourceIfMatch: '"nope"' }));
    expect(await text(s3.client, Bucket, 'x/3')).toBe('one');
  });

  it('when a write is conditional (If-None-Match: *), then s3rver overwrites anyway', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'v.txt', Body: 'two', IfNoneMatch: '*' }));
    expect(await text(s3.client, Bucket, 'v.txt')).toBe('two');
  });

  it('when multipart copy operations are used, then UploadPartCopy is 501, Abort 405, ListMultipartUploads 501', async () => {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'm' }));
    const part = s3.client.send(
      new UploadPartCopyCommand({ Bucket, Key: 'm', UploadId, PartNumber: 1, CopySource: `${Bucket}/v.txt`, CopySourceRange: 'bytes=0-1' }),
    );
    expect(await failure(part)).toEqual({ name: 'NotImplemented', status: 501 });
    expect(await failure(s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'm', UploadId })))).toEqual({
      name: 'MethodNotAllowed',
      status: 405,
    });
    expect(await failure(s3.client.send(new ListMultipartUploadsCommand({ Bucket })))).toEqual({ name: 'NotImplemented', status: 501 });
  });

  it('when GetObjectAttributes or PutBucketPolicy are called, then they do not work', async () => {
    const attributes = await failure(s3.client.send(new GetObjectAttributesCommand({ Bucket, Key: 'v.txt', ObjectAttributes: ['Checksum'] })));
    expect(attributes.status).toBe(200); // the object itself comes back, which the SDK cannot parse
    expect(await failure(s3.client.send(new PutBucketPolicyCommand({ Bucket, Policy: '{}' })))).toEqual({ name: 'NotImplemented', status: 501 });
  });
});

describe('s3rver with the compat layer of tools/local/s3.ts', () => {
  let s3: LocalS3;
  let Bucket: string;
  beforeAll(async () => {
    s3 = await startLocalS3();
    Bucket = s3.bucket;
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'a/b c+d.txt', Body: 'plus' }));
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'src.bin', Body: '0123456789' }));
  });
  afterAll(() => s3.close());

  it('when a copy source key has an encoded "+", then the copy finds it', async () => {
    await s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/plus', CopySource: `${Bucket}/a/${encodeURIComponent('b c+d.txt')}` }));
    expect(await text(s3.client, Bucket, 'x/plus')).toBe('plus');
  });

  it('when a copy source names a version, then it answers NoSuchVersion (s3rver keeps none)', async () => {
    const copy = s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/v', CopySource: `${Bucket}/src.bin?versionId=abc` }));
    expect(await failure(copy)).toEqual({ name: 'NoSuchVersion', status: 404 });
  });

  it('when the copy source ETag does not match, then it answers 412 PreconditionFailed', async () => {
    const copy = s3.client.send(new CopyObjectCommand({ Bucket, Key: 'x/e', CopySource: `${Bucket}/src.bin`, CopySourceIfMatch: '"nope"' }));
    expect(await failure(copy)).toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  it('when parts are copied by range and completed, then the object is the ranges in order; Abort answers 204', async () => {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const copyPart = (PartNumber: number, CopySourceRange: string) =>
      s3.client.send(new UploadPartCopyCommand({ Bucket, Key: 'mp', UploadId, PartNumber, CopySource: `${Bucket}/src.bin`, CopySourceRange }));
    const p2 = await copyPart(2, 'bytes=6-9');
    const p1 = await copyPart(1, 'bytes=0-5');
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! }] },
      }),
    );
    expect(await text(s3.client, Bucket, 'mp')).toBe('0123456789');

    const other = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp2' }));
    const aborted = await s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp2', UploadId: other.UploadId }));
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect(await failure(s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp2', UploadId: other.UploadId })))).toEqual({
      name: 'NoSuchUpload',
      status: 404,
    });
  });
});
