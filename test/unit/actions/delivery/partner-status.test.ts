import { describe, expect, it } from 'vitest';
import { partnerStatus } from '../../../../src/actions/delivery/partner-status.js';
import { buildPartnerStatus } from '../../../../src/bot/messages/partner-status.js';
import { ed25519PublicKey } from '../../../../tools/local/ssh-keys.js';
import { partnerRecord } from '../../../support/ports.js';

const oldKey = ed25519PublicKey().split(' ').slice(0, 2).join(' ');
const newKey = ed25519PublicKey().split(' ').slice(0, 2).join(' ');

const partner = partnerRecord({
  accountId: null, sshKeys: [oldKey, newKey], keyAddedAt: { [newKey]: '2026-11-01T00:00:00.000Z' }, provisionedAt: '2025-06-01T00:00:00.000Z',
});

describe('/partner-status', () => {
  it('when a key is older than KEY_MAX_AGE_DAYS, then the answer flags that key and only that one', async () => {
    const result = await partnerStatus(
      { partners: { get: async () => partner }, history: async () => [], keyAges: { clock: { now: () => new Date('2026-11-28T00:00:00Z') }, maxAgeDays: 365 } },
      { partnerId: 'acme' },
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.oldKeys.map((k) => k.normalized)).toEqual([oldKey]);
    const text = JSON.stringify(buildPartnerStatus(result.partner, result.deliveries, { old: result.oldKeys, maxAgeDays: 365 }).blocks);
    expect(text).toContain('1 SSH key older than 365 days');
    expect(text).toContain(result.oldKeys[0]!.fingerprint);
    expect(text).not.toContain(newKey.split(' ')[1]!);
  });

  it('when no key is old, then nothing is flagged', async () => {
    const result = await partnerStatus(
      { partners: { get: async () => partner }, history: async () => [], keyAges: { clock: { now: () => new Date('2025-07-01T00:00:00Z') }, maxAgeDays: 365 } },
      { partnerId: 'acme' },
    );
    expect(result.ok && result.oldKeys).toEqual([]);
  });

  it('when the reader may ask for changes, then a live partner shows the Edit button; when not, or when not live, it does not', () => {
    const edit = (p: typeof partner, mayRequest: boolean) => JSON.stringify(buildPartnerStatus(p, [], undefined, { mayRequest }).blocks).includes('"action_id":"partner_edit"');
    expect(edit(partner, true)).toBe(true);
    expect(edit(partner, false)).toBe(false);
    expect(edit({ ...partner, status: 'verifying' }, true)).toBe(false);
  });
});
