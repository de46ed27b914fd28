/**
 * The partner registry under concurrency, on one shared connection as the processes use it: every
 * update lands (compare-and-set, not WATCH, which one caller's EXEC clears for all), the indexes
 * follow, and a lifecycle event never moves a status the lifecycle table does not allow.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { PartnerStore } from '../../src/store/partners.js';
import { type PartnerRecord } from '../../src/domain/partner.js';
import { redisPerTest } from '../support/redis-per-test.js';

const db = redisPerTest();
let store: PartnerStore;
beforeEach(() => {
  store = new PartnerStore(db.redis, db.prefix);
});

const partner = (o: Partial<PartnerRecord> = {}): PartnerRecord => ({
  partnerId: 'acme', requestId: `req_${'a'.repeat(26)}`, displayName: 'Acme', contactEmail: 'ops@acme.example', accountId: null,
  externalId: 'x'.repeat(32), feeds: ['price-lists'], sshKeys: ['ssh-ed25519 AAAA old'], status: 'live', steps: [], threadRef: 'card:t',
  channel: 'C0APPROVALS', approvedBy: 'U1', provisionedAt: null, verifiedAt: null, transferUserCreatedAt: null, dryRun: false,
  updatedAt: '2026-01-01T00:00:00.000Z', ...o,
});

describe('partner registry', () => {
  it('when many updates of one partner race on one connection, then none is lost', async () => {
    await store.save(partner());
    const keys = Array.from({ length: 40 }, (_, i) => `ssh-ed25519 AAAA key-${i}`);
    await Promise.all([
      ...keys.map((k) => store.update('acme', (r) => ({ ...r, sshKeys: [...r.sshKeys, k] }))),
      store.update('acme', (r) => ({ ...r, externalId: 'y'.repeat(32) })),
      store.update('acme', (r) => ({ ...r, contactEmail: 'files@acme.example' })),
    ]);
    const after = (await store.get('acme'))!;
    expect([...after.sshKeys].sort()).toEqual(['ssh-ed25519 AAAA old', ...keys].sort());
    expect(after.externalId).toBe('y'.repeat(32));
    expect(after.contactEmail).toBe('files@acme.example');
  });

  it('when offboarding races a contact edit, then the partner ends offboarded and out of the live and feed sets', async () => {
    await store.save(partner());
    await Promise.all([
      store.apply('acme', 'offboarded', { updatedAt: '2026-01-02T00:00:00.000Z' }),
      store.update('acme', (r) => ({ ...r, contactEmail: 'new@acme.example' })),
    ]);
    expect(await store.get('acme')).toMatchObject({ status: 'offboarded', contactEmail: 'new@acme.example' });
    expect(await store.liveIds()).toEqual([]);
    expect(await store.subscribers('price-lists')).toEqual([]);
  });

  it('when a feed is dropped, then the partner leaves that feed\'s subscribers and stays in the others', async () => {
    await store.save(partner({ feeds: ['price-lists', 'compliance'] }));
    await store.update('acme', (r) => ({ ...r, feeds: ['compliance'] }));
    expect(await store.subscribers('price-lists')).toEqual([]);
    expect(await store.subscribers('compliance')).toEqual(['acme']);
  });

  it('when a lifecycle event is not allowed from the partner\'s status, then it writes nothing and says so', async () => {
    await store.save(partner({ status: 'offboarded' }));
    expect(await store.apply('acme', 'verified', { updatedAt: '2026-01-02T00:00:00.000Z' })).toBeNull();
    expect(await store.get('acme')).toMatchObject({ status: 'offboarded' });
    expect(await store.liveIds()).toEqual([]);

    await store.save(partner({ status: 'verifying' }));
    expect(await store.apply('acme', 'verified', { updatedAt: '2026-01-02T00:00:00.000Z' })).toMatchObject({ status: 'live' });
    expect(await store.liveIds()).toEqual(['acme']);
    expect(await store.apply('nobody', 'verified', { updatedAt: '2026-01-02T00:00:00.000Z' })).toBeNull();
  });

  it('when an event is applied, then its patch is written with the status; an update cannot change the status', async () => {
    await store.save(partner({ status: 'provisioning' }));
    expect(await store.apply('acme', 'provisioned', (r) => ({ provisionedAt: r.provisionedAt ?? 'then', updatedAt: 'now' }))).toMatchObject({ status: 'verifying', provisionedAt: 'then' });
    await expect(store.update('acme', (r) => ({ ...r, status: 'live' }))).rejects.toMatchObject({ code: 'STATUS_BY_EVENT' });
    expect(await store.get('acme')).toMatchObject({ status: 'verifying', updatedAt: 'now' });
    expect(await store.apply('acme', 'retry-provision', { updatedAt: 'later' })).toBeNull();
  });
  it('when the live records are read at once, then they come in id order, live ones only, beyond one MGET of 1,000', async () => {
    const ids = Array.from({ length: 1_005 }, (_, i) => `p${String(i).padStart(4, '0')}`);
    for (const id of [...ids].reverse()) await store.save(partner({ partnerId: id, sshKeys: [`ssh-ed25519 AAAA ${id}`] }));
    await store.save(partner({ partnerId: 'pending1', status: 'provisioning', sshKeys: [] }));
    await store.apply('p0003', 'offboarded', { updatedAt: '2026-01-02T00:00:00.000Z' });
    const live = await store.liveRecords();
    expect(live.map((p) => p.partnerId)).toEqual(ids.filter((id) => id !== 'p0003'));
    expect(live.every((p) => p.status === 'live')).toBe(true);
    expect(live[1_003]).toEqual(await store.get('p1004'));
  });
});
