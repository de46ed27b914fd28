/**
 * Message refs: stable names for Slack messages the notify worker posted (`card:req_…`), so that
 * other modules can thread under, update, or recognise a message without knowing its ts.
 *
 *   P:msgref:<ref>          string (JSON) {channel, ts}, written when Slack accepted the post
 *   P:msgts:<channel>:<ts>  string <ref>, the reverse index (reactions carry only channel and ts)
 *
 * Both are written by the notify worker in the same Lua script that removes the message from its
 * outbox (src/store/outbox.ts); this module only reads them.
 */
import type { Redis } from 'ioredis';
import { mgetMany } from './mget-many.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export const msgrefKey = (prefix: string, ref: string): string => `${prefix}:msgref:${ref}`;
export const msgtsKey = (prefix: string, channel: string, ts: string): string => `${prefix}:msgts:${channel}:${ts}`;

function parseRef(raw: string | null): MessageRef | undefined {
  if (raw === null) return undefined;
  const value: unknown = JSON.parse(raw);
  if (value === null || typeof value !== 'object') return undefined;
  const { channel, ts } = value as Record<string, unknown>;
  return typeof channel === 'string' && typeof ts === 'string' ? { channel, ts } : undefined;
}

/** Where the message named `ref` is, once Slack has accepted it; undefined before that. */
export async function resolveRef(redis: Redis, prefix: string, ref: string): Promise<MessageRef | undefined> {
  return parseRef(await redis.get(msgrefKey(prefix, ref)));
}

/** The ref of the message at channel/ts, if the notify worker posted it with one. */
export async function refAt(redis: Redis, prefix: string, channel: string, ts: string): Promise<string | undefined> {
  return (await redis.get(msgtsKey(prefix, channel, ts))) ?? undefined;
}

/** Where each of many refs landed (absent: not posted), in one pipeline. */
export async function resolveRefs(redis: Redis, prefix: string, refs: readonly string[]): Promise<Map<string, MessageRef>> {
  const values = await mgetMany(redis, refs.map((r) => msgrefKey(prefix, r)));
  const out = new Map<string, MessageRef>();
  values.forEach((raw, i) => {
    const at = parseRef(raw);
    if (at) out.set(refs[i]!, at);
  });
  return out;
}
