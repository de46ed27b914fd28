/**
 * `partnergate audit --partner ID [--since DATE] [--json]` prints a partner's history from the
 * audit records in the bucket, oldest first: one line per record, or one JSON object per line.
 * It needs the platform variables only (and S3 access). Bad arguments or configuration: one line on
 * stderr naming the problem, exit 2; an S3 error: one line, exit 1.
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, loadToolConfig } from '../config.js';
import { AwsError } from '../domain/errors.js';
import { createS3Client } from '../aws/s3-client.js';
import { explainPartnerIdProblem } from '../domain/partner-id.js';
import { formatHistoryLine, readPartnerHistory } from '../jobs/audit/index.js';

export interface AuditOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = 'usage: partnergate audit --partner ID [--since YYYY-MM-DD|ISO-8601] [--json]';

const OPTIONS = {
  partner: { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

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
  const partnerId = values.partner;
  if (partnerId === undefined) throw new UsageError('--partner is required');
  const problem = explainPartnerIdProblem(partnerId);
  if (problem) throw new UsageError(`--partner: ${problem}`);
  return { partnerId, since: values.since === undefined ? undefined : parseSince(values.since), json: values.json ?? false };
}

/** Returns the exit code. `options.s3` replaces the client built from the environment (tests). */
export async function runAudit(
  argv: string[],
  env: Record<string, string | undefined>,
  out: AuditOutput,
  options: { s3?: S3Client } = {},
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout(`${USAGE}\n`);
    return 0;
  }
  let s3: S3Client | undefined;
  try {
    const args = parse(argv);
    const config = loadToolConfig(env);
    s3 = options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle });
    const history = await readPartnerHistory(s3, config.platform.bucket, { partnerId: args.partnerId, ...(args.since ? { since: args.since } : {}) });
    for (const r of history.records) out.stdout(`${args.json ? JSON.stringify(r) : formatHistoryLine(r)}\n`);
    if (history.records.length === 0) out.stderr(`partnergate audit: no records for ${args.partnerId}${args.since ? ` since ${args.since.toISOString()}` : ''}\n`);
    if (history.unreadable.length > 0) out.stderr(`partnergate audit: ${history.unreadable.length} object(s) under audit/ are not audit records (first: ${history.unreadable[0]})\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      out.stderr(`partnergate audit: ${err.message} (${USAGE})\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      out.stderr(`partnergate audit: ${err.message}\n`);
      return 2;
    }
    if (err instanceof AwsError) {
      out.stderr(`partnergate audit: reading the audit trail failed: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    if (s3 && !options.s3) s3.destroy();
  }
}
