/**
 * What AWS holds compared with what the renderer intends: the provision job reads before it writes
 * with these, and the verify job proves with them that the partner exists exactly as intended.
 * Documents compare by canonical JSON (key order does not matter, array order does).
 */
import type { DescribedUser } from '@aws-sdk/client-transfer';
import { canonicalJson, PARTNER_TAG_KEY, type RenderedPartner, type TransferUserInput } from '../../aws/policies/index.js';
import type { RoleState } from '../../aws/iam.js';
import type { OnboardingRequest } from '../../domain/requests.js';

/** Tag naming the request that created a resource (with the renderer's partner-id tag, enough to rebuild the registry). */
export const REQUEST_TAG_KEY = 'partnergate:request-id';

export function sameDocument(a: unknown, b: unknown): boolean {
  return a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b);
}

/** `<type> <base64>`: the comparable part of a public key line (no comment). */
export function keyIdentity(line: string | undefined): string {
  return (line ?? '').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** A Transfer user is created when the partner has SSH keys, or has no account (SFTP is then its only way in). */
export function tagsOf(list: { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** A policy as DescribeUser answers it (a JSON string), parsed; the text itself when it is not JSON. */
export function parsePolicy(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** How an existing Transfer user differs from the intended one (home, role, session policy); [] when it does not. */
export function transferUserDifferences(user: DescribedUser, intended: TransferUserInput): string[] {
  const out: string[] = [];
  if (user.Role !== intended.Role) out.push(`role is ${user.Role ?? 'unset'}`);
  if (user.HomeDirectoryType !== intended.HomeDirectoryType) out.push(`home directory type is ${user.HomeDirectoryType ?? 'unset'}`);
  const mappings = (user.HomeDirectoryMappings ?? []).map((m) => ({ Entry: m.Entry, Target: m.Target, ...(m.Type && m.Type !== 'DIRECTORY' ? { Type: m.Type } : {}) }));
  if (!sameDocument(mappings, intended.HomeDirectoryMappings)) out.push('home directory mappings differ');
  if (user.HomeDirectory !== undefined && user.HomeDirectory !== '') out.push('a physical home directory is set');
  if (!sameDocument(parsePolicy(user.Policy), intended.Policy)) out.push('session policy differs');
  return out;
}

/** Keys the user lacks, and keys it has that were not asked for. */
export function keyDifferences(user: DescribedUser, wanted: string[]): { missing: string[]; extra: string[] } {
  const present = new Set((user.SshPublicKeys ?? []).map((k) => keyIdentity(k.SshPublicKeyBody)));
  const want = new Set(wanted.map(keyIdentity));
  return {
    missing: wanted.filter((k) => !present.has(keyIdentity(k))),
    extra: [...present].filter((k) => !want.has(k)),
  };
}

/**
 * The role's partner tag, when it is not the partner's id: what the permissions boundary and the
 * bucket policy read (`aws:PrincipalTag`), so a changed or missing one is part of the role's access.
 */
export function partnerTagDifference(role: RoleState, intended: NonNullable<RenderedPartner['partnerRole']>): string | null {
  const want = intended.tags[PARTNER_TAG_KEY];
  const have = role.tags[PARTNER_TAG_KEY];
  return have === want ? null : `partner tag ${PARTNER_TAG_KEY} is ${have === undefined ? 'missing' : JSON.stringify(have)}`;
}

/** How an existing role differs in what the bot cannot change (path, boundary); [] when it does not. */
export function roleFixedDifferences(role: RoleState, intended: NonNullable<RenderedPartner['partnerRole']>): string[] {
  const out: string[] = [];
  if (role.path !== intended.path) out.push(`path is ${role.path}`);
  if (role.permissionsBoundaryArn !== intended.permissionsBoundary) out.push(`permissions boundary is ${role.permissionsBoundaryArn ?? 'missing'}`);
  return out;
}

/**
 * Whether a resource found in AWS belongs to this request: it carries our request-id tag. Anything
 * else (made by hand, or by another request) is not touched.
 */
export function ownedBy(tags: Record<string, string>, requestId: string): boolean {
  return tags[REQUEST_TAG_KEY] === requestId;
}
