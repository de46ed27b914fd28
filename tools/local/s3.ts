/**
 * A real local S3 for tests, the demo and the benchmarks: s3rver 3.7.1 on 127.0.0.1 (a free port) in a temp directory, with the
 * buckets it should have, and an S3Client set up the way s3rver needs (path style, the S3RVER key
 * pair, checksums only when an operation requires them — docs/architecture.md "Local S3 (s3rver)").
 *
 * What s3rver 3.7.1 does and does not do (checked against its source and pinned by
 * test/integration/s3/s3rver-limits.test.ts; docs/architecture.md "Local S3 (s3rver)"):
 *
 *   does:  PutObject, GetObject (Range), HeadObject, DeleteObject(s), CopyObject (MetadataDirective
 *          COPY/REPLACE), ListObjectsV1/V2 (MaxKeys, continuation — a truncated page needs Node's
 *          --openssl-legacy-provider, as vitest.config.ts gives it), CreateMultipartUpload, UploadPart,
 *          CompleteMultipartUpload, object tagging (PutObjectTagging/GetObjectTagging).
 *   not:   versioning — PutBucketVersioning/GetBucketVersioning answer 501, ListObjectVersions 405,
 *          no x-amz-version-id on any answer, `?versionId=` on GET/HEAD is ignored (the current
 *          object comes back), and in a copy source it is read as part of the key (NoSuchKey);
 *          UploadPartCopy (501); AbortMultipartUpload (405); ListParts/ListMultipartUploads (501);
 *          GetObjectAttributes (`?attributes` is served as a plain GET of the object);
 *          SSE-KMS and checksums (x-amz-server-side-encryption*, x-amz-checksum-*, ChecksumMode:
 *          accepted, ignored, never returned); x-amz-tagging on PUT/copy (ignored);
 *          conditional headers on writes and copies (If-None-Match on PUT, x-amz-copy-source-if-*:
 *          ignored); bucket policy, encryption, lifecycle (501); SigV4 signatures are not checked.
 *   bug:   the copy source is read with decodeURI, so keys with + , ; : @ & = $ / ? # encoded as
 *          %XX are looked up with the escape left in (NoSuchKey).
 *
 * `compat: true` (the default) puts a small layer in front of s3rver's router that fills some of
 * those gaps the way S3 behaves, so tests exercise production code paths end to end:
 *   - the copy source is decoded as S3 does (decodeURIComponent), honouring x-amz-copy-source-if-match;
 *     a `?versionId=` in it answers 404 NoSuchVersion (s3rver keeps no versions to pin to);
 *   - UploadPartCopy is served as a ranged read of the source plus UploadPart;
 *   - AbortMultipartUpload removes the upload's parts and answers 204;
 *   - checksums (`checksums: true`, the default): S3 computes a full-object CRC64NVME for every
 *     object; here a HeadObject with x-amz-checksum-mode ENABLED answers x-amz-checksum-crc64nvme
 *     (and x-amz-checksum-type FULL_OBJECT) computed from the stored content, and a CopyObject that
 *     asks for x-amz-checksum-algorithm CRC64NVME gets the copy's CRC64NVME (computed from what was
 *     stored) in CopyObjectResult. The CRC is the AWS SDK's own implementation
 *     (@aws-sdk/checksums/crc, already installed with @aws-sdk/client-s3), computed on every such
 *     request — nothing is cached, so every client of the server (the worker under test and the
 *     benchmark's raw copies alike) pays the same for it. `checksums: false` keeps s3rver's silence
 *     (the paths that verify by content).
 * Everything else is s3rver's own behaviour. Versioning is not emulated: assert version pinning
 * through the requests the code sends (recordRequests in test/support/s3-client.ts), not through s3rver.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';

export const TEST_BUCKET = 'partnergate-dist-test';
export const TEST_REGION = 'eu-west-1';
export const TEST_KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c';

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  bucket: string;
  /** A new client on the same server (e.g. to add middleware without touching `client`). */
  newClient(): S3Client;
  close(): Promise<void>;
}

