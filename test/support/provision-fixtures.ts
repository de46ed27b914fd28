/** Small fixtures shared by the provision tests and their child worker process (no test-runner imports). */
import { generateKeyPairSync } from 'node:crypto';
import sshpk from 'sshpk';
import { loadPlatformConfig } from '../../src/config.js';
import { type PlatformConfig } from '../../src/aws/policies/platform.js';
import { testEnv } from './env.js';

export const CHANNEL = 'C0APPROVALS';
export const REQUESTER = 'UREQUESTER1';
export const APPROVER = 'UAPPROVER1';
export const PARTNER_ACCOUNT = '444455556666';

export function platformFor(overrides: Record<string, string | undefined> = {}): PlatformConfig {
  return loadPlatformConfig(testEnv(overrides));
}

/** A real ed25519 public key, `ssh-ed25519 <base64>` as requests store them. */
export function sshPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const line = sshpk.parseKey(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'pem').toString('ssh');
  return line.split(' ').slice(0, 2).join(' ');
}
