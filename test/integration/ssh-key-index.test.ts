/**
 * The SSH key index as the partner registry keeps it (src/store/partners.ts), on the real Redis:
 * keys registered with the record, changed, freed by offboarding; a key another partner holds
 * refuses the write; a request's claim turns into the registration; the rebuild re-indexes and
 * reports a key found on two partners instead of choosing one.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { PartnerStore } from '../../src/store/partners.js';
import { RequestStore } from '../../src/store/requests.js';
import { type PartnerRecord } from '../../src/domain/partner.js';
import { newRequestId } from '../../src/domain/requests.js';
import { fingerprintOf } from '../../src/domain/key-ages.js';
import { ConflictError } from '../../src/domain/errors.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { testSeals } from '../support/seals.js';
import { redisPerTest } from '../support/redis-per-test.js';

const db = redisPerTest();
let store: PartnerStore;
beforeEach(() => {
  store = new PartnerStore(db.redis, db.prefix);
});

const key = () => ed25519PublicKey().split(' ').slice(0, 2).join(' ');
const fp = (k: string) => fingerprintOf(k)!;
const index = () => db.redis.hgetall(`${db.prefix}:sshkeys`);
const partner = (partnerId: string, sshKeys: string[], o: Partial<PartnerRecord> = {}): PartnerRecord => ({
  partnerId, requestId: `req_${'a'.repeat(26)}`, displayName: partnerId, contactEmail: `ops@${partnerId}.example`, accountId: null,
  externalId: 'x'.repeat(32), feeds: ['price-lists'], sshKeys, status: 'live', steps: [], threadRef: 'card:t',
  channel: 'C0APPROVALS', approvedBy: 'U1', provisionedAt: null, verifiedAt: null, transferUserCreatedAt: null, dryRun: false,
  updatedAt: '2026-01-01T00:00:00.000Z', ...o,
});

describe('the SSH key index', () => {
  it('when a partner is saved, its keys change and it is offboarded, then the index registers, moves and — once its Transfer user is gone — frees its keys', async () => {
    const [k1, k2, k3] = [key(), key(), key()];
    await store.save(partner('acme', [k1, k2]));
    expect(await index()).toEqual({ [fp(k1)]: 'acme', [fp(k2)]: 'acme' });

    await store.update('acme', (r) => ({ ...r, sshKeys: [k2, `${k3} with-a-comment`] }));
    expect(await index()).toEqual({ [fp(k2)]: 'acme', [fp(k3)]: 'acme' });

    expect(await store.freeKeys('acme')).toBe(false); // live: nothing freed
    await store.apply('acme', 'offboarded', { updatedAt: '2026-01-02T00:00:00.000Z' });
    // Offboarded, but its Transfer user (which carries the keys) is not deleted yet: still held.
    expect(await index()).toEqual({ [fp(k2)]: 'acme', [fp(k3)]: 'acme' });
    expect(await store.reindexKeys({ transferUsers: new Set(['acme']) })).toEqual([]);
    expect(await index()).toEqual({ [fp(k2)]: 'acme', [fp(k3)]: 'acme' });
    expect(await store.freeKeys('acme')).toBe(true);
    expect(await index()).toEqual({});
    // Free means free: another partner may have them now.
    await store.save(partner('initech', [k2, k3]));
    expect(await index()).toEqual({ [fp(k2)]: 'initech', [fp(k3)]: 'initech' });
  });

  it('when a write adds a key another partner holds (with any comment), then it is refused with nothing written', async () => {
    const [k1, k2] = [key(), key()];
    await store.save(partner('acme', [k1]));
    await store.save(partner('initech', [k2]));

    await expect(store.save(partner('globex', [`${k1} someone-else`]))).rejects.toThrow(ConflictError);
    expect(await store.get('globex')).toBeNull();
    await expect(store.update('initech', (r) => ({ ...r, sshKeys: [...r.sshKeys, k1] }))).rejects.toMatchObject({
      code: 'ssh_key_in_use', message: expect.stringContaining(`\`${fp(k1)}\` is already registered to another partner (\`acme\`)`),
    });
    expect((await store.get('initech'))!.sshKeys).toEqual([k2]);
    expect(await index()).toEqual({ [fp(k1)]: 'acme', [fp(k2)]: 'initech' });
    // A write that keeps a key it already has is not refused, whoever else holds it (a conflict a rebuild reported).
    await db.redis.hset(`${db.prefix}:sshkeys`, fp(k2), '!conflict:acme,initech');
    await store.update('initech', (r) => ({ ...r, contactEmail: 'new@initech.example' }));
    expect(await store.keysHeldElsewhere('initech', [k2])).toMatchObject([{ fingerprint: fp(k2), heldBy: ['acme', 'initech'] }]);
  });

  it('when a request claims keys, then another partner is refused them, and provisioning its partner turns the claims into registrations', async () => {
    const requests = new RequestStore(db.redis, db.prefix, testSeals);
    const [k1, k2] = [key(), key()];
    const now = new Date('2026-01-01T00:00:00.000Z');
    const data = {
      id: newRequestId(), partnerId: 'acme', displayName: 'Acme', contactEmail: 'ops@acme.example', sshKeys: [k1, k2], accountId: null,
      externalId: 'x'.repeat(43), feeds: [], notes: '', requestedBy: 'U1', requestedAt: now.toISOString(), expiresAt: '2026-01-04T00:00:00.000Z',
      channel: 'C0APPROVALS', planHash: 'h',
    };
    expect((await requests.create(data)).ok).toBe(true);
    expect(await index()).toEqual({ [fp(k1)]: `acme:${data.id}`, [fp(k2)]: `acme:${data.id}` });
    expect(await store.keysHeldElsewhere('acme', [k1])).toEqual([]);
    expect(await store.keysHeldElsewhere('initech', [`${k1} other-comment`])).toMatchObject([{ fingerprint: fp(k1), heldBy: ['acme'], pending: true }]);
    expect(await requests.create({ ...data, id: newRequestId(), partnerId: 'initech', sshKeys: [key(), k2] })).toMatchObject({ ok: false, reason: 'ssh_key_in_use', fingerprint: fp(k2), holder: `acme:${data.id}` });
    expect(await db.redis.get(`${db.prefix}:pid:initech`)).toBeNull();

    await store.save(partner('acme', [k1, k2], { requestId: data.id, status: 'provisioning' }));
    expect(await index()).toEqual({ [fp(k1)]: 'acme', [fp(k2)]: 'acme' });
  });

  it('when the index is rebuilt, then every partner\'s keys are registered, stale entries go, claims stay, and a key on two partners is reported and registered to neither', async () => {
    const [shared, a, b, claimed, stale, gone] = [key(), key(), key(), key(), key(), key()];
    await store.save(partner('acme', [a]));
    await store.save(partner('initech', [b]));
    await store.save(partner('oldco', [gone], { status: 'offboarded' }));
    // As a lost or older registry could leave it: one key on two records, entries nobody backs.
    await db.redis.set(`${db.prefix}:partner:acme`, JSON.stringify(partner('acme', [a, shared])));
    await db.redis.set(`${db.prefix}:partner:initech`, JSON.stringify(partner('initech', [b, shared])));
    await db.redis.hset(`${db.prefix}:sshkeys`, fp(stale), 'acme', fp(claimed), `globex:${newRequestId()}`, fp(gone), 'oldco');
    await db.redis.hdel(`${db.prefix}:sshkeys`, fp(a));

    const conflicts = await store.reindexKeys();
    expect(conflicts).toEqual([{ fingerprint: fp(shared), type: 'ssh-ed25519', partnerIds: ['acme', 'initech'], how: 'registered' }]);
    const after = await index();
    expect(after).toEqual({
      [fp(a)]: 'acme', [fp(b)]: 'initech', [fp(shared)]: '!conflict:acme,initech', [fp(claimed)]: expect.stringMatching(/^globex:req_/),
    });
    // Nobody else may take the shared key; neither partner is blocked from writing its record.
    expect(await store.keysHeldElsewhere('globex', [shared])).toMatchObject([{ heldBy: ['acme', 'initech'] }]);
    await store.update('acme', (r) => ({ ...r, contactEmail: 'files@acme.example' }));
  });

  it('when a rebuild finds a registered key claimed by another partner\'s pending request, then the registration wins and the claim is reported', async () => {
    const k = key();
    await db.redis.hset(`${db.prefix}:sshkeys`, fp(k), `globex:${newRequestId()}`);
    await store.save(partner('acme', [k]), { heldKeys: 'leave' });
    expect(await store.reindexKeys()).toEqual([{ fingerprint: fp(k), type: 'ssh-ed25519', partnerIds: ['acme', 'globex'], how: 'claimed' }]);
    expect(await index()).toEqual({ [fp(k)]: 'acme' });
  });
});
