/**
 * Partner ids name S3 prefixes, Transfer users and IAM roles, so they are the one input every
 * isolation guarantee rests on. The pattern admits no wildcard (*, ?), no policy variable syntax
 * ($, {, }), no path separator and no dot; `-canary` can never match (it starts with a hyphen).
 */
export const PARTNER_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$/;

/** Ids that can never be requested: path words of the bucket layout and the probe canary. */
export const RESERVED_PARTNER_IDS: ReadonlySet<string> = new Set(['feeds']);

/** The prefix no partner id can take; verification probes expect to be denied there. */
export const CANARY_PREFIX = 'partners/-canary/';

export type PartnerIdProblem = 'empty' | 'pattern' | 'reserved';

export function checkPartnerId(id: string): PartnerIdProblem | null {
  if (id.length === 0) return 'empty';
  if (!PARTNER_ID_PATTERN.test(id)) return 'pattern';
  if (RESERVED_PARTNER_IDS.has(id)) return 'reserved';
  return null;
}

export function describePartnerIdProblem(id: string, problem: PartnerIdProblem): string {
  switch (problem) {
    case 'empty':
      return 'Partner id is required.';
    case 'pattern':
      return `"${id.slice(0, 40)}" is not a valid partner id: use 3–32 lower-case letters, digits and hyphens, starting and ending with a letter or digit.`;
    case 'reserved':
      return `"${id}" is reserved and cannot be a partner id.`;
  }
}

export function isPartnerId(id: string): boolean {
  return checkPartnerId(id) === null;
}

/** `partners/<id>/` — always with the trailing slash, so `acme` never covers `acme-corp`. */
export function homePrefix(id: string): string {
  if (!isPartnerId(id)) throw new Error(`refusing to build a home prefix for invalid partner id ${JSON.stringify(id)}`);
  return `partners/${id}/`;
}

/** Suggest an id from free text such as a display name ("ACME Corp." → "acme-corp"). */
export function suggestPartnerId(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/g, '');
  return isPartnerId(slug) ? slug : '';
}
