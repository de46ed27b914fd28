/**
 * copyObjectVerified against a real local S3 (s3rver + the compat layer of tools/local/s3.ts,
 * which answers CRC64NVME checksums as S3 does; `checksums: false` for the paths that verify by
 * content). s3rver keeps no versions and ignores SSE-KMS, so: the content and sizes are asserted
 * through s3rver; the encryption, checksum, version and tagging headers through the requests the
 * code sends (recordRequests). Version pinning against real versions is covered by
 * test/unit/aws/s3-copy-verified.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyObjectVerified, readSourceFacts } from '../../../src/aws/s3-copy-verified.js';
import { MiB } from '../../../src/aws/s3-part-plan.js';
import { crc64nvme, startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../../tools/local/s3.js';
import { appErrorOf, failNthCall, recordRequests, s3Error, type RecordedRequest } from '../../support/s3-client.js';

let s3: LocalS3;
let client: S3Client;
let sent: RecordedRequest[];
let Bucket: string;

async function start(options: { checksums?: boolean } = {}): Promise<void> {
  s3 = await startLocalS3(options);
  client = s3.newClient();
  sent = recordRequests(client);
  Bucket = s3.bucket;
}
async function stop(): Promise<void> {
  client.destroy();
  await s3.close();
}
beforeEach(() => start());
afterEach(() => stop());

const put = (Key: string, Body: string | Uint8Array, extra: Pick<PutObjectCommandInput, 'ContentType' | 'ContentDisposition' | 'CacheControl' | 'Metadata'> = {}) =>
  s3.client.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));

async function read(Key: string): Promise<Buffer> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

const base = { kmsKeyArn: TEST_KMS_KEY_ARN };

/** Copies good.csv through a client that sends the copy source evil.csv instead (unguarded). */
async function copyTheWrongThing() {
  await put('outbound/acme/good.csv', 'good content');
  await put('outbound/acme/evil.csv', 'evil content');
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      if (request.headers['x-amz-copy-source']?.endsWith('good.csv')) {
        request.headers['x-amz-copy-source'] = `${Bucket}/outbound/acme/evil.csv`;
        delete request.headers['x-amz-copy-source-if-match'];
      }
      return next(args);
    },
    { step: 'build', name: 'copyTheWrongThing' },
  );
  return copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/good.csv', targetKey: 'partners/acme/good.csv' });
}

