import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_SSH_KEYS, parseSshPublicKeys, type ParsedKey } from '../../../src/domain/ssh-key.js';
import {
  certificateLine,
  expectedFingerprint,
  generateTestKey,
  openSshPrivateKey,
  rsaLineWithModulusBits,
  type KeyKind,
  type TestKey,
} from './ssh-test-keys.js';

function keysOf(text: string): ParsedKey[] {
  const result = parseSshPublicKeys(text);
  if ('error' in result) throw new Error(`expected keys, got error: ${result.error}`);
  return result.keys;
}

function errorOf(text: string): string {
  const result = parseSshPublicKeys(text);
  if (!('error' in result)) throw new Error(`expected an error, got ${result.keys.length} keys`);
  return result.error;
}

const keys = {} as Record<KeyKind, TestKey>;
const pool: TestKey[] = [];

beforeAll(() => {
  for (const kind of ['ed25519', 'p256', 'p384', 'p521', 'rsa1024', 'rsa2048', 'dsa'] as const) keys[kind] = generateTestKey(kind);
  for (let i = 0; i < 8; i += 1) pool.push(generateTestKey('ed25519'));
  pool.push(keys.p256, keys.p384, keys.p521, keys.rsa2048);
});

describe('parseSshPublicKeys — accepted keys', () => {
  it.each([
    ['ed25519', 'ssh-ed25519', 256],
    ['p256', 'ecdsa-sha2-nistp256', 256],
    ['p384', 'ecdsa-sha2-nistp384', 384],
    ['p521', 'ecdsa-sha2-nistp521', 521],
    ['rsa2048', 'ssh-rsa', 2048],
  ] as const)('when given a real %s key, then it returns its type, size and SHA256 fingerprint', (kind, type, bits) => {
    const key = keys[kind];
    const [parsed] = keysOf(key.line);
    expect(parsed).toEqual({ type, bits, fingerprint: expectedFingerprint(key.base64), normalized: key.line });
  });

  it('when a key has a comment, then the comment is kept apart and the normalized form has none', () => {
    const [parsed] = keysOf(`${keys.ed25519.line}   alice@laptop  2024 key`);
    expect(parsed?.comment).toBe('alice@laptop 2024 key');
    expect(parsed?.normalized).toBe(keys.ed25519.line);
  });

  it('when keys come with blank lines, CRLF and surrounding spaces, then those are ignored', () => {
    const text = `\r\n  ${keys.ed25519.line} a\r\n\r\n\t${keys.p256.line}\n   \n${keys.rsa2048.line}\n`;
    expect(keysOf(text).map((k) => k.normalized)).toEqual([keys.ed25519.line, keys.p256.line, keys.rsa2048.line]);
  });

  it('when the text is empty or blank, then there are no keys and no error', () => {
    expect(keysOf('')).toEqual([]);
    expect(keysOf(' \n\n \t ')).toEqual([]);
  });

  it(`when given exactly ${MAX_SSH_KEYS} keys, then all are accepted`, () => {
    expect(keysOf(pool.slice(0, MAX_SSH_KEYS).map((k) => k.line).join('\n'))).toHaveLength(MAX_SSH_KEYS);
  });
});

