/** Canonical JSON, and the SHA-256 of the canonical JSON of a partner's rendered documents. */
import { createHash } from 'node:crypto';
import type { RenderedPartner } from './types.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/** Shared with the approval seals (src/domain/approval-seal.ts): one canonical form. */
export { canonicalJson };

/**
 * Lower-case hex, of the documents alone. The plan hash stored with a request at submission and
 * compared again before provisioning also binds the SSH keys and feeds: `planHashOf`
 * (src/actions/onboarding/plan.ts).
 */
export function planHash(rendered: RenderedPartner): string {
  return createHash('sha256').update(canonicalJson(rendered)).digest('hex');
}
