import { describe, expect, it } from 'vitest';
import { partnerKeysView, requestKeyChanges, type KeysSubmission } from '../../../../src/actions/lifecycle/partner-keys.js';
import { fingerprintOf } from '../../../../src/domain/key-ages.js';
import type { PartnerRecord } from '../../../../src/domain/partner.js';
import { ChangeRequestStore } from '../../../../src/store/change-requests.js';
import { PartnerStore } from '../../../../src/store/partners.js';
import { sshPublicKey } from '../../../support/provision-fixtures.js';
import { auditRecorder, notifyRecorder, partnerRecord, useCaseDeps } from '../../../support/ports.js';
import { testSeals } from '../../../support/seals.js';
import { redisPerTest } from '../../../support/redis-per-test.js';

const db = redisPerTest('keys');

const [held, other] = [sshPublicKey(), sshPublicKey()];
const fp = (key: string) => fingerprintOf(key)!;
const acme = partnerRecord({ sshKeys: [held] });
const sftpOnly = partnerRecord({ sshKeys: [held], accountId: null });

async function setUp(partner: PartnerRecord = acme) {
  const [partners, changes, notify, audit] = [new PartnerStore(db.redis, db.prefix), new ChangeRequestStore(db.redis, db.prefix, testSeals), notifyRecorder(), auditRecorder()];
  await partners.save(partner);
  const deps = {
    ...useCaseDeps(), partners, changes, notify: notify.notify, audit: audit.audit, approvalReaction: 'white_check_mark', requestTtlHours: 72, keyMaxAgeDays: 100,
  };
  const submit = (s: Partial<KeysSubmission>) => requestKeyChanges(deps, { partnerId: 'acme', addText: '', remove: [], rotate: false, reason: '', requestedBy: 'UREQ', ...s });
  return { deps, submit, changes, sent: notify.sent, audits: audit.records };
}

describe('/partner-keys', () => {
  it('when the partner is live, then the modal lists its keys with their age by the clock and offers rotation for a role', async () => {
    const { deps } = await setUp();
    expect(await partnerKeysView(deps, ' acme ')).toEqual({
      ok: true,
      view: {
        partnerId: 'acme', displayName: 'Acme', hasRole: true, maxAgeDays: 100,
        keys: [{ normalized: held, type: 'ssh-ed25519', fingerprint: fp(held), addedAt: acme.provisionedAt, ageDays: 214, old: true }],
      },
    });
  });

  it.each([['', 'Usage'], ['nobody', 'no partner'], ['acme', 'offboarded']])('when the modal is asked for "%s", then it is refused (%s)', async (id, says) => {
    const { deps } = await setUp({ ...acme, status: 'offboarded' });
    expect(await partnerKeysView(deps, id)).toEqual({ ok: false, message: expect.stringContaining(says) });
  });

  it('when a key is added, one removed and the ExternalId rotated, then two changes await approval, each stored, carded in the thread and audited', async () => {
    const { submit, changes, sent, audits } = await setUp();
    const result = await submit({ addText: other, remove: [fp(held)], rotate: true, reason: 'yearly' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.changes.map((c) => c.spec)).toEqual([{ kind: 'ssh-keys', add: [other], remove: [fp(held)] }, { kind: 'external-id', reason: 'yearly' }]);
    for (const c of result.changes) expect(await changes.openChange('acme', c.spec.kind)).toBe(c.id);
    expect(sent).toEqual(result.changes.map((c) => expect.objectContaining({ ref: `chg:${c.id}` })));
    expect(audits.map((a) => a.type)).toEqual(['change.requested', 'change.requested']);
  });

  it.each<[string, Partial<KeysSubmission>, PartnerRecord, Record<string, unknown>]>([
    ['nothing is asked', {}, acme, { add_keys: expect.stringContaining('Add or remove a key') }],
    ['the added text is not a public key', { addText: 'hello' }, acme, { add_keys: expect.any(String) }],
    ['the added key is one the partner has', { addText: held }, acme, { add_keys: expect.stringContaining(fp(held)) }],
    ['a removed fingerprint is not the partner\'s', { remove: [fp(other)] }, acme, { remove_keys: expect.stringContaining(fp(other)) }],
    ['it removes the last key of an SFTP-only partner', { remove: [fp(held)] }, sftpOnly, { remove_keys: expect.stringContaining('last key') }],
    ['keys are added to a partner without SFTP user', { addText: other }, { ...acme, sshKeys: [] }, { add_keys: expect.stringContaining('no SFTP user') }],
    ['it makes more than 10 keys', { addText: other }, { ...acme, sshKeys: Array.from({ length: 10 }, sshPublicKey) }, { add_keys: expect.stringContaining('11 keys') }],
    ['the partner is not live', { addText: other }, { ...acme, status: 'verify_failed' }, { add_keys: expect.stringContaining('not live') }],
    ['the ExternalId of an SFTP-only partner is rotated', { rotate: true }, sftpOnly, { rotate_external_id: expect.stringContaining('no AWS account') }],
  ])('when %s, then it is refused per field and nothing is stored or notified', async (_what, submission, partner, errors) => {
    const { submit, sent } = await setUp(partner);
    expect(await submit(submission)).toEqual({ ok: false, errors });
    expect(await db.redis.keys(`${db.prefix}:chg*`)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('when a change of either kind is already open, then a second one is refused on its field', async () => {
    const { submit, sent } = await setUp();
    await submit({ addText: other, rotate: true });
    expect(await submit({ remove: [fp(held)], rotate: true })).toEqual({
      ok: false, errors: {
        add_keys: expect.stringMatching(/^A change of SSH keys is already awaiting approval .*: ask an approver to decide it/),
        rotate_external_id: expect.stringMatching(/^A change of the ExternalId is already awaiting approval .*: ask an approver to decide it/),
      },
    });
    expect(sent).toHaveLength(2);
  });
});
