import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', stream), text: () => lines.join('') };
}

describe('logger redaction', () => {
  it('when secrets are logged under their keys or inside messages, then none of them reaches the output', () => {
    const { logger, text } = capture();
    const secrets = {
      botToken: 'xoxb-1111-2222-abcdefSECRET',
      signingSecret: 'signing-secret-value-XYZ',
      externalId: 'ext-id-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      sshKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc9aSecretKeyMaterialForTheTest0123456 bob@example',
    };
    logger.info({ botToken: secrets.botToken, signingSecret: secrets.signingSecret }, 'config');
    logger.info({ request: { externalId: secrets.externalId, sshKeys: [secrets.sshKey] } }, 'request stored');
    logger.info({ job: { data: { ExternalId: secrets.externalId } } }, 'job');
    logger.warn(`slack said invalid_auth for ${secrets.botToken}`);
    logger.info(`key was ${secrets.sshKey}`);
    const out = text();
    expect(out).toContain('[REDACTED]');
    for (const secret of [secrets.botToken, secrets.signingSecret, secrets.externalId, 'SecretKeyMaterial']) {
      expect(out).not.toContain(secret);
    }
  });
});
