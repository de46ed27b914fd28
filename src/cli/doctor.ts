/**
 * `partnergate doctor`: run where the bot runs, with its environment and credentials; checks the
 * configuration against Redis, Slack and AWS and prints one line per check — PASS, FAIL with the
 * fix, or SKIP with why (in DRY_RUN, what the bot itself would not call). Exit 0 when nothing
 * failed, 1 when something did, 2 for bad arguments or configuration. Nothing is written anywhere.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createRedis } from '../redis.js';
import { createControlPlaneClients, type ControlPlaneClients } from '../aws/control-plane.js';
import { createS3Client } from '../aws/s3-client.js';
import { doctorExitCode, fail, formatCheck, pass, type CheckResult } from '../domain/doctor.js';
import { awsChecks, redisChecks, slackChecks } from './doctor-checks.js';
import { exitCodeOf, printedHelp, UsageError, type ToolOutput } from './tool.js';

const USAGE = 'usage: partnergate doctor';

/** `options` replace what would be built from the environment (tests). */
export async function runDoctor(
  argv: string[],
  env: Record<string, string | undefined>,
  out: ToolOutput,
  options: { redis?: Redis; aws?: ControlPlaneClients; s3?: S3Client; sqs?: SQSClient } = {},
): Promise<number> {
  if (printedHelp(argv, USAGE, out)) return 0;
  if (argv.length > 0) return exitCodeOf(new UsageError('takes no arguments'), 'doctor', USAGE, out);
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    out.stdout(`${formatCheck(r)}\n`);
  };
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) report(fail('config', `${p.variable} ${p.problem}`, 'set it as .env.example says'));
    return 2;
  }
  report(pass('config', `complete (${config.slack.appToken ? 'Socket Mode' : 'HTTP mode'}${config.platform.dryRun ? ', DRY_RUN: AWS control-plane checks are skipped' : ''})`));

  const redis = options.redis ?? createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command');
  redis.on('error', () => undefined); // an unreachable Redis is the redis check's FAIL line, not an unhandled event
  const sqs = options.sqs ?? new SQSClient({ region: config.platform.region });
  try {
    await redisChecks(config, redis, report);
    await slackChecks(config, report);
    await awsChecks(config, {
      clients: options.aws ?? createControlPlaneClients(config.platform.region),
      s3: options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle }),
      sqs,
    }, report);
  } finally {
    if (!options.redis) redis.disconnect();
    if (!options.sqs) sqs.destroy();
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  out.stdout(`${failed === 0 ? 'healthy' : `${failed} check(s) failed`}${skipped ? `; ${skipped} skipped` : ''}\n`);
  return doctorExitCode(results);
}
