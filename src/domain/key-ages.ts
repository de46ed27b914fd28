/**
 * A partner's SSH keys as people look at them: type, SHA256 fingerprint, when added and how old,
 * and whether older than KEY_MAX_AGE_DAYS. Keys carry no date of their own: a key is as old as the
 * change that added it (`keyAddedAt`), or as the partner's provisioning. Pure.
 */
import { parseKeyLine } from './ssh-key.js';

export interface KeyView {
  normalized: string;
  type: string;
  fingerprint: string;
  addedAt: string | null;
  ageDays: number | null;
  old: boolean;
}

const DAY_MS = 86_400_000;

export function fingerprintOf(normalized: string): string | null {
  const parsed = parseKeyLine(normalized);
  return 'key' in parsed ? parsed.key.fingerprint : null;
}

export function describeKeys(
  partner: { sshKeys: string[]; keyAddedAt?: Record<string, string> | undefined; provisionedAt: string | null },
  now: Date,
  maxAgeDays: number,
): KeyView[] {
  return partner.sshKeys.map((normalized) => {
    const addedAt = partner.keyAddedAt?.[normalized] ?? partner.provisionedAt;
    const ageDays = addedAt ? Math.floor((now.getTime() - Date.parse(addedAt)) / DAY_MS) : null;
    return {
      normalized,
      type: normalized.split(' ')[0] ?? 'key',
      fingerprint: fingerprintOf(normalized) ?? 'unparseable',
      addedAt,
      ageDays,
      old: ageDays !== null && ageDays > maxAgeDays,
    };
  });
}
