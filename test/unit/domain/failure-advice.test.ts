import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/domain/errors.js';
import { DELIVERY_FAILURE_CODES, failureAdvice, hasAdvice } from '../../../src/domain/failure-advice.js';

/** Codes and setting names that must never reach a message through the advice. */
const INTERNAL = /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[a-z]+_[a-z_]+\b/;

describe('failure advice', () => {
  it.each(DELIVERY_FAILURE_CODES)('when a delivery fails with %s, then there is advice of its own: what, why, a next step and who takes it', (code) => {
    expect(hasAdvice(code)).toBe(true);
    const a = failureAdvice(code);
    expect(a.what).toMatch(/^[a-zA-Z]/);
    expect(a.what).not.toMatch(/\.$/);
    expect(a.why).toMatch(/^[A-Z].*\.$/);
    expect(a.next).toMatch(/^[A-Z].*\.$/);
    expect(['publisher', 'platform', 'approvers', 'anyone']).toContain(a.who);
    for (const words of [a.what, a.why, a.next]) {
      expect(words).not.toContain(code);
      expect(words).not.toMatch(INTERNAL);
    }
  });

  it('when the file was removed from outbound/ before the copy, then the publisher is asked to publish it again, and Resend helps only after', () => {
    const a = failureAdvice(ErrorCode.SourceMissing);
    expect(a.what).toBe('the file was removed from outbound/ before it could be copied');
    expect(a.next).toMatch(/^Ask the team that publishes it to publish it again/);
    expect(a).toMatchObject({ who: 'publisher', resend: 'after' });
  });

  it('when re-sending cannot help (too large, replaced mid-copy, uncheckable), then the advice says so', () => {
    for (const code of [ErrorCode.ObjectTooLarge, ErrorCode.SourceChanged, ErrorCode.VerifyUnavailable]) expect(failureAdvice(code).resend).toBe('no');
  });

  it('when AWS throttles, fails on its side, cannot be reached or its key refuses, then the code\'s family answers', () => {
    expect(failureAdvice('SlowDown').what).toBe('AWS was too busy');
    expect(failureAdvice('InternalError').what).toBe('AWS failed on its side');
    expect(failureAdvice('ECONNRESET').what).toBe('the bot could not reach AWS');
    expect(failureAdvice('KMS.DisabledException')).toMatchObject({ what: 'the encryption key refused the bot', who: 'platform' });
    expect(failureAdvice('AccessDeniedException').what).toBe('AWS refused the bot');
  });

  it.each([
    ['AccessDenied', 'what', /^AWS refused the bot$/],
    ['AccessDeniedException', 'what', /^AWS refused the bot$/],
    ['UnauthorizedOperation', 'what', /^AWS refused the bot$/],
    ['ExpiredToken', 'what', /credentials/],
    ['ThrottlingException', 'what', /^AWS was too busy$/],
    [ErrorCode.OutOfBudget, 'what', /too busy/],
    ['LimitExceededException', 'what', /limit was reached/],
    [ErrorCode.SftpLimit, 'what', /no room/],
    ['MalformedPolicyDocumentException', 'what', /malformed/],
    [ErrorCode.PolicyTooLarge, 'what', /larger than AWS allows/],
    [ErrorCode.PolicyCheckFailed, 'why', /grants more than a partner may have/],
    [ErrorCode.ResourceNotOurs, 'what', /not made by partnergate/],
    [ErrorCode.RoleDiffers, 'what', /not as approved/],
    [ErrorCode.StatusChanged, 'what', /changed state meanwhile/],
    ['ValidationException', 'what', /invalid/],
    [ErrorCode.TransferUserMissing, 'why', /not there yet when the tries ran out/],
    ['NoSuchEntity', 'why', /not there yet when the tries ran out/],
    ['ServiceUnavailable', 'what', /^AWS failed on its side$/],
    ['ECONNRESET', 'what', /^the bot could not reach AWS$/],
  ] as const)('when provisioning or verification fails with %s, then its %s says why in words, and not the code', (code, field, words) => {
    const a = failureAdvice(code);
    expect(hasAdvice(code)).toBe(true);
    expect(a[field]).toMatch(words);
    for (const w of [a.what, a.why, a.next]) expect(w).not.toContain(code);
  });

  it('when a code has no advice (or is a bug of ours), then the fallback says an unexpected error, the details are in the log, and hasAdvice is false', () => {
    for (const code of ['SomethingNew', ErrorCode.Internal]) {
      expect(hasAdvice(code)).toBe(false);
      expect(failureAdvice(code).what).toBe('an unexpected error stopped it');
      expect(failureAdvice(code).next).toContain('the details are in the bot’s log and the audit trail');
    }
  });
});