describe('copyObjectVerified — single copy', () => {
  it('when a file is copied, then the target has the same content and size, checked by the CRC64NVME S3 returned for the copy', async () => {
    const body = randomBytes(100_000);
    await put('outbound/acme/prices.csv', body, { ContentType: 'text/csv', Metadata: { origin: 'pricing' } });

    const result = await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/prices.csv', targetKey: 'partners/acme/prices.csv' });

    expect(result).toEqual({
      targetKey: 'partners/acme/prices.csv',
      size: body.length,
      checksum: { algorithm: 'CRC64NVME', value: await crc64nvme(body) },
      etag: expect.any(String),
      multipart: false,
      verifiedBy: 'checksum',
      sourceRead: 'head',
    });
    expect(sent.map((r) => r.command)).toEqual(['HeadObjectCommand', 'CopyObjectCommand']);
    expect(await read('partners/acme/prices.csv')).toEqual(body);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'partners/acme/prices.csv' }));
    expect(result.etag).toBe(head.ETag); // the copy's ETag: what a download of it names (docs/pickups.md)
    expect(head.ContentType).toBe('text/csv');
    expect(head.Metadata).toEqual({});
  });

  it('when the pipeline\'s file carries metadata, then the copy request replaces it (REPLACE, the allow-listed keys, the content headers) and the partner\'s copy holds nothing else', async () => {
    await put('outbound/acme/q4.csv', 'q4', {
      ContentType: 'text/csv', ContentDisposition: 'attachment; filename="q4.csv"', CacheControl: 'no-cache',
      Metadata: { 'partner-ref': 'PO-17', 'internal-job': 'run-8812', 'source-path': '/mnt/pricing/q4.csv' },
    });

    await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/q4.csv', targetKey: 'partners/acme/q4.csv', keepMetadata: ['partner-ref'] });

    const copy = sent.find((r) => r.command === 'CopyObjectCommand')!;
    expect(copy.headers).toMatchObject({
      'x-amz-metadata-directive': 'REPLACE',
      'x-amz-meta-partner-ref': 'PO-17',
      'content-type': 'text/csv',
      'content-disposition': 'attachment; filename="q4.csv"',
      'cache-control': 'no-cache',
    });
    expect(Object.keys(copy.headers).filter((h) => h.startsWith('x-amz-meta-'))).toEqual(['x-amz-meta-partner-ref']);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'partners/acme/q4.csv' }));
    expect(head.Metadata).toEqual({ 'partner-ref': 'PO-17' });
    expect(head).toMatchObject({ ContentType: 'text/csv', ContentDisposition: 'attachment; filename="q4.csv"', CacheControl: 'no-cache' });
  });

  it('when a file is copied, then the copy request carries SSE-KMS, the checksum algorithm, the ETag guard and provenance tags', async () => {
    const put1 = await put('outbound/acme/a.csv', 'a,b\n');

    await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/a.csv', targetKey: 'partners/acme/a.csv' });

    const copies = sent.filter((r) => r.command === 'CopyObjectCommand');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers).toMatchObject({
      'x-amz-copy-source': `${Bucket}/outbound/acme/a.csv`,
      'x-amz-copy-source-if-match': put1.ETag,
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': TEST_KMS_KEY_ARN,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
      'x-amz-checksum-algorithm': 'CRC64NVME',
      'x-amz-metadata-directive': 'REPLACE',
      'x-amz-tagging-directive': 'REPLACE',
      // No version id on an unversioned bucket: the ETag names the version (what reconcile --rebuild reads back).
      'x-amz-tagging': `partnergate%3Asource-key=outbound%2Facme%2Fa.csv&partnergate%3Asource-etag=${put1.ETag!.replace(/"/g, '')}`,
    });
    const heads = sent.filter((r) => r.command === 'HeadObjectCommand');
    expect(heads.map((r) => r.headers['x-amz-checksum-mode'])).toEqual(['ENABLED']);
  });

  it('when a version is named, then every read of the source and the copy source carry it (s3rver, keeping no versions, answers NoSuchVersion)', async () => {
    await put('outbound/acme/v.csv', 'v1');

    const err = await appErrorOf(
      copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/v.csv', sourceVersionId: '3HL4kqtJl.n9Y', targetKey: 'partners/acme/v.csv' }),
    );

    expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    const head = sent.find((r) => r.command === 'HeadObjectCommand')!;
    expect(head.query.versionId).toBe('3HL4kqtJl.n9Y');
    const copy = sent.find((r) => r.command === 'CopyObjectCommand')!;
    expect(copy.headers['x-amz-copy-source']).toBe(`${Bucket}/outbound/acme/v.csv?versionId=3HL4kqtJl.n9Y`);
    expect(copy.headers['x-amz-tagging']).toContain('partnergate%3Asource-version=3HL4kqtJl.n9Y');
  });

  it('when the source does not exist, then SOURCE_MISSING, not retryable, and nothing is copied', async () => {
    const err = await appErrorOf(copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/nope.csv', targetKey: 'partners/acme/nope.csv' }));

    expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(sent.map((r) => r.command)).toEqual(['HeadObjectCommand']);
  });

  it('when the source changes between the read and the copy, then SOURCE_CHANGED, not retryable', async () => {
    await put('outbound/acme/race.csv', 'first');
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CopyObjectCommand') await put('outbound/acme/race.csv', 'second');
        return next(args);
      },
      { step: 'initialize', name: 'overwriteBeforeCopy' },
    );

    const err = await appErrorOf(copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/race.csv', targetKey: 'partners/acme/race.csv' }));

    expect(err).toMatchObject({ code: 'SOURCE_CHANGED', retryable: false });
  });

  it('when the copy lands different content, then VERIFY_MISMATCH, retryable', async () => {
    const err = await appErrorOf(copyTheWrongThing());

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toContain('CRC64NVME');
  });

  it.each([
    ['spaces', 'price list 2024.csv', 'price%20list%202024.csv'],
    ['unicode', 'Préisliste_東京.csv', 'Pr%C3%A9isliste_%E6%9D%B1%E4%BA%AC.csv'],
    ['plus', 'a+b.csv', 'a%2Bb.csv'],
    ['percent, hash, question mark', '100% #1?.csv', '100%25%20%231%3F.csv'],
  ])('when the key has %s, then the copy source is encoded per segment and the copy is right', async (_label, name, encoded) => {
    const body = `content of ${name}`;
    await put(`outbound/acme/dir one/${name}`, body);

    const result = await copyObjectVerified(client, {
      ...base,
      bucket: Bucket,
      sourceKey: `outbound/acme/dir one/${name}`,
      targetKey: `partners/acme/dir one/${name}`,
    });

    expect(result.size).toBe(Buffer.byteLength(body));
    expect((await read(`partners/acme/dir one/${name}`)).toString()).toBe(body);
    const copy = sent.find((r) => r.command === 'CopyObjectCommand')!;
    expect(copy.headers['x-amz-copy-source']).toBe(`${Bucket}/outbound/acme/dir%20one/${encoded}`);
  });
});

