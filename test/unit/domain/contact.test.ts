import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDisplayName, checkEmail, checkNotes, MAX_EMAIL_CHARS } from '../../../src/domain/contact.js';

describe('checkEmail', () => {
  it.each(['ops@example.com', 'First.Last+pricing@sub.example.co.uk', 'a1@b-c.io'])('when given %s, then it is accepted', (email) => {
    expect(checkEmail(`  ${email} `)).toEqual({ ok: true, value: email });
  });

  it.each([
    ['', /required/],
    ['   ', /required/],
    ['ops', /valid e-mail/],
    ['ops@example', /valid e-mail/],
    ['ops@@example.com', /valid e-mail/],
    ['o ps@example.com', /valid e-mail/],
    ['ops@example.com\nbcc@evil.com', /valid e-mail/],
    ['"quoted"@example.com', /valid e-mail/],
  ])('when given %j, then it is refused', (email, message) => {
    const result = checkEmail(email);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('when the address is over 254 characters, then it is refused for its length', () => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.com`;
    const email = `${'a'.repeat(MAX_EMAIL_CHARS - domain.length)}@${domain}`;
    expect(email.length).toBe(MAX_EMAIL_CHARS + 1);
    expect(checkEmail(email)).toEqual({ ok: false, error: expect.stringMatching(/too long/) });
  });

  it('when the local part is over 64 characters, then it is refused', () => {
    expect(checkEmail(`${'a'.repeat(65)}@example.com`)).toEqual({ ok: false, error: expect.stringMatching(/before "@"/) });
    expect(checkEmail(`${'a'.repeat(64)}@example.com`).ok).toBe(true);
  });

  it('never accepts an address with whitespace or control characters inside, nor one over 254 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = checkEmail(text);
        if (result.ok) {
          expect(result.value.length).toBeLessThanOrEqual(MAX_EMAIL_CHARS);
          expect(result.value).not.toMatch(/[\s\u0000-\u001f\u007f]/);
        }
      }),
    );
  });
});

describe('checkDisplayName', () => {
  it('when given a name with spaces around it, then it is trimmed', () => {
    expect(checkDisplayName('  ACME Corp. — Zürich  ')).toEqual({ ok: true, value: 'ACME Corp. — Zürich' });
  });

  it('when the name is 80 characters (emoji counting as one), then it is accepted; 81 is refused', () => {
    expect(checkDisplayName('🚚'.repeat(80)).ok).toBe(true);
    expect(checkDisplayName('a'.repeat(81))).toEqual({ ok: false, error: expect.stringMatching(/too long \(81/) });
  });

  it.each([
    ['', /required/],
    ['\t \n', /required/],
    ['ACME\nCorp', /control characters/],
    ['ACME\u0007', /control characters/],
    ['ACME \u202eprocor', /text-direction/],
    ['ACME\u2028Corp', /line breaks/],
  ])('when given %j, then it is refused', (name, message) => {
    expect(checkDisplayName(name)).toEqual({ ok: false, error: expect.stringMatching(message) });
  });
});

describe('checkNotes', () => {
  it('when notes are empty, then the value is undefined', () => {
    expect(checkNotes('  \n ')).toEqual({ ok: true, value: undefined });
    expect(checkNotes(undefined)).toEqual({ ok: true, value: undefined });
  });

  it('when notes have line breaks and tabs, then they are kept', () => {
    expect(checkNotes('line one\n\tline two\r\n')).toEqual({ ok: true, value: 'line one\n\tline two' });
  });

  it('when notes are 2,000 characters, then they are accepted; 2,001 are refused', () => {
    expect(checkNotes('n'.repeat(2000)).ok).toBe(true);
    expect(checkNotes('n'.repeat(2001))).toEqual({ ok: false, error: expect.stringMatching(/too long \(2001/) });
  });

  it('when notes hold a NUL or a bidi override, then they are refused', () => {
    expect(checkNotes('a\u0000b').ok).toBe(false);
    expect(checkNotes('a\u202eb').ok).toBe(false);
  });
});
