import { describe, expect, it } from 'vitest';
import { editPartner, type PartnerEditSubmission } from '../../../../src/actions/lifecycle/edit-partner.js';
import type { PartnerRecord } from '../../../../src/domain/partner.js';
import { ChangeRequestStore } from '../../../../src/store/change-requests.js';
import { PartnerStore } from '../../../../src/store/partners.js';
import { auditRecorder, notifyRecorder, partnerRecord, useCaseDeps } from '../../../support/ports.js';
import { testSeals } from '../../../support/seals.js';
import { redisPerTest } from '../../../support/redis-per-test.js';

const db = redisPerTest('edit');

const acme = partnerRecord({ feeds: ['price-lists', 'parts-catalogs'] });

async function setUp(partner: PartnerRecord = acme) {
  const [partners, changes, notify, audit] = [new PartnerStore(db.redis, db.prefix), new ChangeRequestStore(db.redis, db.prefix, testSeals), notifyRecorder(), auditRecorder()];
  await partners.save(partner);
  const deps = {
    ...useCaseDeps(), partners, changes, notify: notify.notify, audit: audit.audit, approvalReaction: 'white_check_mark', requestTtlHours: 72,
    feeds: ['price-lists', 'parts-catalogs', 'compliance'],
  };
  const edit = (s: Partial<PartnerEditSubmission>) => editPartner(deps, { partnerId: 'acme', feeds: acme.feeds, contactEmail: acme.contactEmail, requestedBy: 'UREQ', ...s });
  return { edit, partners, changes, sent: notify.sent, audits: audit.records };
}

describe('editPartner', () => {
  it('when feeds are removed and the contact changes, then nothing applies at once: one edit change awaits an approver in the thread', async () => {
    const { edit, partners, changes, sent, audits } = await setUp();
    const result = await edit({ feeds: ['parts-catalogs'], contactEmail: 'ops@acme.example' });
    const open = await changes.openChange('acme', 'edit');
    expect(result).toMatchObject({ ok: true, change: { id: open, requestedBy: 'UREQ', status: 'pending' } });
    expect((await changes.get(open!))?.spec).toEqual({ kind: 'edit', addFeeds: [], removeFeeds: ['price-lists'], contactEmail: 'ops@acme.example' });
    expect(await partners.get('acme')).toEqual(acme);
    expect(await partners.subscribers('price-lists')).toEqual(['acme']);
    expect(audits.map((a) => [a.type, a.details])).toEqual([
      ['change.requested', { kind: 'edit', spec: { addFeeds: [], removeFeeds: ['price-lists'], contactEmail: 'ops@acme.example' } }],
    ]);
    expect(sent).toEqual([expect.objectContaining({ ref: `chg:${open}`, thread: { ref: acme.threadRef } })]);
    const card = JSON.stringify(sent[0]);
    expect(card).toContain('stops receiving `price-lists`');
    expect(card).toContain('contact becomes ops@acme.example');
  });

  it('when a feed is added and another removed, then one edit change carries both, and the registry is unchanged', async () => {
    const { edit, partners, changes } = await setUp();
    expect(await edit({ feeds: ['parts-catalogs', 'compliance'] })).toMatchObject({ ok: true });
    expect(await partners.get('acme')).toEqual(acme);
    const open = await changes.openChange('acme', 'edit');
    expect((await changes.get(open!))?.spec).toEqual({ kind: 'edit', addFeeds: ['compliance'], removeFeeds: ['price-lists'], contactEmail: null });
  });

  it.each<[string, Partial<PartnerEditSubmission>, PartnerRecord, string[]]>([
    ['a feed is unknown and the e-mail is not one', { feeds: ['nope'], contactEmail: 'not-an-email' }, acme, ['feeds', 'contact_email']],
    ['nothing changed', {}, acme, ['feeds']],
    ['the partner is not live', { contactEmail: 'ops@acme.example' }, { ...acme, status: 'verifying' }, ['contact_email']],
  ])('when %s, then it is refused per field and nothing changes, is asked or notified', async (_what, submission, partner, fields) => {
    const { edit, partners, sent, audits } = await setUp(partner);
    const result = await edit(submission);
    expect(result.ok ? [] : Object.keys(result.errors)).toEqual(fields);
    expect(await partners.get('acme')).toEqual(partner);
    expect(await db.redis.keys(`${db.prefix}:chg*`)).toEqual([]);
    expect([sent, audits]).toEqual([[], []]);
  });

  it('when an edit is already awaiting approval, then a second one is refused and nothing more is asked', async () => {
    const { edit, partners, changes, sent } = await setUp();
    await edit({ feeds: [...acme.feeds, 'compliance'] });
    const result = await edit({ feeds: [...acme.feeds, 'compliance'], contactEmail: 'ops@acme.example' });
    expect(result).toMatchObject({ ok: false, errors: { feeds: expect.stringContaining(`(${await changes.openChange('acme', 'edit')})`) } });
    expect((await partners.get('acme'))?.contactEmail).toBe('files@acme.example');
    expect(sent).toHaveLength(1);
  });
});
