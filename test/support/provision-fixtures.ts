/** Small fixtures shared by the provision tests and their child worker process (no test-runner imports). */
import { loadPlatformConfig } from '../../src/config.js';
import { type PlatformConfig } from '../../src/aws/policies/platform.js';
import { testEnv } from '../../tools/local/env.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';

export const CHANNEL = 'C0APPROVALS';
export const REQUESTER = 'UREQUESTER1';
export const APPROVER = 'UAPPROVER1';
export const PARTNER_ACCOUNT = '444455556666';

export function platformFor(overrides: Record<string, string | undefined> = {}): PlatformConfig {
  return loadPlatformConfig(testEnv(overrides));
}

/** A real ed25519 public key, `ssh-ed25519 <base64>` as requests store them. */
export function sshPublicKey(): string {
  return ed25519PublicKey().split(' ').slice(0, 2).join(' ');
}
