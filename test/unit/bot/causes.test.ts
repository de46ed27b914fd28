import { describe, expect, it } from 'vitest';
import { causeInWords } from '../../../src/bot/messages/causes.js';
import { ErrorCode } from '../../../src/domain/errors.js';

describe('a failure\'s cause in words', () => {
  it.each([
    ['AccessDenied', /lacks a permission/],
    ['AccessDeniedException', /lacks a permission/],
    ['ThrottlingException', /slow down/],
    [ErrorCode.OutOfBudget, /slow down/],
    ['LimitExceededException', /account limit/],
    ['MalformedPolicyDocument', /malformed or too large/],
    [ErrorCode.PolicyCheckFailed, /allow more than the plan/],
    [ErrorCode.ResourceNotOurs, /did not create it/],
    [ErrorCode.RoleDiffers, /not as the plan says/],
    [ErrorCode.TransferUserMissing, /not there yet/],
    ['ServiceUnavailable', /could not be reached, or failed on its side/],
    ['ECONNRESET', /could not be reached/],
  ])('when the code is %s, then the words say why, and not the code', (code, words) => {
    expect(causeInWords(code)).toMatch(words);
    expect(causeInWords(code)).not.toContain(code);
  });

  it('when the code is unknown (or a bug of ours), then it says an unexpected error, with where the details are', () => {
    expect(causeInWords('SomethingNew')).toBe('an unexpected error (the details are in the logs and the audit trail)');
    expect(causeInWords(ErrorCode.Internal)).toBe('an unexpected error (the details are in the logs and the audit trail)');
  });
});
