/**
 * The hash chain of the audit trail. Every batch object the audit flush writes starts with one
 * line that links it to the batch written before it:
 *
 *   {"chain":{"v":1,"seq":42,"key":"audit/2026/11/28/<first id>.jsonl","prev":"sha256:<hex>","prevKey":"audit/…"}}
 *
 * `seq` counts batches from 1; `key` is where the batch was written (a body copied or swapped to
 * another key says so); `prev` is the SHA-256 of the whole previous object as stored (its link line
 * included, so the hashes chain), `prevKey` where that object is. The first batch has `prev` and
 * `prevKey` null. Removing, editing or moving a batch breaks the link of the one after it; the
 * newest is checked against the chain head, which the flush keeps in Redis. Pure.
 */
import { createHash } from 'node:crypto';

export const CHAIN_VERSION = 1;

export interface ChainLink {
  v: typeof CHAIN_VERSION;
  seq: number;
  key: string;
  prev: string | null;
  prevKey: string | null;
}

/** The newest batch of the chain: what the next one links to. `seq` 0: nothing chained yet. */
export interface ChainHead {
  seq: number;
  hash: string | null;
  key: string | null;
}

export const CHAIN_START: ChainHead = { seq: 0, hash: null, key: null };

/** `sha256:<hex>` of an object's text as stored (UTF-8). */
export function hashAuditObject(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * The object for a batch written after `head` at `key`: the link line, then the records' lines.
 * The same head, key and lines always give the same bytes, so a flush retried after a crash
 * writes what the first try wrote.
 */
export function chainedBody(head: ChainHead, key: string, lines: readonly string[]): { body: string; head: ChainHead } {
  const link: ChainLink = { v: CHAIN_VERSION, seq: head.seq + 1, key, prev: head.hash, prevKey: head.key };
  const body = `${JSON.stringify({ chain: link })}\n${lines.join('\n')}\n`;
  return { body, head: headOf(link, body) };
}

/** The head a stored chained object makes. */
export function headOf(link: Pick<ChainLink, 'seq' | 'key'>, text: string): ChainHead {
  return { seq: link.seq, hash: hashAuditObject(text), key: link.key };
}

const HASH = /^sha256:[0-9a-f]{64}$/;

function isLink(value: unknown): value is ChainLink {
  if (value === null || typeof value !== 'object') return false;
  const l = value as Record<string, unknown>;
  const first = l.seq === 1;
  return (
    l.v === CHAIN_VERSION &&
    Number.isSafeInteger(l.seq) && (l.seq as number) >= 1 &&
    typeof l.key === 'string' && l.key.startsWith('audit/') &&
    (first ? l.prev === null && l.prevKey === null : typeof l.prev === 'string' && HASH.test(l.prev) && typeof l.prevKey === 'string')
  );
}

/** The link of a stored object (its first line), or null for an object written before the chain. */
export function parseChainLink(text: string): ChainLink | null {
  const end = text.indexOf('\n');
  const first = end === -1 ? text : text.slice(0, end);
  if (!first.startsWith('{"chain":')) return null;
  try {
    const chain = (JSON.parse(first) as { chain?: unknown }).chain;
    return isLink(chain) ? chain : null;
  } catch {
    return null;
  }
}

/** Parses a head kept in Redis; null when there is none or it is not one. */
export function parseChainHead(text: string | null): ChainHead | null {
  if (text === null) return null;
  try {
    const h = JSON.parse(text) as Record<string, unknown>;
    if (h.seq === 0 && h.hash === null && h.key === null) return CHAIN_START;
    if (Number.isSafeInteger(h.seq) && (h.seq as number) > 0 && typeof h.hash === 'string' && HASH.test(h.hash) && typeof h.key === 'string') {
      return { seq: h.seq as number, hash: h.hash, key: h.key };
    }
  } catch {
    // not JSON: no head
  }
  return null;
}
