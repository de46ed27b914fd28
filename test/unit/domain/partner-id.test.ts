import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  explainPartnerIdProblem,
  homePrefix,
  isPartnerId,
  PARTNER_ID_PATTERN,
  suggestPartnerId,
} from '../../../src/domain/partner-id.js';

describe('explainPartnerIdProblem', () => {
  it.each(['acme', 'acme-corp', 'a1b', '0-9', 'x'.repeat(32)])('when given the valid id %j, then there is no problem', (id) => {
    expect(explainPartnerIdProblem(id)).toBeNull();
  });

  it.each([
    ['', /required/],
    ['\u0430cme', /U\+0430, which may look like a plain letter/], // Cyrillic а
    ['ａｃｍｅ', /U\+FF41/], // full-width
    ['acme\u200b', /U\+200B/], // zero-width space
    ['acme*', /"\*" or "\?" \(wildcards/],
    ['ac?me', /wildcards/],
    ['${aws:username}', /policy variable syntax/],
    ['acme$', /policy variable syntax/],
    ['acme/corp', /single folder name/],
    ['..', /dots/],
    ['acme.corp', /dots/],
    ['acme corp', /spaces/],
    ['ACME-Corp', /lower case: use "acme-corp"/],
    ['acme_corp', /cannot contain "_"/],
    ['ab', /3 to 32 characters long \(this one has 2\)/],
    ['a'.repeat(33), /3 to 32 characters/],
    ['-acme', /start and end with a letter or digit/],
    ['acme-', /start and end/],
    ['feeds', /reserved/],
  ])('when given %j, then the message says what is wrong', (id, message) => {
    expect(explainPartnerIdProblem(id)).toMatch(message);
  });

  it('has a message exactly when the id is invalid', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(PARTNER_ID_PATTERN)), (id) => {
        expect(explainPartnerIdProblem(id) === null).toBe(isPartnerId(id));
      }),
    );
  });
});

describe('homePrefix and suggestPartnerId', () => {
  it('when given a valid id, then the home has the trailing slash', () => {
    expect(homePrefix('acme')).toBe('partners/acme/');
  });

  it('when given an invalid id, then it throws', () => {
    expect(() => homePrefix('../acme')).toThrow();
  });

  it('suggests a valid id or nothing, for any text', () => {
    expect(suggestPartnerId('ACME Corp.')).toBe('acme-corp');
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const id = suggestPartnerId(text);
        expect(id === '' || isPartnerId(id)).toBe(true);
      }),
    );
  });
});
