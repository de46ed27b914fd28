import { describe, expect, it } from 'vitest';
import { checkApproval, type CheckApprovalDeps } from '../../../../src/actions/approval/check-approval.js';
import type { OnboardingRequest } from '../../../../src/domain/requests.js';
import { testSeals } from '../../../support/seals.js';

const base: OnboardingRequest = {
  id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  partnerId: 'acme',
  displayName: 'Acme',
  contactEmail: 'a@acme.example',
  sshKeys: [],
  accountId: '444455556666',
  externalId: 'x'.repeat(43),
  feeds: [],
  notes: '',
  requestedBy: 'UREQ',
  requestedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-04T00:00:00.000Z',
  planHash: 'h1',
  channel: 'C1',
  status: 'approved',
  decision: { status: 'approved', by: 'UAPP', at: '2030-01-02T00:00:00.000Z', via: 'button' },
};

/** The item as the stores would have sealed it (content at creation, the decision when decided). */
function sealed(r: OnboardingRequest): OnboardingRequest {
  const seal = testSeals.content('request', r);
  return { ...r, seal, decisionSeal: r.decision ? testSeals.decision('request', r.id, seal, r.decision) : undefined };
}

function deps(o: { approvers?: string[]; hash?: string; holder?: string | null; throws?: boolean } = {}): CheckApprovalDeps {
  const approvers = new Set(o.approvers ?? ['UAPP']);
  return {
    approvers: { isApprover: async (id) => approvers.has(id) },
    seals: testSeals,
    renderPlan: () => {
      if (o.throws) throw new Error('the session policy would be 2,100 characters');
      return { hash: o.hash ?? 'h1', access: { sentence: [], statements: [] }, items: [], documents: [] };
    },
    partnerIdHolder: async () => (o.holder === undefined ? base.id : o.holder),
  };
}

describe('checkApproval (the provision job re-checks the stored request)', () => {
  it('when approved by a current approver who is not the requester, before expiry, with the same plan, then it passes', async () => {
    await expect(checkApproval(deps(), sealed(base))).resolves.toBeNull();
  });

  it.each([
    ['the request is pending', { ...base, status: 'pending' as const, decision: null }, {}, 'not_approved'],
    ['the request was rejected', { ...base, status: 'rejected' as const, decision: { ...base.decision!, status: 'rejected' as const } }, {}, 'not_approved'],
    ['the requester approved it', { ...base, decision: { ...base.decision!, by: 'UREQ' } }, { approvers: ['UREQ'] }, 'self_approved'],
    ['the approver was removed since', base, { approvers: ['UOTHER'] }, 'approver_not_approver'],
    ['it was approved at or after expiry', { ...base, decision: { ...base.decision!, at: base.expiresAt } }, {}, 'approved_after_expiry'],
    ['another request holds the partner id', base, { holder: 'req_bbbbbbbbbbbbbbbbbbbbbbbbbb' }, 'partner_id_not_held'],
    ['the plan renders to another hash', base, { hash: 'h2' }, 'plan_changed'],
    ['the plan no longer renders', base, { throws: true }, 'plan_changed'],
  ])('when %s, then it refuses', async (_what, request, o, code) => {
    const refusal = await checkApproval(deps(o), sealed(request));
    expect(refusal?.code).toBe(code);
    expect(refusal?.message.length).toBeGreaterThan(10);
  });

  it.each<[string, (r: OnboardingRequest) => OnboardingRequest, string]>([
    ['its account id was changed after it was sealed', (r) => ({ ...r, accountId: '999988887777' }), 'content'],
    ['a pending request was given status approved and a decision in Redis', (r) => ({ ...r, decisionSeal: undefined }), 'decision'],
    ['it was stored before approvals were sealed', (r) => ({ ...r, seal: undefined, decisionSeal: undefined }), 'unsealed'],
  ])('when %s, then it refuses on the seals before anything else, whatever else holds', async (_what, tamper, reason) => {
    const refusal = await checkApproval(deps(), tamper(sealed(base)));
    expect(refusal).toMatchObject({ code: 'integrity_failed', integrity: { reason } });
  });
});
