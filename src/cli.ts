/**
 * `partnergate start | web | worker | render | audit | pickups | reconcile`. Configuration errors print one line naming the
 * variable and exit 2; SIGTERM and SIGINT drain and exit 0; an unhandled rejection exits 1.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { run, type Roles, type Running } from './main.js';
import { runRender } from './cli/render.js';
import { runAudit } from './cli/audit.js';
import { runPickups } from './cli/pickups.js';
import { runReconcile } from './cli/reconcile.js';

const USAGE = `usage: partnergate <command>

  start      the Slack app and the workers in one process
  web        only the Slack app (HTTP or Socket Mode) with /healthz, /readyz, /metrics
  worker     only the BullMQ workers (with /healthz, /readyz, /metrics on PORT)
  render     print the AWS documents for a partner (--partner-id ID ...) or the platform (--platform)
  audit      print a partner's history from the audit trail (--partner ID [--since DATE] [--json]),
             or check the trail's hash chain (--verify)
  pickups    print a partner's pickups (downloads of its files) as CSV (--partner ID [--since DATE])
  reconcile  compare AWS with the registry and report drift; --rebuild rebuilds a lost registry from tags

Configuration comes from environment variables: see .env.example.`;

const ROLES: Record<string, Roles> = {
  start: { web: true, worker: true },
  web: { web: true, worker: false },
  worker: { web: false, worker: true },
};

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
  if (command === 'render') {
    process.exitCode = runRender(rest, process.env, {
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
    });
    return;
  }
  if (command === 'audit') {
    process.exitCode = await runAudit(rest, process.env, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
    return;
  }
  if (command === 'pickups') {
    process.exitCode = await runPickups(rest, process.env, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
    return;
  }
  if (command === 'reconcile') {
    process.exitCode = await runReconcile(rest, process.env, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
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