export interface LocalS3Options {
  /** Buckets created before the server answers; the first is `bucket`. Default [TEST_BUCKET]. */
  buckets?: string[];
  /** Fill s3rver's copy gaps (see the file comment). Default true. */
  compat?: boolean;
  /** With compat: answer CRC64NVME checksums as S3 does (see the file comment). Default true. */
  checksums?: boolean;
  /** Called for every request the server answers (the benchmark counts them by operation). */
  onRequest?: (request: { method: string; path: string; copy: boolean; query: string }) => void;
}

// --- the slice of s3rver (CommonJS, untyped) this file uses ---------------------------------------

interface S3rverObject {
  content: Readable | null;
  size: number;
  metadata: Record<string, string>;
}
interface S3rverStore {
  getObject(bucket: string, key: string, range?: { start: number; end?: number }): Promise<S3rverObject | null>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<{ md5: string }>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: { headers: Record<string, string | string[] | undefined> };
  store: S3rverStore;
  status: number;
  body: unknown;
  querystring: string;
  get(header: string): string;
  set(header: string, value: string): void;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverApp {
  middleware: KoaMiddleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverApp;
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;
const S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;

// --- server ---------------------------------------------------------------------------------------

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const buckets = options.buckets ?? [TEST_BUCKET];
  const directory = await mkdtemp(join(tmpdir(), 'pg-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  if (options.compat ?? true) {
    // s3rver's last middleware is its router; the compat layer goes just in front of it, after the
    // layers that render errors and objects as S3 XML.
    const layers = (options.checksums ?? true) ? [checksumMiddleware, compatMiddleware] : [compatMiddleware];
    server.middleware.splice(server.middleware.length - 1, 0, ...layers);
  }
  const onRequest = options.onRequest;
  if (onRequest) {
    server.middleware.unshift(async (ctx, next) => {
      onRequest({ method: ctx.method, path: ctx.path, copy: ctx.get('x-amz-copy-source') !== '', query: ctx.querystring });
      await next();
    });
  }
  const address = await server.run();
  // Node closes a keep-alive connection idle for 5 s; a client reusing it at that moment reads
  // ECONNRESET (these clients make one attempt). Idle connections stay open as long as the server.
  const http = (server as unknown as { httpServer: { keepAliveTimeout: number } }).httpServer;
  http.keepAliveTimeout = 0;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const newClient = () => createLocalS3Client(endpoint);
  const client = newClient();
  return {
    endpoint,
    client,
    bucket: buckets[0]!,
    newClient,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The client settings s3rver needs. Production clients come from src/aws/s3-client.ts. */
export function createLocalS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

// --- compat layer ---------------------------------------------------------------------------------

function parseCopySource(raw: string): { bucket: string; key: string; versionId: string | undefined } {
  const [pathPart, query = ''] = raw.replace(/^\//, '').split('?', 2) as [string, string?];
  const decoded = decodeURIComponent(pathPart);
  const slash = decoded.indexOf('/');
  const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

function pathTarget(ctx: KoaContext): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = ctx.path.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map((s) => decodeURIComponent(s)).join('/') };
}

function queryValue(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

async function uploadExists(store: S3rverStore, bucket: string, uploadId: string): Promise<boolean> {
  if (!/^[0-9a-f]{32}$/.test(uploadId)) return false;
  return stat(join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId)).then(() => true, () => false);
}

function checkIfMatch(ctx: KoaContext, etag: string | undefined): void {
  const expected = ctx.get('x-amz-copy-source-if-match');
  if (expected !== '' && expected.replace(/"/g, '') !== (etag ?? '').replace(/"/g, '')) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'x-amz-copy-source-If-Match',
    });
  }
}

const compatMiddleware: KoaMiddleware = async (ctx, next) => {
  const uploadId = queryValue(ctx, 'uploadId');
  if (ctx.method === 'DELETE' && uploadId !== undefined) {
    const { bucket } = pathTarget(ctx);
    if (!(await uploadExists(ctx.store, bucket, uploadId))) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    }
    await rm(join(ctx.store.getResourcePath(bucket, undefined, 'uploads'), uploadId), { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  const rawSource = ctx.get('x-amz-copy-source');
  if (ctx.method !== 'PUT' || rawSource === '') return next();

  const source = parseCopySource(rawSource);
  if (source.versionId !== undefined) {
    throw new S3Error('NoSuchVersion', 'The specified version does not exist (s3rver keeps no versions).', {
      Key: source.key,
      VersionId: source.versionId,
    });
  }
  const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get('x-amz-copy-source-range'));
  const object = await ctx.store.getObject(
    source.bucket,
    source.key,
    range ? { start: Number(range[1]), end: Number(range[2]) } : undefined,
  );
  if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: source.key });
  try {
    checkIfMatch(ctx, object.metadata.etag);
    if (uploadId === undefined) {
      // CopyObject: s3rver reads the header with decodeURI; give it a form that reads back exactly.
      ctx.req.headers['x-amz-copy-source'] = encodeURI(`${source.bucket}/${source.key}`);
      object.content?.destroy();
      return await next();
    }
    // UploadPartCopy: a ranged read of the source, stored as an ordinary part.
    const { bucket } = pathTarget(ctx);
    if (!(await uploadExists(ctx.store, bucket, uploadId))) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    }
    if (!object.content) {
      throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: object.size });
    }
    const partNumber = Number(queryValue(ctx, 'partNumber'));
    const { md5 } = await ctx.store.putPart(bucket, uploadId, partNumber, object.content);
    ctx.body = { CopyPartResult: { LastModified: new Date().toISOString(), ETag: JSON.stringify(md5) } };
  } finally {
    object.content?.destroy();
  }
};

