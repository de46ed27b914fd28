import { describe, expect, it } from 'vitest';
import { code, mrkdwn } from '../../../src/bot/messages/mrkdwn.js';
import { buildDecisionDm, buildFailedDm, buildLiveDm } from '../../../src/bot/messages/requester.js';
import type { Decision } from '../../../src/domain/requests.js';
import { accessRefusal } from '../../../src/domain/authorization.js';
import { expectWithinSlackLimits, firstLine } from '../../support/slack-limits.js';

const AT = '2026-12-07T10:15:30.123Z';
const allText = (m: { text: string; blocks: unknown[] }) => m.text + JSON.stringify(m.blocks);
const decided = (status: Decision['status'], by = 'UAPPROVER2'): Decision => ({ status, by, at: AT, via: status === 'expired' ? 'expiry' : 'button' });
const what = mrkdwn`Onboarding of ${code('acme')}`;

describe('decision DM', () => {
  it('when an onboarding request is approved, then the first line says so, by whom and when (Slack date), and what comes next', () => {
    const m = buildDecisionDm({ what, onboarding: true, decision: decided('approved'), channel: 'C0APPROVALS' });
    expect(firstLine(m)).toMatch(/^:white_check_mark: Approved: Onboarding of `acme`, by <@UAPPROVER2> <!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
    expect(allText(m)).toContain('I will tell you here when the partner is LIVE, or if something fails');
    expect(allText(m)).toContain('<#C0APPROVALS>');
    expect(allText(m).replace(/<!date[^>]*>/g, '')).not.toContain('2026-12-07T'); // no raw ISO time outside Slack's date formatting
    expectWithinSlackLimits(m);
  });

  it('when a request is rejected, then it names who rejected it, says nothing will happen, and how to go on', () => {
    const m = buildDecisionDm({ what, onboarding: true, decision: decided('rejected'), channel: 'C0APPROVALS' });
    expect(firstLine(m)).toMatch(/^:no_entry_sign: Rejected: Onboarding of `acme`, by <@UAPPROVER2>/);
    expect(allText(m)).toContain('Nothing will happen. A rejection carries no reason: ask <@UAPPROVER2>');
    expect(allText(m)).toContain('submit a new request with `/onboard-partner`');
  });

  it('when a change expires, then it says no approver decided, and to ask again', () => {
    const m = buildDecisionDm({ what: mrkdwn`"Rotate the ExternalId" for ${code('acme')}`, onboarding: false, decision: decided('expired', 'partnergate'), channel: 'C0APPROVALS' });
    expect(firstLine(m)).toMatch(/^:hourglass: Expired: "Rotate the ExternalId" for `acme` — no approver decided before <!date/);
    expect(allText(m)).toContain('ask for the change again');
  });
});

describe('LIVE DM', () => {
  it('when the partner is LIVE, then the first line says so and the next step is to forward the welcome', () => {
    const m = buildLiveDm({ partnerId: 'acme', displayName: 'Acme <!channel>', dryRun: false, at: AT });
    expect(firstLine(m)).toMatch(/^:large_green_circle: Acme &lt;!channel&gt; \(`acme`\) is LIVE <!date/);
    expect(allText(m)).not.toContain('<!channel>');
    expect(allText(m)).toContain('forward the welcome text I sent you');
    expectWithinSlackLimits(m);
  });

  it('when LIVE in DRY_RUN, then it says planned, with nothing to forward, and no green mark', () => {
    const m = buildLiveDm({ partnerId: 'acme', displayName: 'Acme', dryRun: true, at: AT });
    expect(firstLine(m)).toMatch(/^:memo: .* is LIVE in a dry run .*, as planned: nothing exists on AWS/);
    expect(allText(m)).not.toMatch(/:large_green_circle:|:white_check_mark:/);
  });
});

describe('failed DM', () => {
  it('when provisioning failed, then it says where and why in words, and names the approvers who can retry (people and group)', () => {
    const m = buildFailedDm({
      partnerId: 'acme', stage: 'provisioning', failed: 'Partner role <b>', cause: 'AWS refused the bot', why: 'The bot’s role is not allowed to do this.',
      approvers: { users: ['UAPPROVER1', 'UAPPROVER2'], usergroup: 'S0APPROVERS' }, channel: 'C0APPROVALS',
    });
    expect(firstLine(m)).toBe(':x: Provisioning of `acme` failed at "Partner role &lt;b&gt;": AWS refused the bot. The bot’s role is not allowed to do this. The partner is not live.');
    expect(allText(m)).toContain('Next: <@UAPPROVER1>, <@UAPPROVER2> or <!subteam^S0APPROVERS> can press Retry in the card\'s thread in <#C0APPROVALS>');
    expect(allText(m)).not.toMatch(/\bAPPROVERS\b|APPROVER_USERGROUP/);
    expectWithinSlackLimits(m);
  });

  it('when verification failed, then the button it names is Retry verification', () => {
    const m = buildFailedDm({ partnerId: 'acme', stage: 'verification', failed: 'x', cause: 'y', approvers: { users: ['UAPPROVER1'] }, channel: 'C0APPROVALS' });
    expect(firstLine(m)).toMatch(/^:x: Verification of `acme` failed at "x": y\./);
    expect(allText(m)).toContain('<@UAPPROVER1> can press Retry verification');
  });

  it('when many approvers are configured, then it names them as a refusal does (src/domain/authorization.ts): the group and the first ones, the rest counted, a non-id skipped', () => {
    const users = ['U1', 'U2', 'not an id <!channel>', 'U3', 'U4', 'U5'];
    const m = buildFailedDm({ partnerId: 'acme', stage: 'verification', failed: 'x', cause: 'y', approvers: { users, usergroup: 'S0APPROVERS' }, channel: 'C0APPROVALS' });
    expect(allText(m)).toContain('Next: <@U1>, <@U2>, <!subteam^S0APPROVERS> or 3 more can press Retry verification');
    expect(allText(m)).not.toContain('<!channel>');
    expect(accessRefusal('retry', { approvers: users, usergroup: 'S0APPROVERS' }).message).toContain('(<@U1>, <@U2>, <!subteam^S0APPROVERS> or 3 more)');
  });
});
