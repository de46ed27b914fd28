/**
 * pino, JSON, with redaction of every secret the bot handles. Child loggers carry the request,
 * job or module they belong to. Untrusted data goes under keys we own, never spread at top level.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';

export type { Logger };

/** Paths pino censors wherever they appear (one or two levels deep, and in errors). */
export const REDACT_PATHS = [
  'token', 'botToken', 'appToken', 'signingSecret', 'externalId', 'ExternalId', 'sshKeys', 'sshPublicKeys',
  'SshPublicKeyBody', 'SshPublicKeyBodies', 'authorization', 'password', 'secret',
  '*.token', '*.botToken', '*.appToken', '*.signingSecret', '*.externalId', '*.ExternalId', '*.sshKeys',
  '*.sshPublicKeys', '*.SshPublicKeyBody', '*.authorization', '*.password', '*.secret',
  '*.*.externalId', '*.*.ExternalId', '*.*.sshKeys', '*.*.SshPublicKeyBody', '*.*.token',
  'headers.authorization', 'req.headers.authorization', 'req.headers["x-slack-signature"]',
  'headers["x-slack-signature"]',
];

/** Values that look like secrets are masked even where the key is not one we know. */
const SECRET_VALUE = /\b(xox[abpors]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]{20,})/g;

export function maskSecrets(text: string): string {
  return text.replace(SECRET_VALUE, (m) => `${m.slice(0, m.indexOf('-') + 1)}[REDACTED]`);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'partnergate' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          // A message string is ours, but it may quote untrusted text: mask token-shaped values.
          const masked = args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as typeof args;
          method.apply(this, masked);
        },
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG, debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN,
  error: LogLevel.ERROR, fatal: LogLevel.ERROR, silent: LogLevel.ERROR,
};

/** Bolt wants its own logger interface (setLevel, getLevel, setName): wrap pino. */
export function boltLogger(base: Logger): BoltLogger {
  let log = base.child({ module: 'bolt' });
  const fmt = (msg: unknown[]) => maskSecrets(msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
  return {
    debug: (...m) => log.debug(fmt(m)),
    info: (...m) => log.info(fmt(m)),
    warn: (...m) => log.warn(fmt(m)),
    error: (...m) => log.error(fmt(m)),
    setLevel: () => undefined, // the level is LOG_LEVEL, owned by the pino logger
    getLevel: () => BOLT_LEVELS[base.level] ?? LogLevel.INFO,
    setName: (name) => { log = base.child({ module: name }); },
  };
}