describe('copyObjectVerified — with the source facts the delivery carries', () => {
  // As the dispatch reads them (on a client that records nothing).
  const facts = async (Key: string) => (await readSourceFacts(s3.client, { bucket: Bucket, key: Key }))!;

  it('when the facts carry a CRC64NVME and S3 returns the copy\'s, then exactly one CopyObject and no other request', async () => {
    const body = randomBytes(5000);
    await put('outbound/feeds/price-lists/p.csv', body);
    const source = await facts('outbound/feeds/price-lists/p.csv');

    const result = await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/feeds/price-lists/p.csv', targetKey: 'partners/acme/feeds/price-lists/p.csv', source });

    expect(sent.map((r) => r.command)).toEqual(['CopyObjectCommand']);
    expect(sent[0]!.headers).toMatchObject({
      'x-amz-copy-source-if-match': source.etag,
      'x-amz-checksum-algorithm': 'CRC64NVME',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': TEST_KMS_KEY_ARN,
      'x-amz-tagging': `partnergate%3Asource-key=outbound%2Ffeeds%2Fprice-lists%2Fp.csv&partnergate%3Asource-etag=${source.etag.replace(/"/g, '')}`,
    });
    expect(result).toEqual({
      targetKey: 'partners/acme/feeds/price-lists/p.csv', size: 5000, checksum: { algorithm: 'CRC64NVME', value: await crc64nvme(body) },
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), multipart: false, verifiedBy: 'checksum', sourceRead: 'given',
    });
    expect(await read('partners/acme/feeds/price-lists/p.csv')).toEqual(body);
  });

  it('when the carried ETag is stale, then S3 refuses the copy (412), the source is read again and copied once more', async () => {
    await put('outbound/acme/r.csv', 'first');
    const stale = await facts('outbound/acme/r.csv');
    await put('outbound/acme/r.csv', 'second, longer');

    const result = await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/r.csv', targetKey: 'partners/acme/r.csv', source: stale });

    expect(sent.map((r) => r.command)).toEqual(['CopyObjectCommand', 'HeadObjectCommand', 'CopyObjectCommand']);
    expect(sent[0]!.headers['x-amz-copy-source-if-match']).toBe(stale.etag);
    expect(sent[2]!.headers['x-amz-copy-source-if-match']).not.toBe(stale.etag);
    expect(result).toMatchObject({ size: 14, sourceRead: 'head', verifiedBy: 'checksum' });
    expect((await read('partners/acme/r.csv')).toString()).toBe('second, longer');
  });

  it('when the CRC64NVME S3 returns for the copy differs from the carried one, then VERIFY_MISMATCH, retryable', async () => {
    await put('outbound/acme/m.csv', 'the real content');
    const source = { ...(await facts('outbound/acme/m.csv')), crc64nvme: await crc64nvme('other content') };

    const err = await appErrorOf(copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/m.csv', targetKey: 'partners/acme/m.csv', source }));

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toContain(`CRC64NVME ${await crc64nvme('the real content')} instead of ${source.crc64nvme}`);
    expect(sent.map((r) => r.command)).toEqual(['CopyObjectCommand']);
  });

  it('when the source is gone, then SOURCE_MISSING at once, not retryable, after the one CopyObject', async () => {
    await put('outbound/acme/g.csv', 'soon gone');
    const source = await facts('outbound/acme/g.csv');
    await s3.client.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket, Key: 'outbound/acme/g.csv' }));

    const err = await appErrorOf(copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/g.csv', targetKey: 'partners/acme/g.csv', source }));

    expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(sent.map((r) => r.command)).toEqual(['CopyObjectCommand']);
  });
});

