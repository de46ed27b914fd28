/**
 * What every one-off command shares: where it writes, its bad arguments (UsageError, parseOptions),
 * `--help` (or `-h`) printing the usage, and its failures as one line on stderr named after the
 * command: bad arguments with the usage, bad configuration one line per variable to fix, exit 2.
 *
 * Then the shape the operator tools over the audit trail and Redis share (`partnergate audit`,
 * `pickups`, `reviews`): the arguments are parsed, then the tool variables loaded; the S3 client and
 * the Redis connection are built only when the tool asks for them and closed when it ends; an S3
 * error: one line, exit 1.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis, RedisOptions } from 'ioredis';
import { ConfigError, loadToolConfig, type ToolConfig } from '../config.js';
import { createRedis, redisReachable } from '../redis.js';
import { createS3Client } from '../aws/s3-client.js';
import { AwsError } from '../domain/errors.js';
import { explainPartnerIdProblem } from '../domain/partner-id.js';

/** Where a one-off command writes. */
export interface ToolOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Clients that replace those built from the environment (tests); the tool leaves them open. */
export interface ToolClients {
  s3?: S3Client;
  redis?: Redis;
}

/** What a tool's own work is given. */
export interface Tool {
  config: ToolConfig;
  /** Writes to stdout, as it is. */
  print(text: string): void;
  s3(): S3Client;
  /** The Redis connection, or null when it does not answer within 2 s. */
  redis(extra?: RedisOptions): Promise<Redis | null>;
  /** One line on stderr, named after the command. */
  warn(text: string): void;
  /** Says how many objects under audit/ were not audit records, when some were. */
  unreadable(keys: readonly string[]): void;
}

export type ToolRun<O extends ToolClients> = (argv: string[], env: Record<string, string | undefined>, out: ToolOutput, options?: O) => Promise<number>;

export class UsageError extends Error {}

/** The named options of `argv` (no positionals); what parseArgs refuses is a UsageError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

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

/** `--partner ID [--since DATE]`: the partner is required and must be a valid id. */
export function partnerSince(values: { partner?: string | undefined; since?: string | undefined }): { partnerId: string; since: Date | undefined } {
  if (values.partner === undefined) throw new UsageError('--partner is required');
  const problem = explainPartnerIdProblem(values.partner);
  if (problem) throw new UsageError(`--partner: ${problem}`);
  return { partnerId: values.partner, since: values.since === undefined ? undefined : parseSince(values.since) };
}

/** Whether `argv` asks for help; if so the usage is printed (stdout). */
export function printedHelp(argv: string[], usage: string, out: ToolOutput): boolean {
  const help = argv.includes('--help') || argv.includes('-h');
  if (help) out.stdout(`${usage}\n`);
  return help;
}

/**
 * The exit code of a command that failed with `err` (one line on stderr): bad arguments or
 * configuration 2; an AWS error 1 when `aws` says what the command was doing. Rethrows what is not ours.
 */
export function exitCodeOf(err: unknown, command: string, usage: string, out: ToolOutput, aws?: (err: AwsError) => string): number {
  if (err instanceof UsageError) {
    out.stderr(`partnergate ${command}: ${err.message} (${usage})\n`);
    return 2;
  }
  if (err instanceof ConfigError) {
    out.stderr(`partnergate ${command}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof AwsError && aws) {
    out.stderr(`partnergate ${command}: ${aws(err)}: ${err.code}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** The tool `command`: the shared shape around `work`, which returns the exit code. */
export function operatorTool<A, O extends ToolClients = ToolClients>(
  spec: { command: string; usage: string; parse: (argv: string[]) => A },
  work: (args: A, tool: Tool, options: O) => Promise<number>,
): ToolRun<O> {
  return async (argv, env, out, options = {} as O) => {
    if (printedHelp(argv, spec.usage, out)) return 0;
    let s3: S3Client | undefined;
    let redis: Redis | undefined;
    try {
      const args = spec.parse(argv);
      const config = loadToolConfig(env);
      const warn = (text: string) => out.stderr(`partnergate ${spec.command}: ${text}\n`);
      return await work(args, {
        config,
        warn,
        print: (text) => out.stdout(text),
        s3: () => (s3 ??= options.s3 ?? createS3Client(config.platform, { forcePathStyle: config.s3ForcePathStyle })),
        redis: async (extra) => {
          redis ??= options.redis ?? createRedis({ url: config.redisUrl, tlsCa: config.redisTlsCa }, 'command', extra);
          return (await redisReachable(redis, 2000)) ? redis : null;
        },
        unreadable: (keys) => {
          if (keys.length > 0) warn(`${keys.length} object(s) under audit/ are not audit records (first: ${keys[0]})`);
        },
      }, options);
    } catch (err) {
      return exitCodeOf(err, spec.command, spec.usage, out, () => 'reading the audit trail failed');
    } finally {
      if (s3 && s3 !== options.s3) s3.destroy();
      if (redis && redis !== options.redis) redis.disconnect();
    }
  };
}
