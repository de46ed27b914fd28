import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkObjectKey,
  describeObjectKeyProblem,
  MAX_OBJECT_KEY_BYTES,
  MAX_OBJECT_KEY_DEPTH,
  type ObjectKeyProblem,
} from '../../../src/domain/outbound-key.js';

describe('checkObjectKey', () => {
  it.each(['outbound/acme/price list 2024.csv', 'a', 'outbound/feeds/compliance/Ürün/報告.pdf', 'x/...hidden/.env', 'a/🚚.txt'])(
    'when given the plain key %j, then there is no problem',
    (key) => {
      expect(checkObjectKey(key)).toBeNull();
    },
  );

  it.each<[string, ObjectKeyProblem]>([
    ['', 'empty'],
    ['/outbound/acme/x', 'leading-slash'],
    ['outbound/acme/../bob/x', 'dot-segment'],
    ['outbound/acme/./x', 'dot-segment'],
    ['outbound/acme/..', 'dot-segment'],
    ['outbound//acme/x', 'empty-segment'],
    ['outbound/acme/dir/', 'empty-segment'],
    ['outbound/acme/x\u0000.csv', 'control-character'],
    ['outbound/acme/x\n.csv', 'control-character'],
    ['outbound/acme/x\u007f', 'control-character'],
    ['outbound/acme/x\u0085', 'control-character'],
    ['outbound\\acme\\x', 'backslash'],
    ['outbound/acme/\ud800x', 'invalid-unicode'],
    ['outbound/acme/x\udc00', 'invalid-unicode'],
    [`outbound/${'a'.repeat(MAX_OBJECT_KEY_BYTES)}`, 'too-long'],
    [`outbound/${'é'.repeat(508)}`, 'too-long'], // 9 + 1,016 bytes
    [Array.from({ length: MAX_OBJECT_KEY_DEPTH + 1 }, () => 'd').join('/'), 'too-deep'],
  ])('when given %j, then the problem is %s', (key, problem) => {
    expect(checkObjectKey(key)).toBe(problem);
    expect(describeObjectKeyProblem(problem)).not.toBe('');
  });

  it('counts the 1,024-byte limit in UTF-8 bytes, not characters', () => {
    expect(checkObjectKey(`k/${'é'.repeat(511)}`)).toBeNull(); // 2 + 1,022 bytes
    expect(checkObjectKey(`k/${'é'.repeat(511)}x`)).toBe('too-long');
  });

  it('never passes a key with a dot segment, an empty segment, a control character or over 1,024 bytes', () => {
    const segment = fc.oneof(fc.constantFrom('', '.', '..', '...', 'a', 'é', '\\', '\u0000', '\ud800'), fc.string({ unit: 'binary', maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 40 }), (segments) => {
        const key = segments.join('/');
        if (checkObjectKey(key) === null) {
          const parts = key.split('/');
          expect(parts.every((p) => p !== '' && p !== '.' && p !== '..')).toBe(true);
          expect(parts.length).toBeLessThanOrEqual(MAX_OBJECT_KEY_DEPTH);
          expect(key).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\]/);
          expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(MAX_OBJECT_KEY_BYTES);
          expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key);
        }
      }),
    );
  });
});
