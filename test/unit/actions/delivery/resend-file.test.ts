import { describe, expect, it } from 'vitest';
import { resendFailedDelivery, resendFile, type ResendInput } from '../../../../src/actions/delivery/resend-file.js';
import type { DeliverPayload } from '../../../../src/actions/delivery/contract.js';
import type { PartnerRecord } from '../../../../src/domain/partner.js';
import { auditRecorder, enqueueRecorder, fixedApprovers, partnerRecord, useCaseDeps } from '../../../support/ports.js';

const FILES = ['outbound/acme/reports/jan.csv', 'outbound/acme/a/dup.csv', 'outbound/acme/b/dup.csv', 'outbound/feeds/price-lists/2030.csv', 'outbound/feeds/compliance/policy.pdf'];
const WRITTEN = new Date('2029-12-31T00:00:00.000Z');
const FAILED = 'f'.repeat(40);

function setUp(partner: PartnerRecord = partnerRecord()) {
  const [audit, queued] = [auditRecorder(), enqueueRecorder<[DeliverPayload]>()];
  const deps = {
    ...useCaseDeps(), approvers: fixedApprovers('UAPP'), resenders: ['URESENDER'], audit: audit.audit, queueResend: queued.enqueue,
    partners: { get: async (id: string) => (id === partner.partnerId ? partner : null) },
    routing: { outboundPrefix: 'outbound/', feeds: ['price-lists', 'compliance'] },
    files: {
      latest: async (key: string) => (FILES.includes(key) ? { key, versionId: 'v7', etag: '"e7"', size: 3, lastModified: WRITTEN } : null),
      async *list(prefix: string) {
        for (const key of FILES.filter((k) => k.startsWith(prefix))) yield { key, etag: '"e7"', size: 3, lastModified: WRITTEN };
      },
    },
    failure: async (token: string) => (token === FAILED ? { partnerId: 'acme', key: 'outbound/acme/reports/jan.csv' } : null),
  };
  const resend = (input: Partial<ResendInput>) => resendFile(deps, { partnerId: 'acme', file: 'reports/jan.csv', actor: 'UAPP', ...input });
  return { deps, resend, queued: queued.calls, audits: audit.records };
}

const jan = { key: 'outbound/acme/reports/jan.csv', targetKey: 'partners/acme/reports/jan.csv', route: 'partner' };

describe('/resend-file', () => {
  it.each([
    ['an approver names the outbound key', 'UAPP', 'outbound/acme/reports/jan.csv', jan],
    ['a re-sender names a path in the partner\'s home', 'URESENDER', '/reports/jan.csv', jan],
    ['the home path is given whole', 'UAPP', 'partners/acme/reports/jan.csv', jan],
    ['only the file name is given', 'UAPP', 'jan.csv', jan],
    ['a file of a feed it receives is named', 'UAPP', 'feeds/price-lists/2030.csv',
      { key: 'outbound/feeds/price-lists/2030.csv', targetKey: 'partners/acme/feeds/price-lists/2030.csv', route: 'feed', feed: 'price-lists' }],
  ])('when %s, then its latest version is queued as a forced delivery and audited', async (_what, actor, file, target) => {
    const { resend, queued, audits } = setUp();
    expect(await resend({ actor, file })).toMatchObject({ ok: true, key: target.key, versionId: 'v7', targetKey: target.targetKey, message: expect.stringContaining('<#C0APPROVALS>') });
    expect(queued).toEqual([[{ ...target, partnerId: 'acme', versionId: 'v7', etag: '"e7"', lastModified: WRITTEN.toISOString(), origin: 'resend', forcedBy: actor }]]);
    expect(audits).toEqual([{ type: 'delivery.resent', partnerId: 'acme', actor, details: { key: target.key, versionId: 'v7', targetKey: target.targetKey, asked: file } }]);
  });

  it.each<[string, Partial<ResendInput>, PartnerRecord | undefined, string, string[]?]>([
    ['no file is named', { file: ' ' }, undefined, 'bad_input'],
    ['the partner id is not one', { partnerId: 'ACME' }, undefined, 'bad_input'],
    ['the file name climbs out of the folder', { file: 'reports/../../other/x.csv' }, undefined, 'bad_input'],
    ['there is no such partner', { partnerId: 'nobody' }, undefined, 'unknown_partner'],
    ['the partner is not live yet', {}, partnerRecord({ status: 'verifying' }), 'not_live'],
    ['the partner was offboarded', {}, partnerRecord({ status: 'offboarded' }), 'not_live'],
    ['the file is in a feed it does not receive', { file: 'feeds/compliance/policy.pdf' }, undefined, 'not_found'],
    ['the file is another partner\'s', { file: 'partners/other/reports/jan.csv' }, undefined, 'not_found'],
    ['the name matches two files', { file: 'dup.csv' }, undefined, 'ambiguous', ['outbound/acme/a/dup.csv', 'outbound/acme/b/dup.csv']],
  ])('when %s, then it is refused, audited, and nothing is queued', async (_what, input, partner, code, candidates) => {
    const { resend, queued, audits } = setUp(partner);
    expect(await resend(input)).toMatchObject({ ok: false, code, ...(candidates ? { candidates } : {}) });
    expect(queued).toEqual([]);
    expect(audits).toEqual([expect.objectContaining({ type: 'delivery.resend-refused', actor: input.actor ?? 'UAPP', details: expect.objectContaining({ refusal: code }) })]);
  });

  it('when the file is not found, then the answer lists some of the partner\'s files', async () => {
    const { resend } = setUp();
    expect(await resend({ file: 'feb.csv' })).toMatchObject({ ok: false, code: 'not_found', candidates: FILES.slice(0, 4) });
  });
});

describe('the Resend button of a failed delivery', () => {
  it('when the failure is known, then that file is re-sent to that partner as by /resend-file', async () => {
    const { deps, queued } = setUp();
    expect(await resendFailedDelivery(deps, { token: FAILED, actor: 'URESENDER' })).toMatchObject({ ok: true, key: jan.key });
    expect(queued).toEqual([[expect.objectContaining({ ...jan, partnerId: 'acme', forcedBy: 'URESENDER' })]]);
  });

  it.each([
    ['the failure is forgotten', 'e'.repeat(40), 'UAPP', 'expired'],
    ['the button carries no token', 'acme', 'UAPP', 'expired'],
  ])('when %s, then it is refused and nothing is queued', async (_what, token, actor, code) => {
    const { deps, queued } = setUp();
    expect(await resendFailedDelivery(deps, { token, actor })).toMatchObject({ ok: false, code });
    expect(queued).toEqual([]);
  });
});
