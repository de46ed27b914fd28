/**
 * `partnergate pickups --partner ID [--since DATE]` prints a partner's pickups as CSV (one row per
 * download, oldest first; docs/pickups.md), from the audit trail in the bucket — the durable record,
 * for the compliance team. It needs the platform variables only (and S3 access).
 *
 * Bad arguments: one line on stderr naming the problem, bad configuration one line per variable to
 * fix, exit 2; an S3 error: one line, exit 1.
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadToolConfig } from '../config.js';
import { createS3Client } from '../aws/s3-client.js';
import { explainPartnerIdProblem } from '../domain/partner-id.js';
import { pickupsCsv } from '../domain/pickup-csv.js';
import { readPartnerHistory } from '../jobs/audit/index.js';
import { exitCodeOf, parseSince, UsageError, type AuditOutput } from './audit.js';

const USAGE = 'usage: partnergate pickups --partner ID [--since YYYY-MM-DD|ISO-8601]';

function parse(argv: string[]): { partnerId: string; since: Date | undefined } {
  let values;
  try {
    values = parseArgs({ args: argv, options: { partner: { type: 'string' }, since: { type: 'string' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.partner === undefined) throw new UsageError('--partner is required');
  const problem = explainPartnerIdProblem(values.partner);
  if (problem) throw new UsageError(`--partner: ${problem}`);
  return { partnerId: values.partner, since: values.since === undefined ? undefined : parseSince(values.since) };
}

/** Returns the exit code. `options.s3` replaces the client built from the environment (tests). */
export async function runPickups(argv: string[], env: Record<string, string | undefined>, out: AuditOutput, options: { s3?: S3Client } = {}): Promise<number> {
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
    out.stdout(pickupsCsv(history.records));
    if (history.unreadable.length > 0) out.stderr(`partnergate pickups: ${history.unreadable.length} object(s) under audit/ are not audit records (first: ${history.unreadable[0]})\n`);
    return 0;
  } catch (err) {
    return exitCodeOf(err, 'pickups', USAGE, out);
  } finally {
    if (s3 && !options.s3) s3.destroy();
  }
}
