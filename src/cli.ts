/**
 * `partnergate start | web | worker | render | audit | pickups | reviews | reconcile | doctor | cloudwatch-metrics | --version`. Configuration errors print one line naming the
 * variable and exit 2; SIGTERM and SIGINT drain and exit 0 (1 when the drain ran past its deadline); an
 * unhandled rejection exits 1.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { run, type Roles, type Running } from './main.js';
import { runRender } from './cli/render.js';
import { runAudit } from './cli/audit.js';
import { runPickups } from './cli/pickups.js';
import { runReviews } from './cli/reviews.js';
import { runReconcile } from './cli/reconcile.js';
import { runCloudWatchMetrics } from './cli/cloudwatch-metrics.js';
import { runDoctor } from './cli/doctor.js';
import type { ToolOutput } from './cli/tool.js';

const USAGE = `usage: partnergate <command>

  start      the Slack app and the workers in one process
  web        only the Slack app (HTTP or Socket Mode) with /healthz, /readyz, /metrics
  worker     only the BullMQ workers (with /healthz, /readyz, /metrics on PORT)
  render     print the AWS documents for a partner (--partner-id ID ...) or the platform (--platform)
  audit      print a partner's history from the audit trail (--partner ID [--since DATE] [--json]),
             or check the trail's hash chain (--verify)
  pickups    print a partner's pickups (downloads of its files) as CSV (--partner ID [--since DATE])
  reviews    access reviews as CSV: those due from Redis (--due [--within DAYS]), or the decisions
             since a date from the audit trail (--since DATE)
  reconcile  compare AWS with the registry and report drift; --rebuild rebuilds a lost registry from tags
             and the delivery marks from the partners' copies
  doctor     check the configuration against Redis, Slack and AWS, one line per check with the fix
             (run it where the bot runs; exit 1 when a check fails)
  cloudwatch-metrics
             the runtime stack's metrics sidecar: the bot's /metrics as CloudWatch EMF lines on
             stdout every minute (--url, --interval, --namespace)
  --version  print the version (package.json's, which the image is tagged with)

Configuration comes from environment variables: see .env.example.`;

const STDIO: ToolOutput = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

/** The one-off commands that take their arguments, the environment and where to write, and give the exit code. */
const TOOLS: Record<string, (argv: string[], env: NodeJS.ProcessEnv, out: ToolOutput) => number | Promise<number>> = {
  render: runRender, audit: runAudit, doctor: runDoctor, pickups: runPickups, reviews: runReviews, reconcile: runReconcile,
};

const ROLES: Record<string, Roles> = {
  start: { web: true, worker: true },
  web: { web: true, worker: false },
  worker: { web: false, worker: true },
};

/**
 * The version in package.json. Both src/cli.ts (tsx) and dist/cli.js (the image) sit one directory
 * below it, and the image copies package.json beside dist/, so the same URL finds it in both.
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string' || pkg.version === '') throw new Error('package.json has no version');
  return pkg.version;
}

function installProcessHandlers(logger: Logger, running: () => Running | undefined): void {
  let stopping = false;
  const drain = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const current = running();
    const done = current ? current.stop() : Promise.resolve();
    done.then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while draining');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => drain('SIGTERM'));
  process.once('SIGINT', () => drain('SIGINT'));
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  // Own keys only: `toString` and the like are not commands.
  const tool = command !== undefined && Object.hasOwn(TOOLS, command) ? TOOLS[command] : undefined;
  if (tool) {
    process.exitCode = await tool(rest, process.env, STDIO);
    return;
  }
  if (command === 'cloudwatch-metrics') {
    const stop = new AbortController();
    process.once('SIGTERM', () => stop.abort());
    process.once('SIGINT', () => stop.abort());
    process.exitCode = await runCloudWatchMetrics(rest, STDIO, {
      fetch: (url, init) => fetch(url, init),
      now: () => Date.now(),
      sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
      signal: stop.signal,
    });
    return;
  }
  const roles = command ? ROLES[command] : undefined;
  if (!roles) {
    process.stderr.write(`${command && command !== 'help' && command !== '--help' ? `partnergate: unknown command "${command}"\n` : ''}${USAGE}\n`);
    process.exitCode = command === 'help' || command === '--help' ? 0 : 2;
    return;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`partnergate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel).child({ role: command });
  let running: Running | undefined;
  installProcessHandlers(logger, () => running);
  running = await run(config, roles, logger);
}
