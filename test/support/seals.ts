/** The approval seals tests build stores and workers with: the key testEnv() gives the processes, so both sides agree. */
import { approvalSeals, parseApprovalSigningKey, type ApprovalSeals } from '../../src/domain/approval-seal.js';
import { TEST_APPROVAL_SIGNING_KEY } from '../../tools/local/env.js';

export function sealsFor(key: string): ApprovalSeals {
  const parsed = parseApprovalSigningKey(key);
  if (!parsed.ok) throw new Error(`test signing key: ${parsed.problem}`);
  return approvalSeals(parsed.key);
}

export const testSeals: ApprovalSeals = sealsFor(TEST_APPROVAL_SIGNING_KEY);
