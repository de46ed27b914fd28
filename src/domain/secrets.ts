/** What counts as a secret in text we write (logs, the audit trail), and how it is masked. Pure. */

export const CENSOR = '[REDACTED]';

/**
 * Key names whose values are secrets or key material, compared lowercased with punctuation
 * removed, so `sts:ExternalId`, `x-slack-signature`, `SshPublicKeyBody`, `slackBotToken` and
 * `client_secret` all match.
 */
const SECRET_KEY = /(?:token|secret|password|passphrase|externalid|privatekey|apikey|credential)s?$|(?:secretaccesskey|authorization|signature|sshkeys|sshpublickeys?|sshpublickeybod(?:y|ies))$/;
const secretKeyCache = new Map<string, boolean>();

/** Whether the value under `key` is censored whatever it looks like (logs and the audit trail). */
export function isSecretKey(key: string): boolean {
  let secret = secretKeyCache.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
    if (key.length <= 64 && secretKeyCache.size < 10_000) secretKeyCache.set(key, secret);
  }
  return secret;
}

/** Whitespace, or line breaks and tabs as JSON writes them. */
const GAP = String.raw`(?:\s|\\[nrt])`;

/**
 * Whether a secret-shaped value found at `offset` starts one: not inside a word, or right after a
 * line break or tab as JSON writes them (`\n` leaves an `n` before the value, which `\b` would take
 * for a word). Checked here rather than with a lookbehind in the patterns, which would keep the
 * regex engine from scanning for their literal starts (six times slower on every log line).
 */
function startsValue(text: string, offset: number): boolean {
  const before = text[offset - 1];
  if (before === undefined || !/[A-Za-z0-9]/.test(before)) return true;
  return text[offset - 2] === '\\' && (before === 'n' || before === 'r' || before === 't');
}

const SSH_KEY_TYPE = String.raw`(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)`;
/** A key body without its type: base64 of the length-prefixed type name (`ssh-…`, `ecdsa…`, `sk-ssh-…`, `sk-ecdsa…`). */
const SSH_KEY_BODY = String.raw`AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh|GnNrLXNzaC1|InNrLWVjZHNh)[A-Za-z0-9+/]{20,}={0,2}`;
/** Values that look like secrets are masked even where the key is not one we know. */
const SECRET_VALUE = new RegExp(
  String.raw`(?:xox[abcdeoprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|${SSH_KEY_TYPE} [A-Za-z0-9+/=]{20,}|${SSH_KEY_BODY})`,
  'g',
);

/**
 * The lines of a key block cut short (no END line left): line breaks (real or as JSON writes them),
 * each followed by a header line (`Proc-Type: 4,ENCRYPTED`, `Private-MAC: …`) or a base64 line.
 * A base64 line is all of its line (no space, no `-`), so prose after the block stops it.
 */
const KEY_TAIL = String.raw`(?:(?:[\r\n]|\\[nr])+(?:[A-Z][A-Za-z-]+: [^\r\n\\"]*|[A-Za-z0-9+/=]{4,}(?=$|[^A-Za-z0-9+/= :-])))*`;
/**
 * Key material, private or public, in armour: PEM (`-----BEGIN … KEY-----`, OpenSSH's
 * `-----BEGIN OPENSSH PRIVATE KEY-----` too) and RFC 4716 (`---- BEGIN SSH2 … KEY ----`), up to its
 * END line, or to the end of its lines when a message cut it short; PuTTY's private lines and their
 * MAC; an OpenSSH private key body pasted without its armour (`b3BlbnNzaC1rZXktdjE` is base64 of
 * `openssh-key-v1`). The search for the END line stops at the next BEGIN line and after 16 KiB, so
 * that many BEGIN lines without an END cost linear time.
 */
const KEY_BLOCK = new RegExp(
  String.raw`(-----BEGIN [A-Z0-9 ]*KEY-----|---- BEGIN SSH2 [A-Z ]*KEY ----)(?:(?:(?!-{4,5} ?BEGIN )[\s\S]){0,16384}?(-----END [A-Z0-9 ]*KEY-----|---- END SSH2 [A-Z ]*KEY ----)|${KEY_TAIL})` +
    String.raw`|(Private-Lines: *\d+)${KEY_TAIL}` +
    String.raw`|b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=]*${KEY_TAIL}`,
  'g',
);

/**
 * An ExternalId written out as text: `"sts:ExternalId":"…"`, `"ExternalId": ["…"]`, `ExternalId=…`,
 * `ExternalId: \`…\`` (inline code, as the welcome text shows it), `*ExternalId:* …` (Slack bold),
 * `--external-id …`, the value on the next line, JSON inside JSON (`\"`) and URL-encoded (`%22`,
 * `%3A`). Group 1 is the name and separator, group 2 a list, group 3 the opening quote of a single value.
 */
const QUOTE = String.raw`(?:\\*["'\`]|%22|%60)`;
const EXTERNAL_ID_TEXT = new RegExp(
  String.raw`(--external-id${GAP}+|external[_-]?id${QUOTE}?[*_]*${GAP}*(?:[:=]|%3A)[*_]*${GAP}*)(?:(\[[^\]]*\]?)|(${QUOTE}?)[\w+=,.@:/%-]+)`,
  'gi',
);

/**
 * `text` with Slack tokens, SSH keys (public, private, in any armour) and ExternalIds masked:
 * `xoxb-[REDACTED]`, `ssh-[REDACTED]`, `sk-[REDACTED]`, `-----BEGIN PRIVATE KEY-----[REDACTED]…`,
 * `"sts:ExternalId":"[REDACTED]"`, ``ExternalId: `[REDACTED]` ``.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(KEY_BLOCK, (m, begin: string | undefined, end: string | undefined, putty: string | undefined, offset: number, all: string) => {
      if (begin !== undefined) return `${begin}${CENSOR}${end ?? ''}`;
      if (putty !== undefined) return `${putty} ${CENSOR}`;
      return startsValue(all, offset) ? CENSOR : m;
    })
    .replace(SECRET_VALUE, (m, offset: number, all: string) => (startsValue(all, offset) ? `${m.slice(0, m.indexOf('-') + 1)}${CENSOR}` : m))
    .replace(EXTERNAL_ID_TEXT, (_m, name: string, list: string | undefined, quote: string | undefined) =>
      list !== undefined ? `${name}${CENSOR}` : `${name}${quote ?? ''}${CENSOR}`);
}
