import { invalid, valid, type FieldCheck } from './field-check.js';

/**
 * The feeds a partner subscribes to: each one configured, none twice. The result follows the
 * configured order, so the same choice always gives the same list (and the same plan hash).
 */
export function checkFeeds(
  selected: readonly string[] | null | undefined,
  configured: readonly string[],
): FieldCheck<string[]> {
  const chosen = (selected ?? []).map((f) => f.trim());
  const unknown = chosen.filter((f) => !configured.includes(f));
  if (unknown.length > 0) {
    const names = unknown.map((f) => JSON.stringify(f.slice(0, 40))).join(', ');
    return invalid(`Unknown feed${unknown.length === 1 ? '' : 's'} ${names}; choose from ${configured.join(', ')}.`);
  }
  const duplicates = chosen.filter((f, i) => chosen.indexOf(f) !== i);
  if (duplicates.length > 0) {
    return invalid(`Feed "${duplicates[0]}" is chosen more than once.`);
  }
  return valid(configured.filter((f) => chosen.includes(f)));
}
