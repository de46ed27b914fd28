import { describe, expect, it } from 'vitest';
import { requestChange } from '../../../../src/actions/lifecycle/request-change.js';
import type { ChangeSpec } from '../../../../src/domain/requests.js';
import type { PartnerRecord } from '../../../../src/domain/partner.js';
import { ChangeRequestStore } from '../../../../src/store/change-requests.js';
import { PartnerStore } from '../../../../src/store/partners.js';
import { auditRecorder, notifyRecorder, partnerRecord, useCaseDeps } from '../../../support/ports.js';
import { testSeals } from '../../../support/seals.js';
import { redisPerTest } from '../../../support/redis-per-test.js';

const db = redisPerTest('chg');

async function setUp(partner: PartnerRecord | null = partnerRecord()) {
  const partners = new PartnerStore(db.redis, db.prefix);
  if (partner) await partners.save(partner);
  const [notify, audit, changes] = [notifyRecorder(), auditRecorder(), new ChangeRequestStore(db.redis, db.prefix, testSeals)];
  const deps = { ...useCaseDeps(), changes, partners, notify: notify.notify, audit: audit.audit, approvalReaction: 'white_check_mark', requestTtlHours: 72 };
  const ask = (spec: ChangeSpec, partnerId = 'acme') => requestChange(deps, { partnerId, requestedBy: 'UREQ', spec });
  return { ask, changes, notified: notify.calls, audits: audit.records };
}

const rotate: ChangeSpec = { kind: 'external-id', reason: 'leaked' };

describe('requestChange', () => {
  it('when a live partner gets a change, then it is stored pending until the TTL, its card is posted in the partner\'s thread and it is audited', async () => {
    const { ask, changes, notified, audits } = await setUp();
    const result = await ask(rotate);
    if (!result.ok) throw new Error(result.message);
    const change = result.change;
    expect(change).toMatchObject({ partnerId: 'acme', spec: rotate, status: 'pending', requestedAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-04T00:00:00.000Z' });
    expect(await changes.get(change.id)).toEqual(change);
    expect(await changes.openChange('acme', 'external-id')).toBe(change.id);
    expect(notified).toEqual([[expect.objectContaining({
      op: 'post', channel: 'C0APPROVALS', thread: { ref: partnerRecord().threadRef }, ref: `chg:${change.id}`, priority: 'approval',
      text: 'Awaiting approval: Rotate the ExternalId of the partner role for acme from <@UREQ>',
    })]]);
    expect(audits).toEqual([{ type: 'change.requested', partnerId: 'acme', requestId: change.id, actor: 'UREQ', details: { kind: 'external-id', spec: { reason: 'leaked' } } }]);
  });

  it('when the partner is not live (but not offboarded), then it can still be offboarded', async () => {
    const { ask } = await setUp(partnerRecord({ status: 'provision_failed' }));
    expect((await ask({ kind: 'offboard', prefix: 'keep', reason: '' })).ok).toBe(true);
  });

  it.each<[string, string, PartnerRecord | null, ChangeSpec, string]>([
    ['the partner id is not valid', 'ACME', partnerRecord(), rotate, 'invalid_partner_id'],
    ['there is no such partner', 'acme', null, rotate, 'unknown_partner'],
    ['the partner is offboarded', 'acme', partnerRecord({ status: 'offboarded' }), { kind: 'offboard', prefix: 'keep', reason: '' }, 'offboarded'],
    ['the partner is not live', 'acme', partnerRecord({ status: 'verifying' }), rotate, 'not_live'],
    ['an ExternalId is rotated for an SFTP-only partner', 'acme', partnerRecord({ accountId: null }), rotate, 'no_account'],
    ['a key change adds and removes nothing', 'acme', partnerRecord(), { kind: 'ssh-keys', add: [], remove: [] }, 'no_change'],
    ['an edit changes nothing', 'acme', partnerRecord(), { kind: 'edit', addFeeds: [], removeFeeds: [], contactEmail: null }, 'no_change'],
  ])('when %s, then it is refused and audited, and nothing is stored or notified', async (_what, partnerId, partner, spec, code) => {
    const { ask, notified, audits } = await setUp(partner);
    expect(await ask(spec, partnerId)).toMatchObject({ ok: false, code });
    expect(await db.redis.keys(`${db.prefix}:chg*`)).toEqual([]);
    expect(notified).toEqual([]);
    expect(audits).toEqual([expect.objectContaining({ type: 'change.refused', actor: 'UREQ', details: { kind: spec.kind, code } })]);
  });

  it('when a change of the same kind is already open, then it is refused naming that one; a change of another kind is not', async () => {
    const { ask, notified, audits } = await setUp();
    const first = await ask(rotate);
    if (!first.ok) throw new Error(first.message);
    expect(await ask({ kind: 'external-id', reason: 'again' })).toMatchObject({ ok: false, code: 'already_open', message: expect.stringContaining(first.change.id) });
    expect(audits[1]).toMatchObject({ type: 'change.refused', details: { code: 'already_open', open: first.change.id } });
    expect(notified).toHaveLength(1);
    expect((await ask({ kind: 'edit', addFeeds: ['compliance'], removeFeeds: [], contactEmail: null })).ok).toBe(true);
  });
});
