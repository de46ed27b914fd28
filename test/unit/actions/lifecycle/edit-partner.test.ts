import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { editPartner, type PartnerEditSubmission } from '../../../../src/actions/lifecycle/edit-partner.js';
import type { PartnerRecord } from '../../../../src/domain/partner.js';
import { ChangeRequestStore } from '../../../../src/store/change-requests.js';
import { PartnerStore } from '../../../../src/store/partners.js';
import { testPrefix } from '../../../../tools/local/env.js';
import { createTestRedis, deleteKeysUnder } from '../../../../tools/local/redis.js';
import { auditRecorder, notifyRecorder, partnerRecord, useCaseDeps } from '../../../support/ports.js';
import { testSeals } from '../../../support/seals.js';

let redis: Redis;
let prefix: string;
beforeEach(() => {
  redis = createTestRedis();
  prefix = testPrefix('edit');
});
afterEach(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

const acme = partnerRecord({ feeds: ['price-lists', 'parts-catalogs'] });

async function setUp(partner: PartnerRecord = acme) {
  const [partners, changes, notify, audit] = [new PartnerStore(redis, prefix), new ChangeRequestStore(redis, prefix, testSeals), notifyRecorder(), auditRecorder()];
  await partners.save(partner);
  const deps = {
    ...useCaseDeps(), partners, changes, notify: notify.notify, audit: audit.audit, approvalReaction: 'white_check_mark', requestTtlHours: 72,
    feeds: ['price-lists', 'parts-catalogs', 'compliance'],
  };
  const edit = (s: Partial<PartnerEditSubmission>) => editPartner(deps, { partnerId: 'acme', feeds: acme.feeds, contactEmail: acme.contactEmail, requestedBy: 'UREQ', ...s });
  return { edit, partners, changes, sent: notify.sent, audits: audit.records };
}

describe('editPartner', () => {
  it('when feeds are removed and the contact changes, then both apply at once, each is audited and the thread is told', async () => {
    const { edit, partners, changes, sent, audits } = await setUp();
    const result = await edit({ feeds: ['parts-catalogs'], contactEmail: 'ops@acme.example' });
    expect(result).toEqual({ ok: true, applied: ['stopped `price-lists`', 'contact files@acme.example → ops@acme.example'], pendingApproval: [] });
    expect(await partners.get('acme')).toMatchObject({ feeds: ['parts-catalogs'], contactEmail: 'ops@acme.example', updatedAt: '2030-01-01T00:00:00.000Z' });
    expect(await partners.subscribers('price-lists')).toEqual([]);
    expect(audits.map((a) => [a.type, a.details])).toEqual([
      ['partner.changed', { field: 'feeds', removed: ['price-lists'] }],
      ['partner.changed', { field: 'contactEmail', from: 'files@acme.example', to: 'ops@acme.example' }],
    ]);
    expect(sent).toEqual([expect.objectContaining({ op: 'post', thread: { ref: acme.threadRef }, text: expect.stringContaining('<@UREQ> changed `acme`: stopped `price-lists`') })]);
    expect(await changes.openChange('acme', 'add-feeds')).toBeNull();
  });

  it('when a feed is added, then the registry is unchanged and an add-feeds change awaits approval in the thread', async () => {
    const { edit, partners, changes, sent } = await setUp();
    const result = await edit({ feeds: ['price-lists', 'parts-catalogs', 'compliance'] });
    expect(result).toEqual({ ok: true, applied: [], pendingApproval: ['compliance'] });
    expect(await partners.get('acme')).toEqual(acme);
    const open = await changes.openChange('acme', 'add-feeds');
    expect((await changes.get(open!))?.spec).toEqual({ kind: 'add-feeds', feeds: ['compliance'] });
    expect(sent).toEqual([expect.objectContaining({ ref: `chg:${open}`, thread: { ref: acme.threadRef } })]);
  });

  it('when a feed is removed and another added, then the removal applies and the thread says the addition awaits approval', async () => {
    const { edit, partners, sent } = await setUp();
    expect(await edit({ feeds: ['parts-catalogs', 'compliance'] })).toMatchObject({ ok: true, pendingApproval: ['compliance'] });
    expect((await partners.get('acme'))?.feeds).toEqual(['parts-catalogs']);
    expect(sent.map((m) => m.text)).toEqual([expect.stringContaining('Add feed compliance'), expect.stringContaining('Adding `compliance` awaits approval')]);
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
    expect(await redis.keys(`${prefix}:chg*`)).toEqual([]);
    expect([sent, audits]).toEqual([[], []]);
  });

  it('when adding feeds is already awaiting approval, then the whole edit is refused, the contact change included', async () => {
    const { edit, partners, changes, sent } = await setUp();
    await edit({ feeds: [...acme.feeds, 'compliance'] });
    const result = await edit({ feeds: [...acme.feeds, 'compliance'], contactEmail: 'ops@acme.example' });
    expect(result).toMatchObject({ ok: false, errors: { feeds: expect.stringContaining(`(${await changes.openChange('acme', 'add-feeds')})`) } });
    expect((await partners.get('acme'))?.contactEmail).toBe('files@acme.example');
    expect(sent).toHaveLength(1);
  });
});
