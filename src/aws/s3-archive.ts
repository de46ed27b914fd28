/**
 * Moving a partner's home to the archive: `partners/<id>/<path>` → `archive/partners/<id>/<path>`,
 * each object copied (verified, SSE-KMS with the platform key) and then its original deleted. A
 * rerun after a crash lists what is left and carries on: an object whose copy was done but whose
 * delete was not is copied again (the same content), never lost.
 */
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { homePrefix } from '../domain/partner-id.js';
import { call } from './aws-error.js';
import { listOutbound } from './s3-objects.js';
import { copyObjectVerified } from './s3-copy-verified.js';

export const ARCHIVE_PREFIX = 'archive/';

export function archivePrefixOf(partnerId: string): string {
  return `${ARCHIVE_PREFIX}${homePrefix(partnerId)}`;
}

/** Deletes the current version of a key (a delete marker in a versioned bucket; old versions follow the lifecycle rules). */
export async function deleteObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await call('s3', 'DeleteObject', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
}

/** How many objects are under a prefix (every page). */
export async function countObjects(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  for await (const page of listOutbound(client, bucket, prefix)) n += page.length;
  return n;
}

/**
 * Moves every object under the partner's home to the archive, one page at a time; `onMoved` is
 * called after each object is moved. Answers the total moved by this call.
 */
export async function archiveHome(
  client: S3Client,
  input: { bucket: string; partnerId: string; kmsKeyArn: string; onMoved?: (n: number) => Promise<void> },
): Promise<number> {
  const home = homePrefix(input.partnerId);
  const archive = archivePrefixOf(input.partnerId);
  let moved = 0;
  for await (const page of listOutbound(client, input.bucket, home)) {
    for (const obj of page) {
      // Everything under a home was written by our deliveries: the archive keeps its metadata as it is.
      await copyObjectVerified(client, {
        bucket: input.bucket, sourceKey: obj.key, targetKey: `${archive}${obj.key.slice(home.length)}`, kmsKeyArn: input.kmsKeyArn, keepMetadata: 'all',
      });
      await deleteObject(client, input.bucket, obj.key);
      moved += 1;
      await input.onMoved?.(1);
    }
  }
  return moved;
}
