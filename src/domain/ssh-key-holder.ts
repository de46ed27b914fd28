/**
 * Which partner holds an SSH key. Transfer Family authenticates a user by its keys, so a key on two
 * partners lets whoever holds the private key log in as both: a key belongs to one partner at most.
 * The registry keeps one index from a key's identity — its SHA256 fingerprint (`ssh-keygen -l`), the
 * hash of the key blob, so the comment and the line's spacing do not matter — to its holder
 * (src/store/partners.ts owns it; docs/security.md "One SSH key, one partner"). A holder is written
 * as one string:
 *
 *   `<partnerId>`                registered: on the partner's record (and its Transfer user)
 *   `<partnerId>:<itemId>`       claimed by a pending onboarding request or ssh-keys change
 *   `!conflict:<id>,<id>…`       found on more than one partner by `reconcile --rebuild`: nobody's
 *
 * Partner ids never hold `:` or `!` (src/domain/partner-id.ts), so the forms cannot be confused. Pure.
 */
import { parseKeyLine } from './ssh-key.js';
import { isPartnerId } from './partner-id.js';

export interface KeyRef {
  /** As sent to Transfer: `<type> <base64>`. */
  normalized: string;
  type: string;
  /** `SHA256:<base64>`: the key's identity in the index. */
  fingerprint: string;
}

/** A key held by someone other than the partner asking for it. */
export interface KeyInUse extends KeyRef {
  /** The partner ids holding it (two or more for a conflict found by a rebuild). */
  heldBy: string[];
  /** True when only a pending request or change claims it (not yet registered). */
  pending: boolean;
}

const CONFLICT = '!conflict:';

/** The key's identity, or null for a line that is not a valid key (such a line is never indexed). */
export function keyRef(line: string): KeyRef | null {
  const parsed = parseKeyLine(line.trim());
  return 'key' in parsed ? { normalized: parsed.key.normalized, type: parsed.key.type, fingerprint: parsed.key.fingerprint } : null;
}

/** The refs of the valid keys among `lines`, each fingerprint once. */
export function keyRefs(lines: readonly string[]): KeyRef[] {
  const seen = new Set<string>();
  return lines.flatMap((l) => {
    const ref = keyRef(l);
    if (!ref || seen.has(ref.fingerprint)) return [];
    seen.add(ref.fingerprint);
    return [ref];
  });
}

export const registeredTo = (partnerId: string): string => partnerId;
export const claimedBy = (partnerId: string, itemId: string): string => `${partnerId}:${itemId}`;
export const conflictOf = (partnerIds: readonly string[]): string => `${CONFLICT}${[...partnerIds].sort().join(',')}`;

/** Who a stored holder names: the partner ids, and whether it is only a pending claim. */
export function readHolder(value: string): { partnerIds: string[]; pending: boolean } {
  if (value.startsWith(CONFLICT)) return { partnerIds: value.slice(CONFLICT.length).split(',').filter(Boolean), pending: false };
  const [partnerId = '', itemId] = value.split(':');
  return { partnerIds: [partnerId], pending: itemId !== undefined };
}

/** The keys of `keys` whose holder (same order) is not `partnerId`: its own registrations and claims pass. */
export function keysHeldElsewhere(partnerId: string, keys: readonly KeyRef[], holders: readonly (string | null)[]): KeyInUse[] {
  return keys.flatMap((k, i) => {
    const value = holders[i];
    if (!value) return [];
    const h = readHolder(value);
    if (h.partnerIds.length === 1 && h.partnerIds[0] === partnerId) return [];
    return [{ ...k, heldBy: h.partnerIds, pending: h.pending }];
  });
}

/**
 * What the requester is told, on the SSH keys field: the key as the plan names it (type and
 * fingerprint, never the key material) and who holds it. Every part is checked text — an accepted
 * type, a base64 fingerprint, partner ids matching PARTNER_ID_PATTERN (anything else read from Redis
 * is shown as "another partner") — so nothing here can be a Slack mention or a link.
 */
export function keyInUseMessage(k: Pick<KeyInUse, 'type' | 'fingerprint' | 'heldBy' | 'pending'>): string {
  const line = keyInUseLine(k);
  const sentence = `${line.charAt(0).toUpperCase()}${line.slice(1)}`;
  return k.heldBy.length > 1
    ? `${sentence}: a key can belong to one partner only. Use another key.`
    : `${sentence}: a key can belong to one partner only, or either could log in as the other. Ask the partner for a key of its own.`;
}

/** The same, as a clause for a thread message: "the key `ssh-ed25519` `SHA256:…` is already registered to another partner (`acme`)". */
export function keyInUseLine(k: Pick<KeyInUse, 'type' | 'fingerprint' | 'heldBy' | 'pending'>): string {
  const key = `\`${k.type}\` \`${k.fingerprint}\``;
  const ids = k.heldBy.filter(isPartnerId);
  const who = ids.length > 0 ? ` (${ids.map((id) => `\`${id}\``).join(', ')})` : '';
  if (k.heldBy.length > 1) return `the key ${key} is registered to more than one other partner${who}`;
  return k.pending ? `the key ${key} is already requested for another partner${who}, pending approval` : `the key ${key} is already registered to another partner${who}`;
}

/** The message for a store's refusal (`fingerprint`, and its `holder` as the index holds it), naming the key as submitted in `sshKeys`. */
export function heldKeyMessage(sshKeys: readonly string[], fingerprint: string, holder: string): string {
  const ref = keyRefs(sshKeys).find((k) => k.fingerprint === fingerprint);
  const h = readHolder(holder);
  return keyInUseMessage({ type: ref?.type ?? 'key', fingerprint: ref?.fingerprint ?? 'unknown', heldBy: h.partnerIds, pending: h.pending });
}

/** Every fingerprint found on more than one partner, with those partners (sorted): what a rebuild reports. */
export function sharedKeys(records: readonly { partnerId: string; sshKeys: readonly string[] }[]): Map<string, { ref: KeyRef; partnerIds: string[] }> {
  const byKey = new Map<string, { ref: KeyRef; partnerIds: string[] }>();
  for (const r of records) {
    for (const ref of keyRefs(r.sshKeys)) {
      const e = byKey.get(ref.fingerprint) ?? { ref, partnerIds: [] };
      if (!e.partnerIds.includes(r.partnerId)) e.partnerIds.push(r.partnerId);
      byKey.set(ref.fingerprint, e);
    }
  }
  return new Map([...byKey].filter(([, e]) => e.partnerIds.length > 1).map(([fp, e]) => [fp, { ref: e.ref, partnerIds: e.partnerIds.sort() }]));
}
