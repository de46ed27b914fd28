/** Properties of the input validators: they never throw, and whatever they accept is safe to use. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ONBOARDING_FIELDS, parseOnboardingInput } from '../../../src/domain/onboarding-input.js';
import {
  checkPartnerId, explainPartnerIdProblem, homePrefix, isPartnerId, PARTNER_ID_PATTERN, suggestPartnerId,
} from '../../../src/domain/partner-id.js';
import { parseSshPublicKeys } from '../../../src/domain/ssh-key.js';
import { checkPartnerAccountId } from '../../../src/domain/aws-account-id.js';

const ENTERPRISE = '111122223333';
const FEEDS = ['price-lists', 'parts-catalogs', 'compliance'];

/** Any text, including lone surrogates, controls and astral characters. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
/** Text close to a partner id: its alphabet plus the characters that must be refused. */
const idLike = fc.string({
  unit: fc.constantFrom(...'abcz09-'.split(''), '*', '?', '/', '\\', '.', '$', '{', '}', ' ', 'A', '\u0430', '\u200b', '\u0000', '_'),
  maxLength: 40,
});
/** Ids that pass, with lengths from 3 to 32 and hyphens inside. */
const validId = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), minLength: 1, maxLength: 30 }),
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  )
  .map(([a, mid, z]) => `${a}${mid}${z}`)
  .filter((id) => id !== 'feeds');

describe('properties: partner ids', () => {
  it('when any text is checked, then it is accepted exactly when it matches the pattern and is not reserved', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, idLike), (id) => {
        const accepted = isPartnerId(id);
        expect(accepted).toBe(PARTNER_ID_PATTERN.test(id) && id !== 'feeds');
        expect(explainPartnerIdProblem(id) === null).toBe(accepted);
        expect(checkPartnerId(id) === null).toBe(accepted);
      }),
      { numRuns: 2000 },
    );
  });

  it('when two different ids are accepted, then neither home prefix starts with the other', () => {
    fc.assert(
      fc.property(validId, validId, (a, b) => {
        fc.pre(a !== b);
        expect(homePrefix(a).startsWith(homePrefix(b))).toBe(false);
        expect(homePrefix(b).startsWith(homePrefix(a))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('when an id is a prefix of another (acme, acme-corp), then the home prefixes are still disjoint', () => {
    fc.assert(
      fc.property(validId, fc.string({ unit: fc.constantFrom(...'abc19-'), minLength: 1, maxLength: 10 }), (id, tail) => {
        const longer = `${id}${tail}`;
        fc.pre(isPartnerId(longer));
        expect(homePrefix(longer).startsWith(homePrefix(id))).toBe(false);
      }),
    );
  });

  it('when an id is accepted, then its home prefix holds no policy-variable, wildcard or path syntax', () => {
    fc.assert(
      fc.property(fc.oneof(validId, idLike), (id) => {
        fc.pre(isPartnerId(id));
        const home = homePrefix(id);
        expect(home).toMatch(/^partners\/[a-z0-9-]+\/$/);
        expect(home).not.toMatch(/[$*?{}.\\]|\/\//);
      }),
    );
  });

  it('when an id is suggested from any display name, then it is empty or a valid id', () => {
    fc.assert(
      fc.property(anyText, (name) => {
        const id = suggestPartnerId(name);
        expect(id === '' || isPartnerId(id)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('properties: the onboarding form', () => {
  const field = fc.option(fc.oneof(anyText, idLike), { nil: undefined });
  const raw = fc.record({
    displayName: field, partnerId: field, contactEmail: field, sshKeys: field, accountId: field, notes: field,
    feeds: fc.option(fc.array(fc.oneof(fc.constantFrom(...FEEDS), anyText), { maxLength: 5 }), { nil: undefined }),
  });

  it('when any strings are submitted, then parsing never throws and either accepts or names the fields in error', () => {
    fc.assert(
      fc.property(raw, (input) => {
        const result = parseOnboardingInput(input, { enterpriseAccountId: ENTERPRISE, feeds: FEEDS });
        if (result.ok) {
          expect(isPartnerId(result.value.partnerId)).toBe(true);
          expect(result.value.accountId).not.toBe(ENTERPRISE);
          expect(result.value.feeds.every((f) => FEEDS.includes(f))).toBe(true);
        } else {
          const fields = Object.keys(result.errors);
          expect(fields.length).toBeGreaterThan(0);
          expect(fields.every((f) => (ONBOARDING_FIELDS as readonly string[]).includes(f))).toBe(true);
          expect(Object.values(result.errors).every((m) => typeof m === 'string' && m.length > 0 && m.length < 600)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('when the partner id is the only bad field, then the error is on partner_id alone', () => {
    fc.assert(
      fc.property(idLike, (id) => {
        fc.pre(!isPartnerId(id.trim()));
        const result = parseOnboardingInput(
          { displayName: 'ACME', partnerId: id, contactEmail: 'files@acme.example', accountId: '444455556666', feeds: [] },
          { enterpriseAccountId: ENTERPRISE, feeds: FEEDS },
        );
        expect(result.ok ? [] : Object.keys(result.errors)).toEqual(['partnerId']);
      }),
    );
  });

  it('when any text is pasted as SSH keys, then parsing never throws and accepted keys are one clean line each', () => {
    const keyish = fc.oneof(
      anyText,
      fc.tuple(fc.constantFrom('ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-dss', 'x'), fc.base64String({ maxLength: 120 }), anyText)
        .map(([t, b, c]) => `${t} ${b} ${c}`),
    );
    fc.assert(
      fc.property(fc.array(keyish, { maxLength: 4 }), (lines) => {
        const result = parseSshPublicKeys(lines.join('\n'));
        if ('keys' in result) {
          for (const k of result.keys) expect(k.normalized).toMatch(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*$/);
        } else {
          expect(result.error.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('when an account id is accepted, then it is 12 ASCII digits and not the enterprise account', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.stringMatching(/^\s?\d{11,13}\s?$/), fc.constant(ENTERPRISE)), (text) => {
        const check = checkPartnerAccountId(text, ENTERPRISE);
        if (check.ok && check.value !== undefined) {
          expect(check.value).toMatch(/^[0-9]{12}$/);
          expect(check.value).not.toBe(ENTERPRISE);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
