import { describe, expect, it } from 'vitest';
import { allows, authorize, createMemberDirectory, type AccessDeps } from '../../../../src/actions/access/index.js';
import { accessRefusal, CAPABILITIES } from '../../../../src/domain/authorization.js';
import { auditRecorder, fixedApprovers, useCaseDeps } from '../../../support/ports.js';

function setUp(users: Record<string, { is_restricted?: boolean; deleted?: boolean; team_id?: string }> = {}) {
  const asked: string[] = [];
  const audit = auditRecorder();
  const base = useCaseDeps();
  const members = createMemberDirectory({
    fetchUser: async (id) => {
      asked.push(id);
      const u = users[id];
      if (!u) throw new Error('user_not_found');
      return u;
    },
    teamId: 'T0TEAM',
    clock: base.clock,
    logger: base.logger,
  });
  const deps: AccessDeps = { ...base, approvers: fixedApprovers('UAPPROVER'), members, resenders: ['URESENDER'], audit: audit.audit };
  return { deps, asked, audits: audit.records, clock: base.clock };
}

const MEMBER = { team_id: 'T0TEAM' };

describe('authorize', () => {
  it('when a guest, a deactivated user, a user of another workspace or an unknown user asks, then every member capability is refused and audited', async () => {
    const { deps, audits } = setUp({ UGUEST: { ...MEMBER, is_restricted: true }, UGONE: { ...MEMBER, deleted: true }, UOTHER: { team_id: 'T0OTHER' } });
    for (const actor of ['UGUEST', 'UGONE', 'UOTHER', 'UNOBODY']) {
      const verdict = await authorize(deps, { capability: 'request', actor, entry: 'command:/onboard-partner' });
      expect(verdict).toEqual({ ok: false, code: 'not_allowed', message: expect.stringContaining('Only full members of the workspace (not guests) may ask for a partner') });
    }
    expect(audits).toEqual(['UGUEST', 'UGONE', 'UOTHER', 'UNOBODY'].map((actor) => ({
      type: 'access.refused', actor, details: { capability: 'request', entry: 'command:/onboard-partner', code: 'not_allowed' },
    })));
  });

  it('when a full member asks, then view, request, decide and review are allowed and retry, resend and reapply are not', async () => {
    const { deps } = setUp({ UMEMBER: MEMBER });
    const verdicts = Object.fromEntries(await Promise.all(CAPABILITIES.map(async (c) => [c, await allows(deps, c, 'UMEMBER')] as const)));
    expect(verdicts).toEqual({ view: true, request: true, decide: true, retry: false, resend: false, reapply: false, review: true });
  });

  it('when approvers and resenders ask, then the table decides without asking Slack who they are', async () => {
    const { deps, asked } = setUp();
    expect(await allows(deps, 'reapply', 'UAPPROVER')).toBe(true);
    expect(await allows(deps, 'request', 'UAPPROVER')).toBe(true);
    expect(await allows(deps, 'resend', 'URESENDER')).toBe(true);
    expect(await allows(deps, 'request', 'URESENDER')).toBe(true);
    expect(await allows(deps, 'retry', 'URESENDER')).toBe(false);
    expect(asked).toEqual([]);
  });

  it('when the same member asks again within ten minutes, then Slack is asked once; after that, again', async () => {
    const { deps, asked, clock } = setUp({ UMEMBER: MEMBER });
    await Promise.all([allows(deps, 'view', 'UMEMBER'), allows(deps, 'view', 'UMEMBER')]);
    await allows(deps, 'request', 'UMEMBER');
    expect(asked).toEqual(['UMEMBER']);
    clock.advance(600_001);
    await allows(deps, 'request', 'UMEMBER');
    expect(asked).toEqual(['UMEMBER', 'UMEMBER']);
  });

  it('when Slack cannot say who someone is, then they are not taken for a member (fail closed), and not remembered as such', async () => {
    const { deps, asked } = setUp();
    expect(await allows(deps, 'view', 'UFLAKY')).toBe(false);
    expect(await allows(deps, 'view', 'UFLAKY')).toBe(false);
    expect(asked).toEqual(['UFLAKY', 'UFLAKY']);
  });

  it.each(CAPABILITIES)('the refusal of %s says who may, and that nothing was done, naming no setting', (capability) => {
    const { message } = accessRefusal(capability, { approvers: ['UANN'], usergroup: 'S0PAY', resenders: ['UCARL'] });
    expect(message).toMatch(/^Only .+ may .+\. Nothing was done\. Ask .+\.$/);
    expect(message).not.toMatch(/RESENDERS|APPROVERS|APPROVER_USERGROUP/);
  });

  it('when a re-send is refused, then the approvers, their user group and the re-senders are named, as mentions', () => {
    expect(accessRefusal('resend', { approvers: ['UANN', 'UBOB'], usergroup: 'S0PAY', resenders: ['UCARL'] }).message).toBe(
      'Only approvers (<@UANN>, <@UBOB> or <!subteam^S0PAY>) and re-senders (<@UCARL>) may re-send files. Nothing was done. Ask one of them, or ask the platform team to add you.',
    );
  });

  it('when there are many approvers, then a few are named, the group always, and the rest counted', () => {
    const approvers = ['U1', 'U2', 'U3', 'U4', 'U5', 'U6'];
    expect(accessRefusal('retry', { approvers, usergroup: 'S0PAY' }).message).toMatch(/^Only approvers \(<@U1>, <@U2>, <!subteam\^S0PAY> or 4 more\) may retry/);
    expect(accessRefusal('retry', { approvers }).message).toMatch(/^Only approvers \(<@U1>, <@U2>, <@U3> or 3 more\) may retry/);
  });

  it('when a configured id is not a Slack id, then it is not put in a mention', () => {
    const { message } = accessRefusal('reapply', { approvers: ['<!channel>', 'UANN'], usergroup: 'S1|x' });
    expect(message).toMatch(/^Only approvers \(<@UANN>\) may re-apply/);
  });

  it('when nobody is named (none configured), then the refusal says to ask the platform team who they are', () => {
    expect(accessRefusal('retry').message).toBe('Only approvers may retry a failed provisioning or verification. Nothing was done. Ask the platform team who they are, or to add you.');
  });

  it('when the gate refuses, then the refusal names the approvers it was given and the re-senders', async () => {
    const { deps } = setUp({ UMEMBER: MEMBER });
    const verdict = await authorize({ ...deps, named: { users: ['UAPPROVER'], usergroup: 'S0PAY' } }, { capability: 'resend', actor: 'UMEMBER', entry: 'command:/resend-file' });
    expect(verdict).toMatchObject({ ok: false, message: expect.stringContaining('Only approvers (<@UAPPROVER> or <!subteam^S0PAY>) and re-senders (<@URESENDER>) may re-send files.') });
  });
});
