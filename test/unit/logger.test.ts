import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, MAX_LOG_DEPTH } from '../../src/logger.js';
import { maskSecrets } from '../../src/domain/secrets.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger('debug', stream),
    text: () => lines.join(''),
    json: () => lines.join('').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const EXTERNAL_ID = 'Xq7vN2pL9sK4mT8wR1yB6cD3fG5hJ0aZ-eU_iO.oP';
const SLACK_TOKEN = 'xoxb-1111-2222-abcdefSECRET';
const ED25519_BODY = 'AAAAC3NzaC1lZDI1NTE5AAAAIHc9aSecretKeyMaterialForTheTest0123456';
const RSA_BODY = 'AAAAB3NzaC1yc2EAAAADAQABAAABAQDSecretRsaKeyMaterialForTheTest98765';
const SK_ED25519_BODY = 'AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAISkSecretEdMaterial0123';
const SK_ECDSA_BODY = 'AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAISkEcdsaMaterial4567';

/** None of `secrets` in the output, and all of `context` (so that the test can fail). */
function expectMasked(out: string, secrets: string[], context: string[]) {
  for (const secret of secrets) expect(out).not.toContain(secret);
  for (const kept of context) expect(out).toContain(kept);
}

function trustPolicy(externalId: string) {
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': externalId } },
    }],
  };
}

