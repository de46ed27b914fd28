import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ONBOARDING_FIELDS,
  parseOnboardingInput,
  type OnboardingRaw,
} from '../../../src/domain/onboarding-input.js';
import { isPartnerId } from '../../../src/domain/partner-id.js';
import { expectedFingerprint, generateTestKey, type TestKey } from './ssh-test-keys.js';

const CTX = { enterpriseAccountId: '111122223333', feeds: ['price-lists', 'parts-catalogs', 'compliance'] };
let key: TestKey;
let raw: OnboardingRaw;

beforeAll(() => {
  key = generateTestKey('ed25519');
  raw = {
    displayName: '  ACME Corp ',
    partnerId: ' acme ',
    contactEmail: ' ops@acme.example ',
    sshKeys: `\n${key.line} ops@acme\n`,
    accountId: '',
    feeds: ['compliance', 'price-lists'],
    notes: '  dealer in the north  ',
  };
});

describe('parseOnboardingInput', () => {
  it('when every field is good, then it returns the trimmed, typed input', () => {
    expect(parseOnboardingInput(raw, CTX)).toEqual({
      ok: true,
      value: {
        displayName: 'ACME Corp',
        partnerId: 'acme',
        contactEmail: 'ops@acme.example',
        sshKeys: [
          { type: 'ssh-ed25519', bits: 256, fingerprint: expectedFingerprint(key.base64), comment: 'ops@acme', normalized: key.line },
        ],
        feeds: ['price-lists', 'compliance'],
        notes: 'dealer in the north',
      },
    });
  });

  it('when the partner has an AWS account and no SSH key, then it is accepted (it pulls through its role)', () => {
    const result = parseOnboardingInput({ ...raw, sshKeys: '', accountId: '444455556666', notes: undefined }, CTX);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ sshKeys: [], accountId: '444455556666' }) });
    if (result.ok) expect(result.value).not.toHaveProperty('notes');
  });

  it('when there is neither an SSH key nor an account id, then the SSH keys field says one is needed', () => {
    expect(parseOnboardingInput({ ...raw, sshKeys: '  \n', accountId: null }, CTX)).toEqual({
      ok: false,
      errors: { sshKeys: expect.stringMatching(/at least one SSH public key .* or the partner's AWS account id/) },
    });
  });

  it('when the account id is given but wrong and there are no keys, then only the account id is blamed', () => {
    expect(parseOnboardingInput({ ...raw, sshKeys: '', accountId: '12345' }, CTX)).toEqual({
      ok: false,
      errors: { accountId: expect.stringMatching(/12 digits/) },
    });
  });

  it('when every field is wrong, then every error comes back at once, keyed by field', () => {
    const result = parseOnboardingInput(
      {
        displayName: '',
        partnerId: 'ACME*',
        contactEmail: 'not-an-email',
        sshKeys: 'ssh-dss AAAA',
        accountId: CTX.enterpriseAccountId,
        feeds: ['nope'],
        notes: 'x'.repeat(2001),
      },
      CTX,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual([...ONBOARDING_FIELDS].sort());
  });

  it.each([
    ['\u0430cme', /U\+0430/],
    ['acme*', /wildcards/],
    ['${aws:username}', /policy variable/],
    ['acme/x', /single folder name/],
    ['acme.corp', /dots/],
    ['Acme', /lower case: use "acme"/],
    ['feeds', /reserved/],
  ])('when the partner id is %j, then only the partner id is refused, with a clear message', (partnerId, message) => {
    expect(parseOnboardingInput({ ...raw, partnerId }, CTX)).toEqual({
      ok: false,
      errors: { partnerId: expect.stringMatching(message) },
    });
  });

  it('never throws; errors are keyed by known fields only, and an accepted id is always valid', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(''), fc.constant(undefined), fc.constant(null));
    fc.assert(
      fc.property(
        fc.record({
          displayName: text,
          partnerId: fc.oneof(text, fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/)),
          contactEmail: fc.oneof(text, fc.emailAddress()),
          sshKeys: fc.oneof(text, fc.constant(raw.sshKeys)),
          accountId: fc.oneof(text, fc.stringMatching(/^\d{12}$/)),
          feeds: fc.array(fc.oneof(fc.constantFrom(...CTX.feeds), fc.string({ maxLength: 8 })), { maxLength: 4 }),
          notes: text,
        }),
        (input) => {
          const result = parseOnboardingInput(input, CTX);
          if (result.ok) {
            expect(isPartnerId(result.value.partnerId)).toBe(true);
            expect(result.value.sshKeys.length > 0 || result.value.accountId !== undefined).toBe(true);
          } else {
            expect(Object.keys(result.errors).length).toBeGreaterThan(0);
            for (const field of Object.keys(result.errors)) expect(ONBOARDING_FIELDS).toContain(field);
          }
        },
      ),
    );
  });
});
