/** Canonical JSON, and the SHA-256 of the canonical JSON of a partner's rendered documents. */
import { createHash } from 'node:crypto';
import type { RenderedPartner } from './types.js';

/** JSON with object keys sorted at every level (array order is kept: it is meaningful). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/**
 * Lower-case hex, of the documents alone. The plan hash stored with a request at submission and
 * compared again before provisioning also binds the SSH keys and feeds: `planHashOf`
 * (src/actions/onboarding/plan.ts).
 */
export function planHash(rendered: RenderedPartner): string {
  return createHash('sha256').update(canonicalJson(rendered)).digest('hex');
}
