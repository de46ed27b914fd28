/** The plan hash: SHA-256 of the canonical JSON of a partner's rendered documents. */
import { createHash } from 'node:crypto';
import type { RenderedPartner } from './types.js';
import { canonicalJson } from '../../domain/canonical-json.js';

/** Shared with the approval seals (src/domain/approval-seal.ts): one canonical form. */
export { canonicalJson };

/** Lower-case hex. Stored with a request at submission, compared again before provisioning. */
export function planHash(rendered: RenderedPartner): string {
  return createHash('sha256').update(canonicalJson(rendered)).digest('hex');
}
