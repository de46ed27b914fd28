/**
 * `partnergate audit --verify`: reads every object under audit/ (16 at a time, keeping only a digest
 * of each) and checks the hash chain against the chain head kept in Redis
 * (src/domain/audit-verify.ts says what is checked).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getAuditObject, listAuditKeys } from '../../aws/audit-s3.js';
import type { ChainHead } from '../../domain/audit-chain.js';
import { AUDIT_PREFIX } from '../../domain/audit-record.js';
import { digestAuditObject, verifyAuditChain, type AuditObjectDigest, type ChainReport } from '../../domain/audit-verify.js';

const READ_CONCURRENCY = 16;

/** `head`: the chain head from Redis, or null when it could not be read (the newest batch then goes unchecked). */
export async function verifyAuditTrail(s3: S3Client, bucket: string, head: ChainHead | null, options: { pageSize?: number } = {}): Promise<ChainReport> {
  const digests: AuditObjectDigest[] = [];
  for await (const keys of listAuditKeys(s3, { bucket, prefix: AUDIT_PREFIX, ...(options.pageSize ? { pageSize: options.pageSize } : {}) })) {
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      const texts = await Promise.all(batch.map((key) => getAuditObject(s3, bucket, key)));
      texts.forEach((text, j) => {
        if (text !== null) digests.push(digestAuditObject(batch[j]!, text)); // gone since the listing: as if never listed
      });
    }
  }
  return verifyAuditChain(digests, head);
}
