import { invalid, valid, type FieldCheck } from './field-check.js';

export const AWS_ACCOUNT_ID_PATTERN = /^\d{12}$/;

export function isAwsAccountId(text: string): boolean {
  return AWS_ACCOUNT_ID_PATTERN.test(text);
}

/**
 * The partner's own AWS account, optional. It must be 12 digits and must not be the
 * enterprise's account: a partner role trusting our own account root would trust every
 * principal of ours.
 */
export function checkPartnerAccountId(
  raw: string | null | undefined,
  enterpriseAccountId: string,
): FieldCheck<string | undefined> {
  const id = (raw ?? '').trim();
  if (id === '') return valid(undefined);
  if (!isAwsAccountId(id)) {
    const hint = /^[\d\s-]+$/.test(id) && /[\s-]/.test(id) ? ' without dashes or spaces' : '';
    return invalid(`An AWS account id is exactly 12 digits${hint}.`);
  }
  if (id === enterpriseAccountId) {
    return invalid(`${id} is this platform's own AWS account; give the partner's account id, or leave it empty.`);
  }
  return valid(id);
}
