import sshpk from 'sshpk';
import { excerpt } from './text.js';

/**
 * SSH public keys as AWS Transfer Family takes them (ImportSshPublicKey / CreateUser
 * SshPublicKeyBody: "Transfer Family accepts RSA, ECDSA, and ED25519 keys" — ssh-rsa,
 * ssh-ed25519, ecdsa-sha2-nistp256/384/521), one per line, parsed for real with sshpk.
 */
export const ACCEPTED_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
] as const;

export type SshKeyType = (typeof ACCEPTED_KEY_TYPES)[number];

export const MIN_RSA_BITS = 2048;

/**
 * Our own cap on keys per partner. Transfer Family's per-user limit is a service quota listed in
 * "AWS Transfer Family endpoints and quotas" (General Reference; linked from
 * https://docs.aws.amazon.com/transfer/latest/userguide/sshkeygen.html); this cap stays well
 * below it, and a partner needing more keys is a conversation, not a form field.
 */
export const MAX_SSH_KEYS = 10;

/**
 * Transfer's SshPublicKeyBody is at most 2,048 characters
 * (https://docs.aws.amazon.com/transfer/latest/userguide/API_SshPublicKey.html).
 */
export const MAX_KEY_CHARS = 2048;

/** Bound on the whole pasted text, checked before anything else is parsed. */
export const MAX_SSH_KEYS_INPUT_CHARS = MAX_SSH_KEYS * (MAX_KEY_CHARS + 256);

export type ParsedKey = {
  type: SshKeyType;
  /** Key size in bits (RSA modulus, ECDSA curve, 256 for Ed25519). */
  bits?: number;
  /** `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  comment?: string;
  /** `<type> <base64>`: what is sent to Transfer. No comment — comments carry user text. */
  normalized: string;
};

export type ParseSshKeysResult = { keys: ParsedKey[] } | { error: string };

/** A private key anywhere in the text, one-line or multi-line, PEM, OpenSSH or PuTTY. */
const PRIVATE_KEY_MARKERS: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/,
  /---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/,
  /PuTTY-User-Key-File-\d+:/,
  // base64 of "openssh-key-v1\0": the body of an OpenSSH private key pasted without its armour
  /(^|\s)b3BlbnNzaC1rZXktdjE/m,
];

const PUBLIC_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PUBLIC KEY-----|---- BEGIN SSH2 PUBLIC KEY ----/;

const CERT_SUFFIX = '-cert-v01@openssh.com';
// Control characters other than tab; \r is taken out with the line breaks before this runs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_PROBLEMS_SHOWN = 3;

export function isAcceptedKeyType(type: string): type is SshKeyType {
  return (ACCEPTED_KEY_TYPES as readonly string[]).includes(type);
}

/**
 * Parses one key per line (blank lines ignored). Returns every key, or one message that names
 * the line(s) and the problem. Never echoes key material or a private key back.
 */
export function parseSshPublicKeys(text: string): ParseSshKeysResult {
  if (text.length > MAX_SSH_KEYS_INPUT_CHARS) {
    return { error: `The SSH keys text is too long (${text.length} characters; at most ${MAX_SSH_KEYS_INPUT_CHARS}).` };
  }
  if (PRIVATE_KEY_MARKERS.some((re) => re.test(text))) {
    return {
      error:
        'This is a PRIVATE key. Never share it: paste the PUBLIC key instead (the one-line ".pub" file, e.g. `ssh-keygen -y -f <keyfile>`), and have the partner treat the private key as exposed.',
    };
  }
  if (PUBLIC_KEY_BLOCK.test(text)) {
    return {
      error:
        'This is a PEM/RFC 4716 key block; paste the key in OpenSSH one-line format instead (`ssh-keygen -i -f <file>` converts it).',
    };
  }

  const lines = text.split(/\r\n|\r|\n/);
  const present = lines.map((line, i) => ({ line: line.trim(), number: i + 1 })).filter((l) => l.line !== '');
  if (present.length > MAX_SSH_KEYS) {
    return { error: `Too many SSH keys: ${present.length} lines given, at most ${MAX_SSH_KEYS} keys per partner.` };
  }

  const keys: ParsedKey[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const { line, number } of present) {
    const parsed = parseKeyLine(line);
    if ('problem' in parsed) {
      problems.push(`Line ${number}: ${parsed.problem}`);
      continue;
    }
    const first = seen.get(parsed.key.fingerprint);
    if (first !== undefined) {
      problems.push(`Line ${number}: the same key as line ${first} (${parsed.key.fingerprint}).`);
      continue;
    }
    seen.set(parsed.key.fingerprint, number);
    keys.push(parsed.key);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN);
    const more = problems.length - shown.length;
    return { error: shown.join(' ') + (more > 0 ? ` (and ${more} more line${more === 1 ? '' : 's'} with problems)` : '') };
  }
  return { keys };
}

