/**
 * What metadata a delivered copy carries. The pipeline's `x-amz-meta-*` are its own business (job
 * ids, internal paths, whatever a tool put there): a copy is written with MetadataDirective REPLACE
 * and carries only the content headers a partner needs to use the file and the user metadata keys
 * on the allow-list (DELIVERY_METADATA_ALLOWLIST, default none). Pure.
 *
 * Every value carried is one the pipeline chose, so it is checked before it becomes a request
 * header: printable ASCII only (S3 sends non-ASCII metadata RFC 2047-encoded, which is ASCII), at
 * most MAX_CARRIED_VALUE characters, and the user metadata kept at most S3's 2 KB in all. A value
 * that fails is dropped, not the delivery: a control character would make the HTTP client refuse
 * the copy on every retry, and a partner is better served by the file without one header.
 */

/** The content headers a copy keeps from its source (with REPLACE, S3 takes them from the request). */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
}

export const CONTENT_HEADERS = ['contentType', 'contentEncoding', 'contentDisposition', 'contentLanguage', 'cacheControl'] as const;

/** What a copy is written with: content headers and user metadata, already filtered and checked. */
export interface CarriedMetadata {
  headers: ContentHeaders;
  /** Lower-case keys (without `x-amz-meta-`) → values. */
  user: Record<string, string>;
}

/** A user metadata key as the allow-list names it: lower case, without `x-amz-meta-`. */
export const METADATA_KEY = /^[a-z0-9](?:[a-z0-9_.-]{0,126}[a-z0-9])?$/;

/** Longest value carried over (content header or user metadata). */
export const MAX_CARRIED_VALUE = 1024;
/** S3's limit on a PUT's user metadata, keys and values together (UTF-8 bytes; ASCII here). */
export const MAX_USER_METADATA_BYTES = 2048;

/** Which user metadata keys a copy keeps: the listed ones, or all of the source's (a move inside our own prefixes). */
export type KeepMetadata = readonly string[] | 'all';

/** Printable ASCII, space included; no control characters (CR, LF, NUL, DEL, tab). */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

export interface DroppedMetadata {
  /** The header (contentType, …) or `x-amz-meta-<key>`; never the value, which may be anything. */
  name: string;
  reason: 'not a valid header value' | 'too long' | 'over the 2 KB of user metadata';
}

/** The source's content headers and user metadata as S3 reported them. */
export interface SourceMetadata extends ContentHeaders {
  metadata: Record<string, string>;
}

/**
 * The metadata a copy of `source` is written with, and what was left out for its value (keys not
 * on the allow-list are left out silently: that is the rule, not an accident).
 */
export function carriedMetadata(source: SourceMetadata, keep: KeepMetadata): { carried: CarriedMetadata; dropped: DroppedMetadata[] } {
  const dropped: DroppedMetadata[] = [];
  const check = (name: string, value: string): boolean => {
    const reason = value.length > MAX_CARRIED_VALUE ? 'too long' : HEADER_SAFE.test(value) ? null : 'not a valid header value';
    if (reason !== null) dropped.push({ name, reason });
    return reason === null;
  };

  const headers: ContentHeaders = {};
  for (const h of CONTENT_HEADERS) {
    const value = source[h];
    if (value !== undefined && value !== '' && check(h, value)) headers[h] = value;
  }

  // Keys compared lower-cased: HTTP header names are case-insensitive, and so is the allow-list.
  const byKey = new Map(Object.entries(source.metadata).map(([k, v]) => [k.toLowerCase(), v] as const));
  const wanted = keep === 'all' ? [...byKey.keys()] : keep;
  const user: Record<string, string> = {};
  let bytes = 0;
  for (const key of wanted) {
    const value = byKey.get(key);
    if (value === undefined || !check(`x-amz-meta-${key}`, value)) continue;
    if (bytes + key.length + value.length > MAX_USER_METADATA_BYTES) {
      dropped.push({ name: `x-amz-meta-${key}`, reason: 'over the 2 KB of user metadata' });
      continue;
    }
    bytes += key.length + value.length;
    user[key] = value;
  }
  return { carried: { headers, user }, dropped };
}

/** Parses DELIVERY_METADATA_ALLOWLIST's comma list; throws naming the first bad key. */
export function parseMetadataAllowlist(text: string): string[] {
  const keys = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const key of keys) {
    if (key.startsWith('x-amz-meta-')) throw new Error(`must name keys without x-amz-meta- (${key.slice(11)}, not ${key})`);
    if (!METADATA_KEY.test(key)) throw new Error('must be a comma list of lower-case metadata keys (letters, digits, - _ .)');
  }
  if (new Set(keys).size !== keys.length) throw new Error('must not repeat a key');
  return keys;
}