describe('copyObjectVerified — when S3 reports no checksum (s3rver as it is)', () => {
  beforeEach(async () => {
    await stop();
    await start({ checksums: false });
  });

  it('when a file is copied, then the copy is read back and checked by content SHA-256', async () => {
    const body = randomBytes(100_000);
    await put('outbound/acme/prices.csv', body);

    const result = await copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/prices.csv', targetKey: 'partners/acme/prices.csv' });

    expect(result).toMatchObject({ size: body.length, checksum: { algorithm: 'SHA256', value: sha256(body) }, verifiedBy: 'content-sha256', sourceRead: 'head' });
    expect(sent.map((r) => r.command).sort()).toEqual(['CopyObjectCommand', 'GetObjectCommand', 'GetObjectCommand', 'HeadObjectCommand', 'HeadObjectCommand']);
  });

  it('when the delivery carries facts without a CRC64NVME, then one CopyObject, then the copy is read back and compared by SHA-256', async () => {
    const body = randomBytes(3000);
    await put('outbound/acme/f.csv', body);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'outbound/acme/f.csv' }));

    const result = await copyObjectVerified(client, {
      ...base, bucket: Bucket, sourceKey: 'outbound/acme/f.csv', targetKey: 'partners/acme/f.csv',
      source: { etag: head.ETag!, size: 3000, metadata: { headers: {}, user: {} } },
    });

    expect(result).toMatchObject({ size: 3000, verifiedBy: 'content-sha256', sourceRead: 'given' });
    expect(sent.map((r) => `${r.command} ${r.path}`).sort()).toEqual([
      `CopyObjectCommand /${Bucket}/partners/acme/f.csv`,
      `GetObjectCommand /${Bucket}/outbound/acme/f.csv`,
      `GetObjectCommand /${Bucket}/partners/acme/f.csv`,
      `HeadObjectCommand /${Bucket}/partners/acme/f.csv`,
    ]);
  });

  it('when the copy lands different content, then VERIFY_MISMATCH by SHA-256, retryable', async () => {
    const err = await appErrorOf(copyTheWrongThing());

    expect(err).toMatchObject({ code: 'VERIFY_MISMATCH', retryable: true });
    expect(err.message).toContain('SHA-256');
  });

  it('when the object is too large to compare by content, then VERIFY_UNAVAILABLE', async () => {
    await put('outbound/acme/big.csv', randomBytes(4096));

    const err = await appErrorOf(
      copyObjectVerified(client, { ...base, bucket: Bucket, sourceKey: 'outbound/acme/big.csv', targetKey: 'partners/acme/big.csv', hashVerifyMaxBytes: 1024 }),
    );

    expect(err).toMatchObject({ code: 'VERIFY_UNAVAILABLE', retryable: false });
  });
});

