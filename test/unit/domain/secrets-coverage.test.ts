/**
 * The masker covers every form of every secret we print (issue #15): each message builder that can
 * show a secret is built with known secrets, and maskSecrets of its JSON — what a log line or the
 * audit trail would hold — contains none of them, whole or in part.
 */
import { describe, expect, it } from 'vitest';
import { CENSOR, maskSecrets } from '../../../src/domain/secrets.js';
import { diffMessages, keyNamingMessages, SECRETS, secretBearingMessages, secretPieces } from '../../support/secret-messages.js';

const messages = secretBearingMessages();
const pieces = secretPieces();

describe('maskSecrets over every message builder that can show a secret', () => {
  it.each(messages)('when %s is masked, then none of the secrets it shows is left', (_name, message) => {
    const json = JSON.stringify(message);
    const shown = pieces.filter((p) => json.includes(p));
    const masked = maskSecrets(json);

    expect(shown.length).toBeGreaterThan(0); // the builder did show secrets: the test can fail
    expect(pieces.filter((p) => masked.includes(p))).toEqual([]);
    expect(masked).toContain(CENSOR);
  });

  it.each(diffMessages())('when %s is built, then the documents it diffs show none of the secrets they hold, before any masking', (_name, message) => {
    const json = JSON.stringify(message);
    expect(pieces.filter((p) => json.includes(p))).toEqual([]);
    expect(json).toContain('[ExternalId of the registry, redacted]');
    expect(json).toContain(CENSOR);
  });

  it.each(keyNamingMessages())('when %s is built, then it names keys by fingerprint and shows none of their material, before any masking', (_name, message) => {
    const json = JSON.stringify(message);
    expect(pieces.filter((p) => json.includes(p))).toEqual([]);
    expect(json).toContain('SHA256:');
  });

  it('when the ExternalId DM is masked, then it still reads as the ExternalId DM: only the ExternalId is gone', () => {
    const [, dm] = messages[0]!;
    const masked = maskSecrets(JSON.stringify(dm));

    expect(masked).toContain(`ExternalId: \`${CENSOR}\``);
    expect(masked).toContain('arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme');
    expect(masked).toContain('pass it on privately');
    expect(masked).not.toContain(SECRETS.externalId);
  });
});
