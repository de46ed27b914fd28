/**
 * Real key material of every kind the onboarding form must refuse, made at test time (a fixture
 * cannot hold a private key or a certificate that stays valid): DSA, short RSA, private keys in
 * each armour, PEM public keys, OpenSSH certificates, option-prefixed lines, mismatched, damaged.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import sshpk from 'sshpk';

const sshPublic = (key: KeyObject): string => sshpk.parseKey(key.export({ type: 'spki', format: 'pem' }).toString(), 'pem').toString('ssh');
const ed25519 = () => generateKeyPairSync('ed25519');
const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const ecdsa = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

function blobOf(line: string): Buffer {
  return Buffer.from(line.split(' ')[1]!, 'base64');
}

export const HOSTILE_SSH_KEYS: Record<string, () => string> = {
  dsa: () => sshPublic(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey),
  'rsa-1024': () => sshPublic(rsa(1024).publicKey),
  'rsa-1536': () => sshPublic(rsa(1536).publicKey),
  'rsa-private-pem': () => rsa(2048).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  'pkcs8-private-pem': () => ed25519().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  'ed25519-private-openssh': () =>
    sshpk.parsePrivateKey(ed25519().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'pem').toString('openssh'),
  'ed25519-public-pem': () => ed25519().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  'ed25519-certificate': () => {
    const key = sshpk.parsePrivateKey(ed25519().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'pem');
    return sshpk.createSelfSignedCertificate(sshpk.identityForUser('partner'), key).toString('openssh');
  },
  'options-prefixed-ed25519': () => `command="/bin/sh",no-port-forwarding ${sshPublic(ed25519().publicKey)}`,
  'type-mismatch-rsa-label-ed25519-data': () => `ssh-rsa ${sshPublic(ed25519().publicKey).split(' ')[1]}`,
  'trailing-bytes': () => {
    const line = sshPublic(ed25519().publicKey);
    return `ssh-ed25519 ${Buffer.concat([blobOf(line), Buffer.from('extra')]).toString('base64')}`;
  },
  'truncated-real-key': () => {
    const line = sshPublic(rsa(2048).publicKey);
    const blob = blobOf(line);
    return `ssh-rsa ${blob.subarray(0, Math.floor(blob.length / 2)).toString('base64')}`;
  },
  'duplicate-key': () => {
    const line = sshPublic(ed25519().publicKey);
    return `${line} first\n${line} again`;
  },
  'eleven-real-keys': () => Array.from({ length: 11 }, () => sshPublic(ed25519().publicKey)).join('\n'),
  'good-then-dsa': () => `${sshPublic(ed25519().publicKey)}\n${HOSTILE_SSH_KEYS['dsa']!()}`,
  'ecdsa-then-private': () => `${sshPublic(ecdsa().publicKey)}\n${HOSTILE_SSH_KEYS['pkcs8-private-pem']!()}`,
};