describe('copyObjectVerified — multipart copy', () => {
  const multipart = { multipartThreshold: 6 * MiB, partSize: 5 * MiB };

  it('when the object is over the threshold, then it is copied in 5 MiB parts and the copy is identical', async () => {
    const body = randomBytes(12 * MiB);
    await put('outbound/feeds/parts-catalogs/catalog.bin', body, { ContentType: 'application/zip', Metadata: { origin: 'pim' } });

    const result = await copyObjectVerified(client, {
      ...base,
      ...multipart,
      bucket: Bucket,
      sourceKey: 'outbound/feeds/parts-catalogs/catalog.bin',
      targetKey: 'partners/acme/feeds/parts-catalogs/catalog.bin',
    });

    expect(result).toMatchObject({ size: 12 * MiB, multipart: true, parts: 3, verifiedBy: 'checksum' });
    expect(result.checksum).toEqual({ algorithm: 'CRC64NVME', value: await crc64nvme(body) });
    // A multipart copy is always read back (HeadObject of the copy), whatever S3 answered.
    expect(sent.filter((r) => r.command === 'HeadObjectCommand').map((r) => r.path)).toEqual([
      `/${Bucket}/outbound/feeds/parts-catalogs/catalog.bin`,
      `/${Bucket}/partners/acme/feeds/parts-catalogs/catalog.bin`,
    ]);
    expect(sha256(await read('partners/acme/feeds/parts-catalogs/catalog.bin'))).toBe(sha256(body));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'partners/acme/feeds/parts-catalogs/catalog.bin' }));
    expect(head.ContentType).toBe('application/zip');
    expect(head.Metadata).toEqual({});

    const create = sent.find((r) => r.command === 'CreateMultipartUploadCommand')!;
    expect(create.headers['x-amz-meta-origin']).toBeUndefined();
    expect(create.headers).toMatchObject({
      'content-type': 'application/zip',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': TEST_KMS_KEY_ARN,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
      'x-amz-checksum-algorithm': 'CRC64NVME',
      'x-amz-checksum-type': 'FULL_OBJECT',
      'x-amz-tagging': expect.stringMatching(/^partnergate%3Asource-key=outbound%2Ffeeds%2Fparts-catalogs%2Fcatalog\.bin&partnergate%3Asource-etag=[0-9a-f]{32}(-\d+)?$/),
    });
    const parts = sent.filter((r) => r.command === 'UploadPartCopyCommand');
    expect(parts.map((r) => [r.query.partNumber, r.headers['x-amz-copy-source-range']]).sort()).toEqual([
      ['1', 'bytes=0-5242879'],
      ['2', 'bytes=5242880-10485759'],
      ['3', 'bytes=10485760-12582911'],
    ]);
    for (const part of parts) {
      expect(part.headers['x-amz-copy-source']).toBe(`${Bucket}/outbound/feeds/parts-catalogs/catalog.bin`);
      expect(part.headers['x-amz-copy-source-if-match']).toBeDefined();
    }
    expect(sent.filter((r) => r.command === 'CompleteMultipartUploadCommand')).toHaveLength(1);
    expect(sent.some((r) => r.command === 'AbortMultipartUploadCommand')).toBe(false);
  });

  it('when a part copy fails, then no new part starts, the abort waits for the part in flight, and the error says retryable', async () => {
    await put('outbound/acme/big.bin', randomBytes(16 * MiB)); // 4 parts
    failNthCall(client, 'UploadPartCopyCommand', 2, s3Error('SlowDown', 503, 'Please reduce your request rate.'));
    const events: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        events.push(`${context.commandName} sent`);
        const out = await next(args);
        events.push(`${context.commandName} answered`);
        return out;
      },
      { step: 'finalizeRequest', name: 'timeline' },
    );

    const err = await appErrorOf(
      copyObjectVerified(client, { ...base, ...multipart, partConcurrency: 2, bucket: Bucket, sourceKey: 'outbound/acme/big.bin', targetKey: 'partners/acme/big.bin' }),
    );

    expect(err).toMatchObject({ code: 'SlowDown', retryable: true });
    expect(events).toEqual([
      'HeadObjectCommand sent',
      'HeadObjectCommand answered',
      'CreateMultipartUploadCommand sent',
      'CreateMultipartUploadCommand answered',
      'UploadPartCopyCommand sent',
      'UploadPartCopyCommand answered',
      'AbortMultipartUploadCommand sent',
      'AbortMultipartUploadCommand answered',
    ]);
    const uploadId = sent.find((r) => r.command === 'UploadPartCopyCommand')!.query.uploadId;
    expect(sent.at(-1)).toMatchObject({ command: 'AbortMultipartUploadCommand', query: { uploadId } });
    const target = s3.client.send(new HeadObjectCommand({ Bucket, Key: 'partners/acme/big.bin' }));
    await expect(target).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('when the source is gone before the parts are copied, then SOURCE_MISSING and the upload is aborted', async () => {
    await put('outbound/acme/gone.bin', randomBytes(7 * MiB));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateMultipartUploadCommand') {
          const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
          await s3.client.send(new DeleteObjectCommand({ Bucket, Key: 'outbound/acme/gone.bin' }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'deleteSourceDuringCopy' },
    );

    const err = await appErrorOf(
      copyObjectVerified(client, { ...base, ...multipart, bucket: Bucket, sourceKey: 'outbound/acme/gone.bin', targetKey: 'partners/acme/gone.bin' }),
    );

    expect(err).toMatchObject({ code: 'SOURCE_MISSING', retryable: false });
    expect(sent.at(-1)!.command).toBe('AbortMultipartUploadCommand');
  });
});
