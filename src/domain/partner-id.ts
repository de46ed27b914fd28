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

/** Where every partner's home is: `partners/`. */
export const HOMES_PREFIX = 'partners/';

/** `partners/<id>/` — always with the trailing slash, so `acme` never covers `acme-corp`. */
export function homePrefix(id: string): string {
  if (!isPartnerId(id)) throw new Error(`refusing to build a home prefix for invalid partner id ${JSON.stringify(id)}`);
  return `${HOMES_PREFIX}${id}/`;
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

export const MIN_PARTNER_ID_LENGTH = 3;
export const MAX_PARTNER_ID_LENGTH = 32;

/**
 * The specific reason an id is refused, for the person typing it (null when it is valid).
 * Look-alike letters, wildcards, policy variables, path separators, dots and upper case each
 * get their own message; the pattern above stays the one rule that decides.
 */
export function explainPartnerIdProblem(id: string): string | null {
  const problem = checkPartnerId(id);
  if (problem === null) return null;
  if (problem !== 'pattern') return describePartnerIdProblem(id, problem);
  const shown = JSON.stringify(id.slice(0, 40));

  const foreign = [...id].find((c) => c.codePointAt(0)! > 0x7e || c.codePointAt(0)! < 0x20);
  if (foreign !== undefined) {
    const code = `U+${foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const lookAlike = /\p{L}|\p{N}/u.test(foreign) ? ', which may look like a plain letter or digit but is not one' : '';
    return `${shown} contains the character ${code}${lookAlike}: partner ids use only a–z, 0–9 and "-".`;
  }
  if (/[${}]/.test(id)) return 'Partner ids cannot contain "$", "{" or "}" (IAM policy variable syntax).';
  if (/[*?]/.test(id)) return 'Partner ids cannot contain "*" or "?" (wildcards in IAM policies).';
  if (/[/\\]/.test(id)) return 'Partner ids cannot contain "/" or "\\": an id is a single folder name.';
  if (id.includes('.')) return 'Partner ids cannot contain dots.';
  if (/\s/.test(id)) return 'Partner ids cannot contain spaces.';
  if (/[A-Z]/.test(id)) {
    const lower = id.toLowerCase();
    return isPartnerId(lower) ? `Partner ids are lower case: use "${lower}".` : 'Partner ids are lower case.';
  }
  const other = [...id].find((c) => !/[a-z0-9-]/.test(c));
  if (other !== undefined) return `Partner ids cannot contain "${other}": use only a–z, 0–9 and "-".`;
  if (id.length < MIN_PARTNER_ID_LENGTH || id.length > MAX_PARTNER_ID_LENGTH) {
    return `A partner id is ${MIN_PARTNER_ID_LENGTH} to ${MAX_PARTNER_ID_LENGTH} characters long (this one has ${id.length}).`;
  }
  return 'A partner id must start and end with a letter or digit.';
}
