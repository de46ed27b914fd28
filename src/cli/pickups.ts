/**
 * `partnergate pickups --partner ID [--since DATE]` prints a partner's pickups as CSV (one row per
 * download, oldest first; docs/pickups.md), from the audit trail in the bucket — the durable record,
 * for the compliance team. It needs the platform variables only (and S3 access). Help, errors and
 * exit codes as every operator tool's (./tool.ts).
 */
import { pickupsCsv } from '../domain/pickup-csv.js';
import { readPartnerHistory } from '../jobs/audit/index.js';
import { operatorTool, parseOptions, partnerSince } from './tool.js';

const USAGE = 'usage: partnergate pickups --partner ID [--since YYYY-MM-DD|ISO-8601]';

const parse = (argv: string[]) => partnerSince(parseOptions(argv, { partner: { type: 'string' }, since: { type: 'string' } }));

/** Returns the exit code. `options.s3` replaces the client built from the environment (tests). */
export const runPickups = operatorTool({ command: 'pickups', usage: USAGE, parse }, async (query, tool) => {
  const history = await readPartnerHistory(tool.s3(), tool.config.platform.bucket, query);
  tool.print(pickupsCsv(history.records));
  tool.unreadable(history.unreadable);
  return 0;
});