/** Stored characters of a key comment: enough to recognise the key by, no more. */
export const MAX_KEY_COMMENT_CHARS = 256;

/** The comments of parsed keys, by normalized key (keys without one are absent): for people, never sent to AWS. */
export function keyComments(keys: readonly ParsedKey[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((k) => (k.comment ? [[k.normalized, k.comment.slice(0, MAX_KEY_COMMENT_CHARS)]] : [])));
}

/** One trimmed, non-blank line → a key or the problem with it (without the line number). */
export function parseKeyLine(line: string): { key: ParsedKey } | { problem: string } {
  if (CONTROL.test(line)) return { problem: 'contains control characters; paste the key as plain text.' };
  const tokens = line.split(/\s+/);
  const type = tokens[0] ?? '';

  const typeProblem = checkKeyTypeToken(type, tokens);
  if (typeProblem) return { problem: typeProblem };
  if (!isAcceptedKeyType(type)) return { problem: `unsupported key type "${excerpt(type)}".` };

  const data = tokens[1];
  if (data === undefined) return { problem: `"${type}" is not followed by the key data.` };
  if (!BASE64.test(data)) return { problem: 'the key data is not valid base64 (was the key cut or wrapped?).' };
  const blob = Buffer.from(data, 'base64');
  const inner = readSshString(blob);
  if (inner !== null && inner !== type) {
    return { problem: `the line says "${type}" but the key data is "${excerpt(inner)}".` };
  }

  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(`${type} ${data}`, 'ssh');
  } catch {
    return { problem: `the ${type} key data is damaged or truncated.` };
  }
  // sshpk ignores bytes after the key; refuse them, so what we store is exactly what was pasted.
  if (!key.toBuffer('rfc4253').equals(blob)) {
    return { problem: `the ${type} key data has extra bytes or is not in standard form.` };
  }
  if (type === 'ssh-rsa' && key.size < MIN_RSA_BITS) {
    return { problem: `RSA key of ${key.size} bits is too short: RSA keys need ${MIN_RSA_BITS} bits or more (or use ssh-ed25519).` };
  }
  const normalized = `${type} ${data}`;
  if (normalized.length > MAX_KEY_CHARS) {
    return { problem: `the key is ${normalized.length} characters; Transfer Family takes at most ${MAX_KEY_CHARS}.` };
  }

  const comment = tokens.slice(2).join(' ');
  return {
    key: {
      type,
      bits: key.size,
      fingerprint: key.fingerprint('sha256').toString(),
      ...(comment ? { comment } : {}),
      normalized,
    },
  };
}

/** Explains the first token when it is not an accepted key type; null when it is. */
function checkKeyTypeToken(type: string, tokens: readonly string[]): string | null {
  if (isAcceptedKeyType(type)) return null;
  if (type.endsWith(CERT_SUFFIX)) {
    return 'SSH certificates are not accepted; paste the plain public key.';
  }
  if (type === 'ssh-dss') return 'DSA (ssh-dss) keys are not accepted; use ssh-ed25519, ECDSA or RSA of 2048 bits or more.';
  if (type.startsWith('sk-')) {
    return 'security-key (FIDO, sk-*) keys are not accepted by Transfer Family; use ssh-ed25519, ECDSA or RSA.';
  }
  if (/^(ssh|ecdsa)-/.test(type)) return `unsupported key type "${excerpt(type)}".`;
  // authorized_keys options come before the key type: `command="..." ssh-ed25519 AAAA...`
  if (tokens.slice(1).some((t) => isAcceptedKeyType(t) || t.endsWith(CERT_SUFFIX) || t === 'ssh-dss')) {
    return 'authorized_keys options (such as command=, from= or no-pty) are not allowed; paste only the key, starting with its type.';
  }
  return `not an SSH public key: a key line starts with its type (${ACCEPTED_KEY_TYPES.join(', ')}).`;
}

/** The first length-prefixed string of an SSH wire blob (the key type), or null. */
function readSshString(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  if (length > 64 || blob.length < 4 + length) return null;
  return blob.subarray(4, 4 + length).toString('latin1');
}
