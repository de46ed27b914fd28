import { describe, expect, it } from 'vitest';
import { checkPartnerAccountId } from '../../../src/domain/aws-account-id.js';

const ENTERPRISE = '111122223333';

describe('checkPartnerAccountId', () => {
  it('when given 12 digits, including leading zeros, then they are accepted (trimmed)', () => {
    expect(checkPartnerAccountId(' 012345678901 ', ENTERPRISE)).toEqual({ ok: true, value: '012345678901' });
  });

  it('when empty or missing, then there is no account (it is optional)', () => {
    expect(checkPartnerAccountId('', ENTERPRISE)).toEqual({ ok: true, value: undefined });
    expect(checkPartnerAccountId(null, ENTERPRISE)).toEqual({ ok: true, value: undefined });
  });

  it.each(['12345678901', '1234567890123', 'abcdefghijkl', '１２３４５６７８９０１２', '12345678901x'])(
    'when given %j, then it is refused as not 12 digits',
    (id) => {
      expect(checkPartnerAccountId(id, ENTERPRISE)).toEqual({ ok: false, error: 'An AWS account id is exactly 12 digits.' });
    },
  );

  it('when pasted with dashes as the console shows it, then the error says to leave them out', () => {
    expect(checkPartnerAccountId('4444-5555-6666', ENTERPRISE)).toEqual({
      ok: false,
      error: 'An AWS account id is exactly 12 digits without dashes or spaces.',
    });
  });

  it("when given the enterprise's own account, then it is refused", () => {
    expect(checkPartnerAccountId(ENTERPRISE, ENTERPRISE)).toEqual({ ok: false, error: expect.stringMatching(/own AWS account/) });
  });
});
