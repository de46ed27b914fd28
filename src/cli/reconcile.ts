/**
 * `partnergate reconcile` prints, for every live partner in the registry, how AWS differs from the
 * renderer and the registry, then how the platform-wide documents every partner depends on (bucket
 * and key policies, Transfer and verifier roles, the boundary) differ from the renderer's, with the
 * diff (secrets masked); nothing is posted, recorded or changed. `partnergate reconcile --rebuild`
 * rebuilds lost registry records from the resource tags, restores which (key, version) each partner
 * already has from the provenance tags of its copies, and prints what it could not recover.
 * Needs the platform variables, Redis and AWS read access (no Slack). Bad arguments: one line,
 * bad configuration one line per variable to fix, exit 2; Redis not answering or an AWS error: one
 * line, exit 1; drift found: exit 3.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { loadToolConfig } from '../config.js';
import { createRedis, redisReachable } from '../redis.js';
import { systemClock } from '../actions/ports.js';
import { createControlPlaneClients, type ControlPlaneClients } from '../aws/control-plane.js';
import { createLifecyclePlane } from '../aws/lifecycle-plane.js';
import { createS3Client } from '../aws/s3-client.js';
import { findDrift, findPlatformDrift } from '../jobs/lifecycle/index.js';
import { createS3DeliveryStorage, formatRestoreReport, restoreDeliveryMarks } from '../jobs/delivery/index.js';
import { DeliveryStore } from '../store/deliveries.js';
import { driftDiffLines } from '../bot/messages/drift.js';
import { formatRebuildReport, rebuildRegistry } from '../jobs/lifecycle/index.js';
import { PartnerStore } from '../store/partners.js';
import { createLogger } from '../logger.js';
import { createAudit, createAuditQueue } from '../jobs/audit/index.js';
import { requestReader } from '../store/requests.js';
import { exitCodeOf, parseOptions, printedHelp, type ToolOutput } from './tool.js';

const USAGE = 'usage: partnergate reconcile [--rebuild]';

/** `options` replace what would be built from the environment (tests). */
export async function runReconcile(
  argv: string[],
  env: Record<string, string | undefined>,
  out: ToolOutput,
  options: { redis?: Redis; aws?: ControlPlaneClients; s3?: S3Client } = {},
): Promise<number> {
  if (printedHelp(argv, USAGE, out)) return 0;
  let redis: Redis | undefined;
  try {
    const rebuild = parseOptions(argv, { rebuild: { type: 'boolean' } }).rebuild ?? false;
    const config = loadToolConfig(env);
    if (config.platform.dryRun) {
      out.stderr('partnergate reconcile: DRY_RUN is set: AWS is not read, so there is nothing to compare or rebuild from\n');
      return 2;
    }
    redis = options.redis ?? createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command', { maxRetriesPerRequest: 1 });
    if (!(await redisReachable(redis, 2000))) {
      out.stderr('partnergate reconcile: Redis (REDIS_URL) did not answer: the registry cannot be read\n');
      return 1;
    }
    const cp = createLifecyclePlane(options.aws ?? createControlPlaneClients(config.platform.region), config.platform);
    const partners = new PartnerStore(redis, config.prefix);
    if (rebuild) {
      const s3 = options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle });
      const report = await rebuildRegistry({
        cp, platform: config.platform, partners, requests: requestReader(redis, config.prefix), redis, prefix: config.prefix, clock: systemClock, s3,
        logger: createLogger('warn', { write: (line: string) => out.stderr(line) }),
      });
      out.stdout(formatRebuildReport(report));
      // Which (key, version) each partner already has, from the copies' provenance tags: without
      // these marks the next poll would deliver every file under the outbound prefix again.
      const marks = await restoreDeliveryMarks({
        storage: createS3DeliveryStorage(s3, { bucket: config.platform.bucket, kmsKeyArn: config.platform.kmsKeyArn }),
        store: new DeliveryStore(redis, config.prefix),
        routing: { outboundPrefix: config.platform.outboundPrefix, feeds: config.platform.feeds },
      });
      out.stdout(formatRestoreReport(marks));
      // Queued like every record, so that the bot's audit worker writes it into the hash chain
      // (an object written here would stand outside it); a record that cannot be queued is on stderr.
      const queue = createAuditQueue(redis, config.prefix);
      try {
        const audit = createAudit({ queue, clock: systemClock, logger: createLogger('error', { write: (line: string) => out.stderr(line) }) });
        for (const partnerId of report.rebuilt) {
          await audit({ type: 'registry.rebuilt', partnerId, actor: 'partnergate', details: { unrecovered: report.unrecovered[partnerId] ?? [] } });
        }
      } finally {
        await queue.close();
      }
      return 0;
    }
    let drifted = 0;
    for (const p of await partners.liveRecords()) {
      const id = p.partnerId;
      const drift = await findDrift(cp, config.platform, p);
      if (drift.items.length === 0) out.stdout(`${id}: no drift\n`);
      else {
        drifted += 1;
        for (const item of drift.items) out.stdout(`${id}: ${item.line}\n`);
      }
    }
    const platform = await findPlatformDrift(cp, config.platform);
    if (platform.items.length === 0) out.stdout('platform: no drift\n');
    else {
      drifted += 1;
      for (const item of platform.items) out.stdout(`platform: ${item.line}\n`);
      for (const line of driftDiffLines(platform.documents, 'stack')) out.stdout(`platform:   ${line}\n`);
    }
    return drifted > 0 ? 3 : 0;
  } catch (err) {
    return exitCodeOf(err, 'reconcile', USAGE, out, (e) => `AWS ${e.service} ${e.operation} failed`);
  } finally {
    if (redis && !options.redis) redis.disconnect();
  }
}
