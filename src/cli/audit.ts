/**
 * `partnergate audit --partner ID [--since DATE] [--json]` prints a partner's history from the
 * audit records in the bucket, oldest first: one line per record, or one JSON object per line.
 * It needs the platform variables only (and S3 access).
 *
 * `partnergate audit --verify` checks the trail's hash chain (src/domain/audit-verify.ts) against
 * the chain head in Redis and prints what it found: exit 0 when nothing is missing, edited or moved,
 * 3 when something is, naming the key of the first break. It also needs Redis (REDIS_URL,
 * PARTNERGATE_PREFIX); without it the newest batch is checked against nothing, and it says so.
 *
 * Bad arguments: one line on stderr naming the problem, bad configuration one line per variable to
 * fix, exit 2; an S3 error: one line, exit 1.
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { ConfigError, loadToolConfig, type ToolConfig } from '../config.js';
import { createRedis, redisReachable } from '../redis.js';
import { AwsError } from '../domain/errors.js';
import { createS3Client } from '../aws/s3-client.js';
import type { ChainHead } from '../domain/audit-chain.js';
import { formatChainReport } from '../domain/audit-verify.js';
import { explainPartnerIdProblem } from '../domain/partner-id.js';
import { AuditBuffer } from '../store/audit-buffer.js';
import { formatHistoryLine, readPartnerHistory, verifyAuditTrail } from '../jobs/audit/index.js';

export interface AuditOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = 'usage: partnergate audit --partner ID [--since YYYY-MM-DD|ISO-8601] [--json] | partnergate audit --verify';

/** Exit code of --verify when the chain is broken (as `reconcile` exits 3 on drift). */
export const VERIFY_BROKEN = 3;

const OPTIONS = {
  partner: { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean' },
  verify: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class UsageError extends Error {}

/** `2026-11-01` (UTC midnight) or a full ISO 8601 time; anything else is refused. */
export function parseSince(text: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(text);
  const at = new Date(day ? `${text}T00:00:00Z` : text);
  if ((!day && !full) || Number.isNaN(at.getTime()) || (day && at.toISOString().slice(0, 10) !== text)) {
    throw new UsageError(`--since: ${JSON.stringify(text.slice(0, 40))} is not a date (use YYYY-MM-DD or an ISO 8601 time such as 2026-11-01T09:00:00Z)`);
  }
  return at;
}

function parse(argv: string[]) {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.verify) {
    if (values.partner !== undefined || values.since !== undefined || values.json !== undefined) throw new UsageError('--verify takes no other option');
    return { verify: true } as const;
  }
  const partnerId = values.partner;
  if (partnerId === undefined) throw new UsageError('--partner is required');
  const problem = explainPartnerIdProblem(partnerId);
  if (problem) throw new UsageError(`--partner: ${problem}`);
  return { verify: false, partnerId, since: values.since === undefined ? undefined : parseSince(values.since), json: values.json ?? false } as const;
}

/** The chain head in Redis; null (and a line on stderr) when Redis does not answer or holds none. */
async function readChainHead(redis: Redis, config: ToolConfig, out: AuditOutput): Promise<ChainHead | null> {
  if (!(await redisReachable(redis, 2000))) {
    out.stderr(`partnergate audit: Redis (REDIS_URL) did not answer: the chain head cannot be read\n`);
    return null;
  }
  const head = await new AuditBuffer(redis, config.prefix).head();
  if (head === null) out.stderr(`partnergate audit: no chain head in Redis under ${config.prefix}:audit-log:head\n`);
  return head;
}

/** The exit code of a tool reading the trail that failed with `err` (one line on stderr); rethrows what is not ours. */
export function exitCodeOf(err: unknown, command: string, usage: string, out: AuditOutput): number {
  if (err instanceof UsageError) {
    out.stderr(`partnergate ${command}: ${err.message} (${usage})\n`);
    return 2;
  }
  if (err instanceof ConfigError) {
    out.stderr(`partnergate ${command}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof AwsError) {
    out.stderr(`partnergate ${command}: reading the audit trail failed: ${err.code}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** Returns the exit code. `options` replace the clients built from the environment (tests). */
export async function runAudit(
  argv: string[],
  env: Record<string, string | undefined>,
  out: AuditOutput,
  options: { s3?: S3Client; redis?: Redis } = {},
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
    s3 = options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle });
    if (args.verify) {
      redis = options.redis ?? createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command', { maxRetriesPerRequest: 1 });
      const report = await verifyAuditTrail(s3, config.platform.bucket, await readChainHead(redis, config, out));
      for (const line of formatChainReport(report)) out.stdout(`${line}\n`);
      return report.problems.length > 0 ? VERIFY_BROKEN : 0;
    }
    const history = await readPartnerHistory(s3, config.platform.bucket, { partnerId: args.partnerId, ...(args.since ? { since: args.since } : {}) });
    for (const r of history.records) out.stdout(`${args.json ? JSON.stringify(r) : formatHistoryLine(r)}\n`);
    if (history.records.length === 0) out.stderr(`partnergate audit: no records for ${args.partnerId}${args.since ? ` since ${args.since.toISOString()}` : ''}\n`);
    if (history.unreadable.length > 0) out.stderr(`partnergate audit: ${history.unreadable.length} object(s) under audit/ are not audit records (first: ${history.unreadable[0]})\n`);
    return 0;
  } catch (err) {
    return exitCodeOf(err, 'audit', USAGE, out);
  } finally {
    if (s3 && !options.s3) s3.destroy();
    if (redis && !options.redis) redis.disconnect();
  }
}
