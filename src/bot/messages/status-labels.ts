/**
 * How a partner's status is shown, in one place: `short` where partners are listed (the App Home,
 * its status filter), `long` where one partner is described (/partner-status). Pure.
 */
import type { PartnerStatus } from '../../domain/partner.js';

export const STATUS_LABELS: Readonly<Record<'short' | 'long', Readonly<Record<PartnerStatus, string>>>> = {
  short: {
    live: ':large_green_circle: live', quarantined: ':red_circle: quarantined', provisioning: ':hourglass: provisioning',
    provision_failed: ':x: provisioning failed', verifying: ':hourglass: verifying', verify_failed: ':x: verification failed', offboarded: 'offboarded',
  },
  long: {
    provisioning: ':hourglass_flowing_sand: provisioning',
    provision_failed: ':x: provisioning failed',
    verifying: ':mag: verifying',
    verify_failed: ':x: verification failed',
    live: ':large_green_circle: LIVE',
    quarantined: ':rotating_light: QUARANTINED (access wider than approved; deliveries parked)',
    offboarded: ':no_entry: offboarded',
  },
};
