import { describe, expect, it } from 'vitest';
import { requestOnboarding } from '../../../../src/actions/onboarding/request-onboarding.js';
import { createPlanRenderer } from '../../../../src/actions/onboarding/plan.js';
import type { OnboardingRaw } from '../../../../src/domain/onboarding-input.js';
import { RequestStore, type CapacityLimits } from '../../../../src/store/requests.js';
import { testPlatform } from '../../../support/iam-fixtures.js';
import { sshPublicKey } from '../../../support/provision-fixtures.js';
import { auditRecorder, notifyRecorder, SFTP_ENDPOINT, useCaseDeps } from '../../../support/ports.js';
import type { SftpEndpoint } from '../../../../src/domain/access.js';
import { testSeals } from '../../../support/seals.js';
import { redisPerTest } from '../../../support/redis-per-test.js';

const db = redisPerTest('onb');

const platform = testPlatform();
const renderPlan = createPlanRenderer(platform);
const key = sshPublicKey();
const raw = (over: OnboardingRaw = {}): OnboardingRaw => ({
  displayName: 'Acme Ltd', partnerId: 'acme', contactEmail: 'files@acme.example', sshKeys: key, accountId: '444455556666', feeds: ['price-lists'], notes: null, ...over,
});

function setUp(limits?: CapacityLimits, sftpEndpoint: SftpEndpoint = SFTP_ENDPOINT) {
  const [store, notify, audit] = [new RequestStore(db.redis, db.prefix, testSeals, limits), notifyRecorder(), auditRecorder()];
  const deps = {
    ...useCaseDeps(), store, notify: notify.notify, audit: audit.audit, renderPlan, approvalsChannel: 'C0APPROVALS', approvalReaction: 'white_check_mark',
    enterpriseAccountId: platform.accountId, feeds: platform.feeds, requestTtlHours: 72, sftpEndpoint,
  };
  const submit = (over?: OnboardingRaw) => requestOnboarding(deps, { raw: raw(over), requestedBy: 'UREQ' });
  return { submit, store, notified: notify.calls, audits: audit.records };
}

