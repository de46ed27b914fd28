/**
 * What people are told when an approval fails its seal check (src/domain/approval-seal.ts). The
 * ids and partner id come from the record that failed the check, so they are escaped like any
 * outside text, and nobody is mentioned by it.
 */
import { code } from './mrkdwn.js';

export type IntegrityStage = 'decide' | 'provision' | 'verify' | 'offboard' | 'change' | 'reapply';

const WHO: Record<IntegrityStage, string> = {
  decide: 'It was not approved',
  provision: 'Provisioning refused it; nothing was done on AWS',
  verify: 'Verification refused it; the partner was not set live',
  offboard: 'Offboarding refused it; nothing was changed',
  change: 'The change job refused it; nothing was changed',
  reapply: 'Re-apply refused it; nothing was written',
};

export interface IntegrityAlertView {
  /** `request`, `change`, or `re-apply`. */
  noun: string;
  /** The request or change id, or the re-apply's job id. */
  id: string;
  partnerId: string | undefined;
  stage: IntegrityStage;
  /** Why (IntegrityProblem.message). */
  problem: string;
  /** The item carries no seal at all (stored before approvals were sealed). */
  unsealed: boolean;
}

/** The alert, posted in the partner's thread and in the approvals channel. */
export function integrityAlertText(v: IntegrityAlertView): string {
  const subject = `${v.noun} ${code(v.id)}${v.partnerId ? ` (partner ${code(v.partnerId)})` : ''}`;
  const next = v.unsealed
    ? 'If it was stored before this version, ask for it again (README "Upgrading to sealed approvals").'
    : 'Someone who can write to Redis changed it (or the approval signing key was changed while it waited): find out who can reach Redis (docs/security.md "Redis"), then ask for it again.';
  return `:rotating_light: Integrity check failed for ${subject}: ${v.problem}. ${WHO[v.stage]}. ${next}`;
}

/** What the person who clicked Approve (or reacted) is told. */
export function integrityRefusalText(noun: string): string {
  return `This ${noun} does not match what was submitted (its seal check failed), so it cannot be approved. Nothing was approved; the approvals channel has been alerted.`;
}