describe('parseSshPublicKeys — refused keys', () => {
  it('when an RSA key is under 2048 bits, then the error names the line and the size', () => {
    const error = errorOf(`${keys.ed25519.line}\n${keys.rsa1024.line}`);
    expect(error).toMatch(/^Line 2: RSA key of 1024 bits is too short/);
  });

  it('when given a DSA key, then it is refused as DSA', () => {
    expect(errorOf(keys.dsa.line)).toMatch(/^Line 1: DSA \(ssh-dss\) keys are not accepted/);
  });

  it.each([
    ['PKCS#8 PEM', () => keys.ed25519.privatePem],
    ['OpenSSH format', () => openSshPrivateKey(keys.ed25519.privatePem)],
    ['PKCS#1 RSA PEM', () => createPrivateKey(keys.rsa2048.privatePem).export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['OpenSSH format collapsed onto one line', () => openSshPrivateKey(keys.ed25519.privatePem).replace(/\n/g, ' ')],
    ['OpenSSH body without its armour', () => openSshPrivateKey(keys.ed25519.privatePem).split('\n').slice(1, -2).join('\n')],
    ['after a valid public key', () => `${keys.p256.line}\n${keys.ed25519.privatePem}`],
  ])('when a private key is pasted (%s), then it is refused without echoing it', (_name, text) => {
    const pasted = text();
    const error = errorOf(pasted);
    expect(error).toMatch(/PRIVATE key/);
    const secretLine = pasted.split('\n').find((l) => l.length > 30 && !l.startsWith('-----') && !l.startsWith('ssh-'));
    if (secretLine) expect(error).not.toContain(secretLine.slice(0, 20));
  });

  it.each([
    ['command="echo hi" ', 'command'],
    ['no-pty,no-port-forwarding ', 'no-pty'],
    ['from="10.0.0.0/8",no-agent-forwarding ', 'from'],
    ['restrict ', 'restrict'],
  ])('when the line carries authorized_keys options (%s), then it is refused', (options) => {
    expect(errorOf(`${options}${keys.ed25519.line} bob`)).toMatch(/^Line 1: authorized_keys options .* are not allowed/);
  });

  it('when given a real SSH certificate, then it is refused as a certificate', () => {
    expect(errorOf(certificateLine())).toMatch(/^Line 1: SSH certificates are not accepted/);
  });

  it('when given a PEM public key block, then the error says how to convert it', () => {
    expect(errorOf(keys.rsa2048.publicPem)).toMatch(/ssh-keygen -i/);
  });

  it.each([
    ['plain text', 'hello world', /not an SSH public key/],
    ['a type alone', 'ssh-ed25519', /not followed by the key data/],
    ['bad base64', 'ssh-ed25519 AAAA!!!!', /not valid base64/],
    ['a security key', 'sk-ssh-ed25519@openssh.com AAAA', /security-key/],
    ['an unknown type', 'ssh-foo AAAA', /unsupported key type "ssh-foo"/],
    ['a control character', 'ssh-ed25519 AAAA\u0000', /control characters/],
  ])('when the line is %s, then it is refused with a specific message', (_name, line, message) => {
    expect(errorOf(line)).toMatch(message);
  });

  it('when the key data is cut short, then it is called damaged or truncated', () => {
    const cut = keys.rsa2048.line.slice(0, keys.rsa2048.line.length - 40);
    const trimmed = cut.slice(0, cut.length - ((cut.length - 'ssh-rsa '.length) % 4));
    expect(errorOf(trimmed)).toMatch(/^Line 1: the ssh-rsa key data is damaged or truncated/);
  });

  it('when the type on the line does not match the key data, then both are named', () => {
    expect(errorOf(`ssh-rsa ${keys.ed25519.base64}`)).toMatch(/says "ssh-rsa" but the key data is "ssh-ed25519"/);
  });

  it('when the key data has bytes after the key, then it is refused', () => {
    const padded = Buffer.concat([Buffer.from(keys.ed25519.base64, 'base64'), Buffer.from([0, 0, 0, 1, 65])]).toString('base64');
    expect(errorOf(`ssh-ed25519 ${padded}`)).toMatch(/extra bytes/);
  });

  it('when a key is longer than Transfer takes, then it is refused', () => {
    expect(errorOf(rsaLineWithModulusBits(16384))).toMatch(/Transfer Family takes at most 2048/);
  });

  it('when the same key appears twice, even with another comment, then both lines are named', () => {
    const error = errorOf(`${keys.ed25519.line} a\n\n${keys.p256.line}\n${keys.ed25519.line} b`);
    expect(error).toBe(`Line 4: the same key as line 1 (${expectedFingerprint(keys.ed25519.base64)}).`);
  });

  it(`when more than ${MAX_SSH_KEYS} keys are given, then the count is refused`, () => {
    expect(errorOf(pool.slice(0, MAX_SSH_KEYS + 1).map((k) => k.line).join('\n'))).toMatch(/Too many SSH keys: 11 lines/);
  });

  it('when the text is overlong, then it is refused before parsing', () => {
    expect(errorOf('x'.repeat(100_000))).toMatch(/too long/);
  });

  it('when several lines are wrong, then up to three are named at once', () => {
    const error = errorOf(['junk', keys.ed25519.line, keys.dsa.line, keys.rsa1024.line, 'more junk'].join('\n'));
    expect(error).toMatch(/^Line 1: .* Line 3: .* Line 4: .*\(and 1 more line with problems\)$/);
  });
});

describe('parseSshPublicKeys — properties', () => {
  it('never throws, and always answers keys or an error, for arbitrary text', () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom('ssh-ed25519 ', 'ssh-rsa AAAA', 'ecdsa-sha2-nistp256 ', '-----BEGIN', 'command="x" ssh-ed25519 ').chain((p) =>
        fc.string({ maxLength: 60 }).map((s) => p + s),
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const result = parseSshPublicKeys(lines.join('\n'));
        expect('keys' in result || 'error' in result).toBe(true);
      }),
    );
  });

  it('when real keys are pasted with any comments and blank lines, then exactly those keys come back, in order', () => {
    const comment = fc.stringMatching(/^[A-Za-z0-9@._ -]{0,24}$/);
    const entry = fc.record({ index: fc.nat(), comment, indent: fc.constantFrom('', ' ', '\t'), blank: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: MAX_SSH_KEYS, selector: (e) => e.index % pool.length }), (entries) => {
        const chosen = entries.map((e) => ({ ...e, key: pool[e.index % pool.length]! }));
        const text = chosen.map((e) => `${e.blank ? '\n' : ''}${e.indent}${e.key.line} ${e.comment}`).join('\n');
        const parsed = keysOf(text);
        expect(parsed.map((k) => k.normalized)).toEqual(chosen.map((e) => e.key.line));
        expect(parsed.map((k) => k.fingerprint)).toEqual(chosen.map((e) => expectedFingerprint(e.key.base64)));
        expect(parsed.map((k) => k.comment)).toEqual(chosen.map((e) => e.comment.trim().split(/\s+/).join(' ') || undefined));
        // what we store parses again to the same keys
        expect(keysOf(parsed.map((k) => k.normalized).join('\n'))).toEqual(parsed.map(({ comment: _c, ...k }) => k));
      }),
      { numRuns: 50 },
    );
  });
});
