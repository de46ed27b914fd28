/**
 * `partnergate reviews --due [--within DAYS]` prints the access reviews due (overdue included) from
 * Redis; `partnergate reviews --since DATE` prints every review decision since DATE from the audit
 * trail in the bucket. Both as CSV for the compliance team (docs/reviews.md "The CLI"); they need the
 * tool variables only.
 *
 * Redis not answering: one line, exit 1; help, other errors and exit codes as every operator tool's
 * (./tool.ts).
 */
import type { AuditRecord } from '../domain/audit-record.js';
import { dueReviewsCsv, reviewDecisionsCsv } from '../domain/review-csv.js';
import { DAY_MS, parseDays } from '../domain/reviews.js';
import { scanAuditRecords } from '../jobs/audit/index.js';
import { ReviewStore } from '../store/reviews.js';
import { operatorTool, parseOptions, parseSince, UsageError, type ToolClients } from './tool.js';

const USAGE = 'usage: partnergate reviews --due [--within DAYS] | --since YYYY-MM-DD|ISO-8601';
/** Reviews listed by --due at most. */
const DUE_MAX = 100_000;

type Args = { due: true; withinMs: number } | { due: false; since: Date };

function parse(argv: string[]): Args {
  const values = parseOptions(argv, { due: { type: 'boolean' }, within: { type: 'string' }, since: { type: 'string' } });
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
export const runReviews = operatorTool<Args, ToolClients & { nowMs?: number }>({ command: 'reviews', usage: USAGE, parse }, async (args, tool, options) => {
  const nowMs = options.nowMs ?? Date.now();
  if (args.due) {
    const redis = await tool.redis();
    if (!redis) {
      tool.warn('Redis (REDIS_URL) did not answer');
      return 1;
    }
    tool.print(dueReviewsCsv(await new ReviewStore(redis, tool.config.prefix).dueBy(nowMs + args.withinMs, DUE_MAX), nowMs));
    return 0;
  }
  const since = args.since.getTime();
  const records: AuditRecord[] = [];
  const { unreadable } = await scanAuditRecords(tool.s3(), tool.config.platform.bucket, { since: args.since }, (r) => {
    if (r.type.startsWith('review.') && Date.parse(r.at) >= since) records.push(r);
  });
  tool.print(reviewDecisionsCsv(records));
  tool.unreadable(unreadable);
  return 0;
});
