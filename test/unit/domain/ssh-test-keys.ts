import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import sshpk from 'sshpk';

/** Real keys, generated with node:crypto and converted to OpenSSH one-line format by sshpk. */
export type KeyKind = 'ed25519' | 'p256' | 'p384' | 'p521' | 'rsa1024' | 'rsa2048' | 'dsa';

export type TestKey = { line: string; type: string; base64: string; publicPem: string; privatePem: string };

export function generateTestKey(kind: KeyKind): TestKey {
  const pair = generatePair(kind);
  const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const line = sshpk.parseKey(spki, 'pem').toString('ssh').replace(/ \(unnamed\)$/, '');
  const [type = '', base64 = ''] = line.split(' ');
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { line: `${type} ${base64}`, type, base64, publicPem: spki, privatePem };
}

function generatePair(kind: KeyKind) {
  switch (kind) {
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'rsa1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024 });
    case 'rsa2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
  }
}

/** The fingerprint `ssh-keygen -l` prints, computed independently of sshpk. */
export function expectedFingerprint(base64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** The OpenSSH private key format of a PKCS#8 PEM key. */
export function openSshPrivateKey(privatePem: string): string {
  return sshpk.parsePrivateKey(privatePem, 'pem').toString('ssh-private');
}

/** A real SSH certificate (self-signed by an Ed25519 key). */
export function certificateLine(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = sshpk.parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'pem');
  return sshpk.createSelfSignedCertificate(sshpk.identityForUser('alice'), signer).toString('openssh').trim();
}

/** A well-formed ssh-rsa public key blob with a modulus of `bits` bits (no primes needed to parse). */
export function rsaLineWithModulusBits(bits: number): string {
  const modulus = randomBytes(bits / 8);
  modulus[0] = modulus[0]! | 0x80;
  modulus[modulus.length - 1] = modulus[modulus.length - 1]! | 1;
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(Buffer.from([1, 0, 1])), sshString(Buffer.concat([Buffer.from([0]), modulus]))]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}
