/**
 * pino, JSON, with every secret the bot handles masked before a line is written. Child loggers
 * carry the request, job or module they belong to. Untrusted data goes under keys we own, never
 * spread at top level.
 *
 * Masking is by walking, not by path: every logged object (merging object, child bindings,
 * serialized errors, interpolated arguments) is copied where needed so that the value under a
 * secret-named key, at any depth, becomes `[REDACTED]`, and every string, and every object key,
 * goes through `maskSecrets`. The walk is bounded (depth and node count): what lies beyond the
 * bounds is replaced by `[truncated]`, never written unmasked.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { LogLevel, type Logger as BoltLogger } from '@slack/logger';

import { CENSOR, isSecretKey, maskSecrets } from './domain/secrets.js';

export type { Logger };

const TRUNCATED = '[truncated]';

/** Deeper than this, a value is replaced by `[truncated]` (a trust policy under a plan is ~7 deep). */
export const MAX_LOG_DEPTH = 10;
/** Objects and arrays walked in one log call; the rest is replaced by `[truncated]`. */
export const MAX_LOG_NODES = 2000;


interface Walk {
  nodes: number;
  /** Objects on the path from the root to the current value (cycle detection). */
  path: object[];
}

function maskKey(key: string): string {
  // Keys shorter than this cannot hold a token or a key (keyAddedAt is keyed by SSH key lines).
  return key.length < 16 ? key : maskSecrets(key);
}

/** `value` with secrets masked: the same value when nothing changed, a copy when something did. */
function scrubValue(value: unknown, depth: number, walk: Walk): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (depth >= MAX_LOG_DEPTH || --walk.nodes < 0) return TRUNCATED;
  if (walk.path.includes(value)) return '[Circular]';
  walk.path.push(value);
  try {
    if (Array.isArray(value)) return scrubArray(value, depth, walk);
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return scrubValue(json.call(value), depth, walk);
    return scrubObject(value as Record<string, unknown>, depth, walk);
  } finally {
    walk.path.pop();
  }
}

function scrubArray(value: unknown[], depth: number, walk: Walk): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const s = scrubValue(v, depth + 1, walk);
    if (out === undefined && s !== v) out = value.slice(0, i);
    out?.push(s);
  }
  return out ?? value;
}

function scrubObject(value: Record<string, unknown>, depth: number, walk: Walk, skipKey?: string): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = value[key];
    const s = key === skipKey || v === undefined || v === null ? v : isSecretKey(key) ? CENSOR : scrubValue(v, depth + 1, walk);
    let k = maskKey(key);
    if (out === undefined && (s !== v || k !== key)) {
      out = {};
      for (const earlier of keys.slice(0, i)) out[maskKey(earlier)] = value[earlier];
    }
    if (out !== undefined) {
      // Two masked keys can collide (`ssh-[REDACTED]`): keep both entries.
      for (let n = 2; k !== key && Object.prototype.hasOwnProperty.call(out, k); n++) k = `${maskKey(key)} #${n}`;
      out[k] = s;
    }
  }
  return out ?? value;
}

/** A copy of `value` (or `value` itself when it holds nothing to mask) fit to be logged. */
function scrubForLog(value: unknown): unknown {
  return scrubValue(value, 0, { nodes: MAX_LOG_NODES, path: [] });
}

/** A merging object or child bindings; `err` is left to the err serializer, which scrubs it. */
function scrubTopLevel<T extends object>(obj: T): T {
  return scrubObject(obj as Record<string, unknown>, 0, { nodes: MAX_LOG_NODES, path: [obj] }, 'err') as T;
}

/** pino applies `formatters.bindings` to the root's bindings only: scrub what each child is given. */
function scrubChildBindings(root: Logger): Logger {
  const child = root.child;
  root.child = function scrubbingChild(this: Logger, bindings, options) {
    return child.call(this, scrubTopLevel(bindings), options);
  } as Logger['child'];
  return root; // children inherit `child` from the root (pino makes them with Object.create)
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return scrubChildBindings(pino(
    {
      level,
      base: { service: 'partnergate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: scrubTopLevel },
      hooks: {
        logMethod(args, method) {
          // The message is masked by the msg serializer; objects interpolated into it (%j, %o) here.
          const masked = args.length < 2 ? args : (args.map((a, i) => (i === 0 ? a : scrubForLog(a))) as typeof args);
          method.apply(this, masked);
        },
      },
      serializers: {
        // message and stack may quote an ExternalId or a token (AWS and Slack errors do).
        err: (err: unknown) => scrubForLog(pino.stdSerializers.err(err as Error)),
        // Ours, but it may quote untrusted text, and pino fills it from err.message when absent.
        msg: (msg: unknown) => (typeof msg === 'string' ? maskSecrets(msg) : msg),
      },
    },
    destination,
  ));
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG, debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN,
  error: LogLevel.ERROR, fatal: LogLevel.ERROR, silent: LogLevel.ERROR,
};

/** Bolt wants its own logger interface (setLevel, getLevel, setName): wrap pino. */
export function boltLogger(base: Logger): BoltLogger {
  let log = base.child({ module: 'bolt' });
  // Objects are scrubbed before they become text (secret-named keys); the text is masked as a message.
  const fmt = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(scrubForLog(m)))).join(' ');
  return {
    // Bolt logs at debug on every request: skip the formatting when the level drops it anyway.
    debug: (...m) => { if (log.isLevelEnabled('debug')) log.debug(fmt(m)); },
    info: (...m) => { if (log.isLevelEnabled('info')) log.info(fmt(m)); },
    warn: (...m) => log.warn(fmt(m)),
    error: (...m) => log.error(fmt(m)),
    setLevel: () => undefined, // the level is LOG_LEVEL, owned by the pino logger
    getLevel: () => BOLT_LEVELS[base.level] ?? LogLevel.INFO,
    setName: (name) => { log = base.child({ module: name }); },
  };
}
