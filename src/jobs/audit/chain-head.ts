/**
 * The chain head found in the bucket, for a flush that finds none in Redis (a new Redis, or one that
 * lost its data): the chained batch with the highest seq in the newest day of the trail and the day
 * before it. A batch is named by its first record's time, and records made by processes whose clocks
 * differ a little can put the newest batch just before midnight and an older one just after it: one
 * day back covers that. When the newest day holds no chained batch, the chain has not begun (every
 * batch the flush writes is chained, and is newer than any written before the chain).
 *
 * The newest day is found by asking, year by year back from now, then month by month and day by day,
 * whether any key starts with it (ListObjectsV2 of one key each), not by listing the trail: a few
 * dozen small requests and one read per object of those two days, whatever the trail's length. (A listing by
 * delimiter would be fewer requests, but s3rver, the tests' S3, answers it wrongly below one level.)
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { auditPrefixHasObjects, getAuditObject, listAuditKeys } from '../../aws/audit-s3.js';
import { CHAIN_START, headOf, parseChainLink, type ChainHead } from '../../domain/audit-chain.js';
import { AUDIT_PREFIX } from '../../domain/audit-record.js';

const READ_CONCURRENCY = 16;
/** How far back a trail is looked for; an older one is taken as no chain at all. */
const YEARS_BACK = 10;

const two = (n: number) => String(n).padStart(2, '0');
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Day prefixes (`audit/2026/11/28/`) that hold objects, newest first, from a day after `now` back. */
async function* newestDaysFirst(s3: S3Client, bucket: string, now: Date): AsyncGenerator<string, void, undefined> {
  const has = (prefix: string) => auditPrefixHasObjects(s3, { bucket, prefix });
  if (!(await has(AUDIT_PREFIX))) return;
  const start = new Date(now.getTime() + 86_400_000); // a clock a little ahead of ours
  const [y0, m0, d0] = [start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()];
  for (let year = y0; year > y0 - YEARS_BACK; year -= 1) {
    if (!(await has(`${AUDIT_PREFIX}${year}/`))) continue;
    for (let month = year === y0 ? m0 : 12; month >= 1; month -= 1) {
      const prefix = `${AUDIT_PREFIX}${year}/${two(month)}/`;
      if (!(await has(prefix))) continue;
      for (let day = year === y0 && month === m0 ? d0 : daysIn(year, month); day >= 1; day -= 1) {
        if (await has(`${prefix}${two(day)}/`)) yield `${prefix}${two(day)}/`;
      }
    }
  }
}

/** The newest chained batch of one day; null when it holds none. */
async function newestInDay(s3: S3Client, bucket: string, day: string): Promise<ChainHead | null> {
  let newest: ChainHead | null = null;
  for await (const keys of listAuditKeys(s3, { bucket, prefix: day })) {
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const texts = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => getAuditObject(s3, bucket, key)));
      for (const text of texts) {
        const link = text === null ? null : parseChainLink(text);
        if (link && (newest === null || link.seq > newest.seq)) newest = headOf(link, text!);
      }
    }
  }
  return newest;
}

export async function findChainHead(s3: S3Client, bucket: string, now: Date): Promise<ChainHead> {
  let newest: ChainHead | null = null;
  let looked = 0;
  for await (const day of newestDaysFirst(s3, bucket, now)) {
    const found = await newestInDay(s3, bucket, day);
    if (found && (newest === null || found.seq > newest.seq)) newest = found;
    looked += 1;
    if (newest === null || looked === 2) break;
  }
  return newest ?? CHAIN_START;
}