/** The CRC64NVME (base64) of some content, as S3 computes it. */
export async function crc64nvme(data: Uint8Array | string): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(typeof data === 'string' ? Buffer.from(data) : data);
  return Buffer.from(await crc.digest()).toString('base64');
}

/** The CRC64NVME (base64) of a stored object, as S3 computes it; null when the key is not there. */
async function crc64nvmeOf(store: S3rverStore, bucket: string, key: string): Promise<string | null> {
  const object = await store.getObject(bucket, key);
  if (!object) return null;
  const crc = new Crc64Nvme();
  for await (const chunk of object.content ?? []) crc.update(chunk as Uint8Array);
  return Buffer.from(await crc.digest()).toString('base64');
}

/** HeadObject with ChecksumMode ENABLED and CopyObject asking for CRC64NVME get it, as from S3. */
const checksumMiddleware: KoaMiddleware = async (ctx, next) => {
  const copy = ctx.method === 'PUT' && ctx.get('x-amz-copy-source') !== '' && queryValue(ctx, 'uploadId') === undefined;
  const head = ctx.method === 'HEAD' && ctx.get('x-amz-checksum-mode').toUpperCase() === 'ENABLED' && ctx.get('range') === '';
  const asked = copy && ctx.get('x-amz-checksum-algorithm').toUpperCase() === 'CRC64NVME';
  await next();
  if (!(head || asked) || ctx.status !== 200) return;
  const { bucket, key } = pathTarget(ctx);
  const crc = await crc64nvmeOf(ctx.store, bucket, key);
  if (crc === null) return;
  if (head) {
    ctx.set('x-amz-checksum-crc64nvme', crc);
    ctx.set('x-amz-checksum-type', 'FULL_OBJECT');
    return;
  }
  const body = ctx.body as { CopyObjectResult?: Record<string, unknown> } | undefined;
  if (body?.CopyObjectResult) body.CopyObjectResult = { ...body.CopyObjectResult, ChecksumType: 'FULL_OBJECT', ChecksumCRC64NVME: crc };
};
