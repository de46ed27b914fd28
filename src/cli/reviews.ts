/**
 * `partnergate reviews --due [--within DAYS]` prints the access reviews due (overdue included) from
 * Redis; `partnergate reviews --since DATE` prints every review decision since DATE from the audit
 * trail in the bucket. Both as CSV for the compliance team (docs/reviews.md "The CLI"); they need the
 * tool variables only.
 *
 * Bad arguments or configuration: one line on stderr naming the problem, exit 2; Redis not
 * answering or an S3 error: one line, exit 1.
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { loadToolConfig } from '../config.js';
import { createS3Client } from '../aws/s3-client.js';
import { createRedis, redisReachable } from '../redis.js';
import type { AuditRecord } from '../domain/audit-record.js';
import { dueReviewsCsv, reviewDecisionsCsv } from '../domain/review-csv.js';
import { DAY_MS, parseDays } from '../domain/reviews.js';
import { scanAuditRecords } from '../jobs/audit/index.js';
import { ReviewStore } from '../store/reviews.js';
import { exitCodeOf, parseSince, UsageError, type AuditOutput } from './audit.js';

const USAGE = 'usage: partnergate reviews --due [--within DAYS] | --since YYYY-MM-DD|ISO-8601';
/** Reviews listed by --due at most. */
const DUE_MAX = 100_000;

type Args = { due: true; withinMs: number } | { due: false; since: Date };

function parse(argv: string[]): Args {
  let values;
  try {
    values = parseArgs({ args: argv, options: { due: { type: 'boolean' }, within: { type: 'string' }, since: { type: 'string' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if ((values.due ?? false) === (values.since !== undefined)) throw new UsageError('give --due or --since, one of them');
  if (values.since !== undefined) {
    if (values.within !== undefined) throw new UsageError('--within goes with --due');
    return { due: false, since: parseSince(values.since) };
  }
  if (values.within === undefined) return { due: true, withinMs: 0 };
  const within = parseDays(values.within, { allowZero: true, max: 3_650 });
  if (!within.ok) throw new UsageError(`--within ${within.error}`);
  return { due: true, withinMs: within.value * DAY_MS };
}

/** Returns the exit code. `options` replace the clients built from the environment (tests), and the clock. */
export async function runReviews(
  argv: string[], env: Record<string, string | undefined>, out: AuditOutput, options: { s3?: S3Client; redis?: Redis; nowMs?: number } = {},
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout(`${USAGE}\n`);
    return 0;
  }
  let s3: S3Client | undefined;
  let redis: Redis | undefined;
  try {
    const args = parse(argv);
    const config = loadToolConfig(env);
    const nowMs = options.nowMs ?? Date.now();
    if (args.due) {
      redis = options.redis ?? createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command');
      if (!(await redisReachable(redis, 2000))) {
        out.stderr('partnergate reviews: Redis (REDIS_URL) did not answer\n');
        return 1;
      }
      out.stdout(dueReviewsCsv(await new ReviewStore(redis, config.prefix).dueBy(nowMs + args.withinMs, DUE_MAX), nowMs));
      return 0;
    }
    s3 = options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle });
    const since = args.since.getTime();
    const records: AuditRecord[] = [];
    const { unreadable } = await scanAuditRecords(s3, config.platform.bucket, { since: args.since }, (r) => {
      if (r.type.startsWith('review.') && Date.parse(r.at) >= since) records.push(r);
    });
    out.stdout(reviewDecisionsCsv(records));
    if (unreadable.length > 0) out.stderr(`partnergate reviews: ${unreadable.length} object(s) under audit/ are not audit records (first: ${unreadable[0]})\n`);
    return 0;
  } catch (err) {
    return exitCodeOf(err, 'reviews', USAGE, out);
  } finally {
    if (s3 && !options.s3) s3.destroy();
    if (redis && !options.redis) redis.disconnect();
  }
}
