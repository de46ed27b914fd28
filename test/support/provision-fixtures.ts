/** Small fixtures shared by the provision tests and their child worker process (no test-runner imports). */
import { loadPlatformConfig, type PlatformConfig } from '../../src/config.js';
import type { ApproverDirectory, Clock } from '../../src/actions/ports.js';
import { testEnv } from '../../tools/local/env.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';

export const CHANNEL = 'C0APPROVALS';
export const REQUESTER = 'UREQUESTER1';
export const APPROVER = 'UAPPROVER1';
export const PARTNER_ACCOUNT = '444455556666';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = new Date()): ManualClock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export function fixedApprovers(...ids: string[]): ApproverDirectory & { set: Set<string> } {
  const set = new Set(ids);
  return { set, isApprover: async (id) => set.has(id) };
}

export function platformFor(overrides: Record<string, string | undefined> = {}): PlatformConfig {
  return loadPlatformConfig(testEnv(overrides));
}

/** A real ed25519 public key, `ssh-ed25519 <base64>` as requests store them. */
export function sshPublicKey(): string {
  return ed25519PublicKey().split(' ').slice(0, 2).join(' ');
}
