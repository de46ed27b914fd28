import { describe, expect, it } from 'vitest';
import { nextStatus, PARTNER_EVENTS, type PartnerEvent } from '../../../src/domain/partner-lifecycle.js';
import type { PartnerStatus } from '../../../src/domain/partner.js';

const UNTIL_LIVE: PartnerStatus[] = ['provisioning', 'provision_failed', 'verifying', 'verify_failed'];
const ALLOWED: [PartnerStatus, PartnerEvent, PartnerStatus][] = [
  ...UNTIL_LIVE.map((s): [PartnerStatus, PartnerEvent, PartnerStatus] => [s, 'provision-started', 'provisioning']),
  ['provisioning', 'provisioned', 'verifying'],
  ['provisioning', 'provision-failed', 'provision_failed'],
  ['provision_failed', 'retry-provision', 'provisioning'],
  ['verifying', 'verified', 'live'],
  ['verifying', 'verify-failed', 'verify_failed'],
  ['verify_failed', 'retry-verify', 'verifying'],
  ...[...UNTIL_LIVE, 'live' as const].map((s): [PartnerStatus, PartnerEvent, PartnerStatus] => [s, 'offboarded', 'offboarded']),
];

describe('partner lifecycle', () => {
  it.each(ALLOWED)('when a %s partner gets %s, then it is %s', (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });

  it('the table allows those moves and no other', () => {
    const moves = Object.entries(PARTNER_EVENTS).flatMap(([event, m]) => m.from.map((from) => [from, event, m.to]));
    expect(moves.sort()).toEqual([...ALLOWED].sort());
  });

  it.each([
    ['offboarded', 'verified'], ['offboarded', 'provision-started'], ['offboarded', 'offboarded'], ['live', 'provision-started'],
    ['live', 'verify-failed'], ['provisioning', 'verified'], ['verifying', 'retry-provision'], ['provision_failed', 'retry-verify'],
  ] as [PartnerStatus, PartnerEvent][])('when a %s partner gets %s, then the move is refused', (from, event) => {
    expect(nextStatus(from, event)).toBeNull();
  });
});
