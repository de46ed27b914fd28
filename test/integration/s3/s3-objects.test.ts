/** The object adapters against a real local S3 (s3rver). */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLatestVersion, headObject, homeMarkerKey, listOutbound, putHomeMarker, sha256OfObject } from '../../../src/aws/s3-objects.js';
import { startLocalS3, TEST_KMS_KEY_ARN, type LocalS3 } from '../../../tools/local/s3.js';
import { recordRequests } from '../../support/s3-client.js';

let s3: LocalS3;
let Bucket: string;
beforeAll(async () => {
  s3 = await startLocalS3();
  Bucket = s3.bucket;
});
afterAll(() => s3.close());

const put = (Key: string, Body: string) => s3.client.send(new PutObjectCommand({ Bucket, Key, Body }));

async function putMany(keys: string[], concurrency = 16): Promise<void> {
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) await put(key, key);
    }),
  );
}

async function collect(pages: AsyncGenerator<{ key: string }[]>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const page of pages) out.push(page.map((o) => o.key));
  return out;
}

describe('listOutbound', () => {
  it('when there are more objects than a page holds, then it yields every page in key order, only under the prefix', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `outbound/acme/file-${String(i).padStart(2, '0')}.csv`);
    await putMany([...keys, 'outbound-other/x.csv', 'partners/acme/y.csv']);

    const pages = await collect(listOutbound(s3.client, Bucket, 'outbound/', { pageSize: 10 }));

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(keys);
  });

  it('when there are more than 1,000 objects (1,001), then the default page size pages them too', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `outbound/feeds/price-lists/p-${String(i).padStart(4, '0')}.csv`);
    await putMany(keys);

    const pages = await collect(listOutbound(s3.client, Bucket, 'outbound/feeds/price-lists/'));

    expect(pages.map((p) => p.length)).toEqual([1000, 1]);
    expect(pages.flat()).toEqual(keys);
  });

  it('when the prefix is empty of objects, then it yields nothing', async () => {
    expect(await collect(listOutbound(s3.client, Bucket, 'outbound/nobody/'))).toEqual([]);
  });

  it('when a page comes back, then each object has its size and ETag', async () => {
    await put('outbound/sized/a.csv', '12345');
    const [page] = await collect(listOutbound(s3.client, Bucket, 'outbound/sized/') as AsyncGenerator<{ key: string }[]>);
    expect(page).toEqual(['outbound/sized/a.csv']);
    for await (const objects of listOutbound(s3.client, Bucket, 'outbound/sized/')) {
      expect(objects[0]).toMatchObject({ key: 'outbound/sized/a.csv', size: 5, etag: '"827ccb0eea8a706c4c34a16891f84e7b"' });
    }
  });
});

describe('getLatestVersion and headObject', () => {
  it('when the key exists, then its ETag and size come back; s3rver gives no version id', async () => {
    await put('outbound/acme/latest.csv', 'abc');
    expect(await getLatestVersion(s3.client, Bucket, 'outbound/acme/latest.csv')).toMatchObject({
      key: 'outbound/acme/latest.csv',
      versionId: undefined,
      etag: '"900150983cd24fb0d6963f7d28e17f72"',
      size: 3,
    });
  });

  it('when the key does not exist, then null', async () => {
    expect(await getLatestVersion(s3.client, Bucket, 'outbound/acme/none.csv')).toBeNull();
    expect(await headObject(s3.client, { bucket: Bucket, key: 'outbound/acme/none.csv' })).toBeNull();
  });
});

describe('sha256OfObject', () => {
  it('when an object is hashed, then it is the SHA-256 of its bytes; over maxBytes it refuses', async () => {
    await put('h.txt', 'abc');
    expect(await sha256OfObject(s3.client, { bucket: Bucket, key: 'h.txt', maxBytes: 10 })).toEqual({
      sha256: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
      size: 3,
    });
    await expect(sha256OfObject(s3.client, { bucket: Bucket, key: 'h.txt', maxBytes: 2 })).rejects.toMatchObject({ code: 'TOO_LARGE_TO_HASH' });
    expect(await sha256OfObject(s3.client, { bucket: Bucket, key: 'none.txt', maxBytes: 2 })).toBeNull();
  });
});

describe('putHomeMarker', () => {
  it('when a home marker is put, then it is partners/<id>/.partnergate, conditional and encrypted with the platform key', async () => {
    const client = s3.newClient();
    const sent = recordRequests(client);

    expect(await putHomeMarker(client, Bucket, 'acme-corp', TEST_KMS_KEY_ARN)).toEqual({ key: 'partners/acme-corp/.partnergate', created: true });

    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers).toMatchObject({
      'if-none-match': '*',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': TEST_KMS_KEY_ARN,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
    });
    const body = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'partners/acme-corp/.partnergate' }));
    expect(await body.Body!.transformToString()).toBe('');
    client.destroy();
  });

  it('when it is put twice, then the second call succeeds too', async () => {
    await putHomeMarker(s3.client, Bucket, 'twice', TEST_KMS_KEY_ARN);
    await expect(putHomeMarker(s3.client, Bucket, 'twice', TEST_KMS_KEY_ARN)).resolves.toMatchObject({ key: 'partners/twice/.partnergate' });
  });

  it('when the partner id is not valid, then it refuses before any request', () => {
    expect(() => homeMarkerKey('../etc')).toThrow(/invalid partner id/);
    expect(() => homeMarkerKey('-canary')).toThrow(/invalid partner id/);
  });
});
