/**
 * A partner's lifecycle: the events that move its status, and from which statuses each may. The
 * registry (PartnerStore.apply) is the one place a status changes, and it refuses a move this
 * table does not allow — so a job that started before the partner was offboarded (say) cannot
 * bring it back. A record is created `provisioning` by the provision job (or rebuilt from AWS).
 */
import type { PartnerStatus } from './partner.js';

const UNTIL_LIVE = ['provisioning', 'provision_failed', 'verifying', 'verify_failed'] as const;

export const PARTNER_EVENTS = {
  /** A provision attempt starts over an existing record: a rerun, a Retry's job, or one after a crash. */
  'provision-started': { from: UNTIL_LIVE, to: 'provisioning' },
  /** The last provision step: waiting for verification. */
  provisioned: { from: ['provisioning'], to: 'verifying' },
  'provision-failed': { from: ['provisioning'], to: 'provision_failed' },
  /** An approver pressed Retry on the failure. */
  'retry-provision': { from: ['provision_failed'], to: 'provisioning' },
  verified: { from: ['verifying'], to: 'live' },
  'verify-failed': { from: ['verifying'], to: 'verify_failed' },
  'retry-verify': { from: ['verify_failed'], to: 'verifying' },
  /** Its deployed access was found wider than approved: deliveries are parked until it is released. */
  quarantined: { from: ['live'], to: 'quarantined' },
  /** Its deployed access is exactly the approved state again (a check after a re-apply, or a fix by hand). */
  released: { from: ['quarantined'], to: 'live' },
  /** The first offboarding step: deliveries stop at once, whatever the partner was doing. */
  offboarded: { from: [...UNTIL_LIVE, 'live', 'quarantined'], to: 'offboarded' },
} as const satisfies Record<string, { from: readonly PartnerStatus[]; to: PartnerStatus }>;

export type PartnerEvent = keyof typeof PARTNER_EVENTS;

/**
 * Whether a partner in this status may take a change of this kind: a live partner any; a
 * quarantined one only the re-apply that restores its approved state, and offboarding; one not
 * live yet only offboarding; an offboarded one none.
 */
export function mayTakeChange(status: PartnerStatus, kind: string): boolean {
  if (status === 'offboarded') return false;
  if (kind === 'offboard') return true;
  return status === 'live' || (status === 'quarantined' && kind === 'reapply');
}

/** The status `event` moves a partner in status `from` to, or null when the table does not allow it. */
export function nextStatus(from: PartnerStatus, event: PartnerEvent): PartnerStatus | null {
  const move = PARTNER_EVENTS[event];
  return (move.from as readonly PartnerStatus[]).includes(from) ? move.to : null;
}
