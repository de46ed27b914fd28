/**
 * Redis connections. Workers need maxRetriesPerRequest: null (BullMQ); commands from the web half fail
 * fast. The command connection pipelines the commands issued in one tick of the event loop (one
 * socket write for many): with fifty Slack requests in flight that halved Redis's CPU and the web
 * process's kernel time per request. Worker (blocking) connections keep one command per write.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/** Where Redis is: REDIS_URL (rediss:// for TLS, a password for AUTH), and REDIS_TLS_CA_FILE's certificates. */
export interface RedisTarget {
  url: string;
  tlsCa?: string | undefined;
}

export function createRedis(target: RedisTarget, role: 'command' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(target.url, {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    connectionName: `partnergate-${role}`,
    enableAutoPipelining: role === 'command',
    // rediss:// alone turns TLS on with Node's CAs; a private CA (most managed Redis) is named here.
    // BullMQ's own connections are duplicates of these, so they carry the same TLS and AUTH.
    ...(target.tlsCa !== undefined ? { tls: { ca: target.tlsCa } } : {}),
    ...extra,
  });
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * What start-up warns of, once: a Redis that is not on this host and asks for no password. Redis
 * holds the approvals and the queues; approvals are sealed (docs/security.md "Redis"), but whoever
 * reaches such a Redis can still read partners' ExternalIds, delete work and queue jobs. Null when
 * there is nothing to say.
 */
export function redisExposureWarning(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // the configuration refuses it before this is asked
  }
  if (LOOPBACK.test(parsed.hostname) || parsed.password !== '') return null;
  const tls = parsed.protocol === 'rediss:' ? '' : ', and without TLS (redis://, not rediss://)';
  return `Redis at ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''} is not on this host and REDIS_URL has no password${tls}: anyone who can reach it can read and change what the bot stores. In production use AUTH (redis://:<password>@host or an ACL user) and rediss:// (docs/security.md "Redis").`;
}

/** True when Redis answers PING within the timeout. */
export async function redisReachable(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    });
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