describe('requestOnboarding', () => {
  it('when every field is valid, then the request is stored pending with its id reserved, its card and plan thread are queued in one call, and it is audited', async () => {
    const { submit, store, notified, audits } = setUp();
    const result = await submit();
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const r = result.request;
    expect(r).toMatchObject({
      partnerId: 'acme', sshKeys: [key], accountId: '444455556666', feeds: ['price-lists'], requestedBy: 'UREQ', status: 'pending', decision: null,
      requestedAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-04T00:00:00.000Z', channel: 'C0APPROVALS', planHash: renderPlan(r).hash,
    });
    expect(r.externalId).toMatch(/^[\w-]{43}$/);
    expect(await store.get(r.id)).toEqual(r);
    expect(await store.partnerIdHolder('acme')).toBe(r.id);
    expect(notified).toHaveLength(1);
    const [card, ...thread] = notified[0]!;
    expect(card).toMatchObject({ op: 'post', channel: 'C0APPROVALS', ref: `card:${r.id}`, priority: 'approval' });
    expect(thread.length).toBeGreaterThan(0);
    for (const m of thread) expect(m).toMatchObject({ op: 'post', channel: 'C0APPROVALS', thread: { ref: `card:${r.id}` }, priority: 'approval' });
    expect(audits).toEqual([{
      type: 'request.submitted', partnerId: 'acme', requestId: r.id, actor: 'UREQ',
      details: { displayName: 'Acme Ltd', accountId: '444455556666', sshKeyCount: 1, feeds: ['price-lists'], planHash: r.planHash },
    }]);
  });

  it.each<[string, OnboardingRaw, string[], object]>([
    ['several fields are wrong', { partnerId: 'Acme!', contactEmail: 'nope', accountId: platform.accountId }, ['partnerId', 'contactEmail', 'accountId'], {}],
    ['there is neither a key nor an account', { sshKeys: '', accountId: null }, ['sshKeys'], { partnerId: 'acme' }],
    ['a feed is not configured', { feeds: ['price-lists', 'gossip'] }, ['feeds'], { partnerId: 'acme' }],
  ])('when %s, then each is answered on its field and nothing is stored or notified', async (_what, over, fields, partner) => {
    const { submit, notified, audits } = setUp();
    const result = await submit(over);
    expect(Object.keys(result.ok ? {} : result.errors)).toEqual(fields);
    expect(await db.redis.keys(`${db.prefix}:*`)).toEqual([]);
    expect(notified).toEqual([]);
    expect(audits).toEqual([{ type: 'request.refused', actor: 'UREQ', ...partner, details: { reason: 'invalid', fields } }]);
  });

  it('when SSH keys are given while TRANSFER_HOST is unset, then the keys field is refused naming TRANSFER_HOST, nothing is stored or notified, and the refusal is audited', async () => {
    const { submit, notified, audits } = setUp(undefined, { transferHost: undefined, dryRun: false });
    for (const over of [{}, { accountId: null }] satisfies OnboardingRaw[]) {
      const result = await submit(over);
      if (result.ok) throw new Error('expected a refusal');
      expect(Object.keys(result.errors)).toEqual(['sshKeys']);
      expect(result.errors.sshKeys).toMatch(/TRANSFER_HOST is not set/);
      expect(result.errors.sshKeys).toMatch(/only an AWS account id/);
    }
    expect(await db.redis.keys(`${db.prefix}:*`)).toEqual([]);
    expect(notified).toEqual([]);
    expect(audits).toEqual([
      { type: 'request.refused', partnerId: 'acme', actor: 'UREQ', details: { reason: 'sftp_host_unset' } },
      { type: 'request.refused', partnerId: 'acme', actor: 'UREQ', details: { reason: 'sftp_host_unset' } },
    ]);
  });

  it('when TRANSFER_HOST is unset, then an S3-pull-only partner is still accepted, and in DRY_RUN SSH keys are too (nothing is created)', async () => {
    const noHost = setUp(undefined, { transferHost: undefined, dryRun: false });
    expect((await noHost.submit({ sshKeys: '' })).ok).toBe(true);
    const dryRun = setUp(undefined, { transferHost: undefined, dryRun: true });
    expect((await dryRun.submit({ partnerId: 'globex' })).ok).toBe(true);
  });

  it('when the partner id is already requested, then the second request is refused on that field and only the first is kept', async () => {
    const { submit, store, notified, audits } = setUp();
    const first = await submit();
    const second = await submit({ displayName: 'Acme Again' });
    expect(second).toEqual({ ok: false, errors: { partnerId: expect.stringContaining('already requested or in use') } });
    expect(await store.partnerIdHolder('acme')).toBe(first.ok && first.request.id);
    expect(notified).toHaveLength(1);
    expect(audits[1]).toEqual({ type: 'request.refused', partnerId: 'acme', actor: 'UREQ', details: { reason: 'partner_id_taken' } });
  });

  it.each([
    ['SFTP users', { partnerId: 'beta', accountId: null }, 'sshKeys', 'sftp_limit'],
    ['partner roles', { partnerId: 'gamma', sshKeys: '' }, 'accountId', 'role_limit'],
  ])('when the platform holds its limit of %s, then a request needing one more is refused on that field', async (_what, over, field, reason) => {
    const { submit, store, notified, audits } = setUp({ sftpUsers: 1, partnerRoles: 1 });
    expect((await submit()).ok).toBe(true);
    expect(await submit(over)).toEqual({ ok: false, errors: { [field]: expect.stringContaining('limit') } });
    expect(await store.partnerIdHolder(over.partnerId)).toBeNull();
    expect(notified).toHaveLength(1);
    expect(audits[1]).toMatchObject({ type: 'request.refused', details: { reason } });
  });
});