describe('logger redaction', () => {
  it('when secrets are logged under their keys or inside messages, then none of them reaches the output', () => {
    const { logger, text } = capture();
    const secrets = {
      botToken: SLACK_TOKEN,
      signingSecret: 'signing-secret-value-XYZ',
      externalId: 'ext-id-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      sshKey: `ssh-ed25519 ${ED25519_BODY} bob@example`,
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

  it('when a trust policy is logged as an object or as JSON text, then its sts:ExternalId is masked and the rest of the policy is kept', () => {
    const { logger, text } = capture();
    logger.info({ partnerId: 'acme', trust: trustPolicy(EXTERNAL_ID) }, 'role planned');
    logger.info({ partnerId: 'acme', trustJson: JSON.stringify(trustPolicy(EXTERNAL_ID)) }, 'role planned');
    logger.info({ partnerId: 'acme', trustPretty: JSON.stringify(trustPolicy(EXTERNAL_ID), null, 2) }, 'role planned');
    logger.info({ partnerId: 'acme', condition: `{"StringEquals":{"sts:ExternalId":["${EXTERNAL_ID}","other-id-0123456789"]}}` }, 'condition');
    logger.info(`put role policy ${JSON.stringify(trustPolicy(EXTERNAL_ID))}`);
    expectMasked(text(), [EXTERNAL_ID, 'other-id-0123456789'], ['arn:aws:iam::111122223333:root', 'sts:AssumeRole', 'sts:ExternalId', '[REDACTED]']);
  });

  it('when secrets are nested three or more levels deep, then they are masked and their non-secret siblings kept', () => {
    const { logger, json } = capture();
    logger.info({
      job: { data: { request: { partnerId: 'acme', signingSecret: 'deep-signing-secret-1', slackBotToken: 'deep-bot-token-2' } } },
      plan: { steps: [{ role: { trust: { privateKey: 'deep-private-key-3', password: 'deep-password-4', region: 'eu-west-1' } } }] },
    }, 'deep');
    const [line] = json();
    expectMasked(JSON.stringify(line), ['deep-signing-secret-1', 'deep-bot-token-2', 'deep-private-key-3', 'deep-password-4'], ['acme']);
    expect(line).toMatchObject({
      job: { data: { request: { partnerId: 'acme', signingSecret: '[REDACTED]', slackBotToken: '[REDACTED]' } } },
      plan: { steps: [{ role: { trust: { privateKey: '[REDACTED]', password: '[REDACTED]', region: 'eu-west-1' } } }] },
    });
  });

  it('when keyAddedAt maps and ssh-keys change specs are logged, then no key body appears and every entry and date is kept', () => {
    const { logger, json } = capture();
    logger.info({
      partner: {
        id: 'acme',
        keyAddedAt: { [`ssh-ed25519 ${ED25519_BODY}`]: '2026-01-02T03:04:05.000Z', [`ssh-rsa ${RSA_BODY}`]: '2026-02-03T04:05:06.000Z' },
      },
      spec: { kind: 'ssh-keys', add: [`ssh-ed25519 ${ED25519_BODY} alice@laptop`, RSA_BODY], remove: [] },
    }, 'change applied');
    const [line] = json();
    expectMasked(JSON.stringify(line), ['SecretKeyMaterial', 'SecretRsaKeyMaterial'], ['alice@laptop']);
    const partner = line!['partner'] as { id: string; keyAddedAt: Record<string, string> };
    expect(partner.id).toBe('acme');
    expect(Object.values(partner.keyAddedAt).sort()).toEqual(['2026-01-02T03:04:05.000Z', '2026-02-03T04:05:06.000Z']);
    expect(Object.keys(partner.keyAddedAt)[0]).toBe('ssh-[REDACTED]');
    expect(line!['spec']).toMatchObject({ kind: 'ssh-keys', add: ['ssh-[REDACTED] alice@laptop', '[REDACTED]'], remove: [] });
  });

  it('when an error whose message or stack quotes an ExternalId or a Slack token is logged, then both are masked and the error is still described', () => {
    const { logger, json } = capture();
    const policyEcho = `MalformedPolicyDocument: Invalid condition in policy ${JSON.stringify(trustPolicy(EXTERNAL_ID).Statement[0]!.Condition)}`;
    const slack = new Error(`An API error occurred: invalid_auth (token ${SLACK_TOKEN})`);
    logger.error({ err: new Error(policyEcho), partnerId: 'acme' }, 'create role failed');
    logger.error(slack);
    logger.error({ err: new Error('assume role failed', { cause: new Error(`AccessDenied for ExternalId=${EXTERNAL_ID}`) }) }, 'verify failed');
    const lines = json();
    expectMasked(JSON.stringify(lines), [EXTERNAL_ID, SLACK_TOKEN], ['invalid_auth']);
    expect(lines[0]).toMatchObject({ partnerId: 'acme', msg: 'create role failed', err: { type: 'Error' } });
    expect((lines[0]!['err'] as { message: string }).message).toContain('MalformedPolicyDocument');
    expect((lines[0]!['err'] as { stack: string }).stack).toContain('sts:ExternalId');
    expect(lines[1]!['msg']).toBe('An API error occurred: invalid_auth (token xoxb-[REDACTED])');
    expect((lines[2]!['err'] as { message: string }).message).toContain('AccessDenied');
  });

  it('when security-key SSH keys (sk-ssh-ed25519, sk-ecdsa-sha2-nistp256) are logged, then their bodies are masked like other keys', () => {
    const skEd = `sk-ssh-ed25519@openssh.com ${SK_ED25519_BODY} yubikey`;
    const skEcdsa = `sk-ecdsa-sha2-nistp256@openssh.com ${SK_ECDSA_BODY} yubikey`;
    const { logger, text } = capture();
    logger.info({ partnerId: 'acme', keys: [skEd, skEcdsa] }, 'keys parsed');
    logger.info(`rejected key ${skEcdsa}`);
    expectMasked(text(), ['SkSecretEdMaterial', 'SkEcdsaMaterial'], ['sk-[REDACTED] yubikey', 'acme']);
    expect(maskSecrets(skEd)).toBe('sk-[REDACTED] yubikey');
  });

  it('when secrets sit in child bindings or interpolated objects, then they are masked there too', () => {
    const { logger, text } = capture();
    logger.child({ job: { partnerId: 'acme', data: { request: { externalId: EXTERNAL_ID } } } }).child({ module: 'provision' }).info('job started');
    logger.info('payload %j', { partnerId: 'acme', data: { request: { body: { token: 'interp-token-5' } } } });
    expectMasked(text(), [EXTERNAL_ID, 'interp-token-5'], ['job started', '"module":"provision"', '"partnerId\\":\\"acme']);
  });

  it('when an object is deeper than the bound or cyclic, then what lies beyond is truncated, not written unmasked', () => {
    const { logger, text } = capture();
    let deep: Record<string, unknown> = { apiToken: 'too-deep-token-6', note: `external id ExternalId: ${EXTERNAL_ID}` };
    for (let i = 0; i < MAX_LOG_DEPTH + 2; i++) deep = { level: i, next: deep };
    const cyclic: Record<string, unknown> = { partnerId: 'acme', secret: 'cyclic-secret-7' };
    cyclic['self'] = cyclic;
    logger.info({ deep }, 'deep');
    logger.info({ cyclic }, 'cyclic');
    expectMasked(text(), ['too-deep-token-6', EXTERNAL_ID, 'cyclic-secret-7'], ['[truncated]', '[Circular]', `"deep":{"level":${MAX_LOG_DEPTH + 1}`]);
  });
});
