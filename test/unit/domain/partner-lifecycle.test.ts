import { describe, expect, it } from 'vitest';
import { mayTakeChange, nextStatus, PARTNER_EVENTS, type PartnerEvent } from '../../../src/domain/partner-lifecycle.js';
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
  ['live', 'quarantined', 'quarantined'],
  ['quarantined', 'released', 'live'],
  ...[...UNTIL_LIVE, 'live' as const, 'quarantined' as const].map((s): [PartnerStatus, PartnerEvent, PartnerStatus] => [s, 'offboarded', 'offboarded']),
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
    ['verifying', 'quarantined'], ['quarantined', 'verified'], ['offboarded', 'released'], ['live', 'released'],
  ] as [PartnerStatus, PartnerEvent][])('when a %s partner gets %s, then the move is refused', (from, event) => {
    expect(nextStatus(from, event)).toBeNull();
  });

  it.each([
    ['live', 'edit', true], ['live', 'reapply', true], ['live', 'offboard', true],
    ['quarantined', 'reapply', true], ['quarantined', 'offboard', true], ['quarantined', 'edit', false], ['quarantined', 'ssh-keys', false], ['quarantined', 'external-id', false],
    ['verify_failed', 'offboard', true], ['verify_failed', 'edit', false], ['offboarded', 'offboard', false], ['offboarded', 'reapply', false],
  ] as [PartnerStatus, string, boolean][])('when a %s partner is asked a %s change, then it may take it: %s', (status, kind, may) => {
    expect(mayTakeChange(status, kind)).toBe(may);
  });
});
