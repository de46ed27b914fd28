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
 * Help, errors and exit codes otherwise as every operator tool's (./tool.ts).
 */
import type { ChainHead } from '../domain/audit-chain.js';
import { formatChainReport } from '../domain/audit-verify.js';
import { AuditBuffer } from '../store/audit-buffer.js';
import { formatHistoryLine, readPartnerHistory, verifyAuditTrail } from '../jobs/audit/index.js';
import { operatorTool, parseOptions, partnerSince, UsageError, type Tool } from './tool.js';

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

function parse(argv: string[]) {
  const values = parseOptions(argv, OPTIONS);
  if (values.verify) {
    if (values.partner !== undefined || values.since !== undefined || values.json !== undefined) throw new UsageError('--verify takes no other option');
    return { verify: true } as const;
  }
  return { verify: false, ...partnerSince(values), json: values.json ?? false } as const;
}

/** The chain head in Redis; null (and a line on stderr) when Redis does not answer or holds none. */
async function readChainHead(tool: Tool): Promise<ChainHead | null> {
  const redis = await tool.redis({ maxRetriesPerRequest: 1 });
  if (!redis) {
    tool.warn('Redis (REDIS_URL) did not answer: the chain head cannot be read');
    return null;
  }
  const head = await new AuditBuffer(redis, tool.config.prefix).head();
  if (head === null) tool.warn(`no chain head in Redis under ${tool.config.prefix}:audit-log:head`);
  return head;
}

/** Returns the exit code. `options` replace the clients built from the environment (tests). */
export const runAudit = operatorTool({ command: 'audit', usage: USAGE, parse }, async (args, tool) => {
  if (args.verify) {
    const report = await verifyAuditTrail(tool.s3(), tool.config.platform.bucket, await readChainHead(tool));
    for (const line of formatChainReport(report)) tool.print(`${line}\n`);
    return report.problems.length > 0 ? VERIFY_BROKEN : 0;
  }
  const history = await readPartnerHistory(tool.s3(), tool.config.platform.bucket, args);
  for (const r of history.records) tool.print(`${args.json ? JSON.stringify(r) : formatHistoryLine(r)}\n`);
  if (history.records.length === 0) tool.warn(`no records for ${args.partnerId}${args.since ? ` since ${args.since.toISOString()}` : ''}`);
  tool.unreadable(history.unreadable);
  return 0;
});
