/**
 * Checks on S3 object keys the bot reads from or writes to. A key that passes names one file by
 * plain segments: nothing a path resolver, a log line or a Slack message could reinterpret.
 */

/** S3's own limit: a key is at most 1,024 bytes of UTF-8. */
export const MAX_OBJECT_KEY_BYTES = 1024;
/** Our bound on folder depth (segments separated by "/"), far beyond any real layout. */
export const MAX_OBJECT_KEY_DEPTH = 32;

export type ObjectKeyProblem =
  | 'empty'
  | 'too-long'
  | 'too-deep'
  | 'leading-slash'
  | 'empty-segment'
  | 'dot-segment'
  | 'control-character'
  | 'backslash'
  | 'invalid-unicode';

// C0, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first problem with a key, or null when the key is fine. */
export function checkObjectKey(key: string): ObjectKeyProblem | null {
  if (key.length === 0) return 'empty';
  if (LONE_SURROGATE.test(key)) return 'invalid-unicode';
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_KEY_BYTES) return 'too-long';
  if (CONTROL.test(key)) return 'control-character';
  if (key.includes('\\')) return 'backslash';
  if (key.startsWith('/')) return 'leading-slash';
  const segments = key.split('/');
  if (segments.length > MAX_OBJECT_KEY_DEPTH) return 'too-deep';
  if (segments.some((s) => s === '.' || s === '..')) return 'dot-segment';
  if (segments.some((s) => s === '')) return 'empty-segment';
  return null;
}

export function describeObjectKeyProblem(problem: ObjectKeyProblem): string {
  switch (problem) {
    case 'empty':
      return 'the key is empty';
    case 'too-long':
      return `the key is longer than ${MAX_OBJECT_KEY_BYTES} bytes`;
    case 'too-deep':
      return `the key has more than ${MAX_OBJECT_KEY_DEPTH} path segments`;
    case 'leading-slash':
      return 'the key starts with "/"';
    case 'empty-segment':
      return 'the key has an empty path segment ("//" or a trailing "/")';
    case 'dot-segment':
      return 'the key has a "." or ".." path segment';
    case 'control-character':
      return 'the key contains control characters';
    case 'backslash':
      return 'the key contains a backslash';
    case 'invalid-unicode':
      return 'the key is not valid Unicode (a lone surrogate)';
  }
}
