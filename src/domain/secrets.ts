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

const SSH_KEY_TYPE = String.raw`(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)`;
/** A key body without its type: base64 of the length-prefixed type name (`ssh-…`, `ecdsa…`, `sk-ssh-…`, `sk-ecdsa…`). */
const SSH_KEY_BODY = String.raw`AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh|GnNrLXNzaC1|InNrLWVjZHNh)[A-Za-z0-9+/]{20,}={0,2}`;
/** Values that look like secrets are masked even where the key is not one we know. */
const SECRET_VALUE = new RegExp(
  String.raw`\b(?:xox[abeoprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|${SSH_KEY_TYPE} [A-Za-z0-9+/=]{20,}|${SSH_KEY_BODY})`,
  'g',
);
/**
 * An ExternalId written out as text: `"sts:ExternalId":"…"`, `"ExternalId": ["…"]`, `ExternalId=…`,
 * JSON inside JSON (`\"`) and URL-encoded (`%22`, `%3A`). Group 1 is the name and separator, group
 * 2 a list, group 3 the opening quote of a single value.
 */
const QUOTE = String.raw`(?:\\*["']|%22)`;
const EXTERNAL_ID_TEXT = new RegExp(
  String.raw`(external[_-]?id${QUOTE}?\s*(?:[:=]|%3A)\s*)(?:(\[[^\]]*\]?)|(${QUOTE}?)[\w+=,.@:/%-]+)`,
  'gi',
);

/**
 * `text` with Slack tokens, SSH public keys and ExternalIds masked: `xoxb-[REDACTED]`,
 * `ssh-[REDACTED]`, `sk-[REDACTED]`, `"sts:ExternalId":"[REDACTED]"`.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(SECRET_VALUE, (m) => `${m.slice(0, m.indexOf('-') + 1)}${CENSOR}`)
    .replace(EXTERNAL_ID_TEXT, (_m, name: string, list: string | undefined, quote: string | undefined) =>
      list !== undefined ? `${name}${CENSOR}` : `${name}${quote ?? ''}${CENSOR}`);
}
