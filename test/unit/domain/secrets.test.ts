import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../../src/domain/secrets.js';

const ID = 'Zx9_abcdEFGH-ijkl0123456789mnopqrstuvWXYZ012';
const TOKEN = 'xoxb-1111-2222-abcdefSECRETabcdef';

describe('maskSecrets: each form a secret is written in', () => {
  it.each([
    ['inline code, as the welcome text shows it', `• ExternalId: \`${ID}\``, '• ExternalId: `[REDACTED]`'],
    ['Slack bold label', `*ExternalId:* \`${ID}\``, '*ExternalId:* `[REDACTED]`'],
    ['the value on the next line, as JSON writes it', `ExternalId:\\n\`${ID}\``, 'ExternalId:\\n`[REDACTED]`'],
    ['the render command line', `partnergate render --partner-id acme --external-id ${ID} --feeds a`, 'partnergate render --partner-id acme --external-id [REDACTED] --feeds a'],
    ['a JSON policy', `{"sts:ExternalId":"${ID}"}`, '{"sts:ExternalId":"[REDACTED]"}'],
    ['a token after a line break, as JSON writes it', `"first line\\n${TOKEN}"`, '"first line\\nxoxb-[REDACTED]"'],
    ['a PEM private key', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHc9\n-----END PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----'],
    ['a PEM private key cut short', 'key: -----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA1x2y3z\\nQW4X', 'key: -----BEGIN RSA PRIVATE KEY-----[REDACTED]'],
    ['an OpenSSH private key body without its armour', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\nbm9uZQAAAAAAAAABAAAAMwAA', '[REDACTED]'],
  ])('when %s, then it is masked', (_form, text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it.each([
    ['prose that names the ExternalId', 'trust: sts:AssumeRole only, ExternalId required; the ExternalId is in the welcome text'],
    ['a token-like string inside a word', 'noxoxb-1111-2222'],
    ['a fingerprint', 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'],
    ['a base64 line after prose', 'Then the partner sent AAAAAAAAAAAA'],
  ])('when %s, then it is left as it is', (_what, text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});
