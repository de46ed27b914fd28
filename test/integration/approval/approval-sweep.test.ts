/**
 * The approval sweep on the real Redis and notify queue: pending approvals of both kinds nudged once
 * after NUDGE_AFTER_HOURS in their own thread, lifecycle changes expired (kind open again).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SFTP_ENDPOINT } from '../../support/ports.js';
import { requestOnboarding } from '../../../src/actions/onboarding/request-onboarding.js';
import { createPlanRenderer } from '../../../src/actions/onboarding/plan.js';
import { changeApprovals, expireDue, nudgeDue, requestApprovals, type ApprovalDeps } from '../../../src/actions/approval/index.js';
import type { ApprovalItem } from '../../../src/domain/approval.js';
import { REQUESTER } from '../../support/provision-harness.js';
import { sshPublicKey } from '../../support/provision-fixtures.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

const HOUR = 3_600_000;
let t: LifecycleHarness;
let deps: Omit<ApprovalDeps<ApprovalItem>, 'kind'> & { nudgeAfterHours: number };
beforeEach(async () => {
  t = await startLifecycleHarness();
  deps = { notify: t.h.notify, audit: t.audit.audit, clock: t.h.clock, logger: t.h.logger, approvalReaction: 'white_check_mark', nudgeAfterHours: 24 };
});
afterEach(async () => {
  await t.close();
});

const bells = () => t.h.slack.calls('chat.postMessage').filter((c) => c.ok && String(c.body.text).startsWith(':bell:'));
const nudgePendingApprovals = async (d: typeof deps) =>
  (await nudgeDue({ ...d, kind: requestApprovals(t.h.requests) })) + (await nudgeDue({ ...d, kind: changeApprovals(t.changes) }));
const expireDueChanges = (d: typeof deps) => expireDue({ ...d, kind: changeApprovals(t.changes) });

describe('approval sweep', () => {
  it('when approvals wait past NUDGE_AFTER_HOURS, then each is nudged once in its thread, and changes past expiry are expired', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const onboarding = await requestOnboarding({
      logger: t.h.logger, clock: t.h.clock, store: t.h.requests, notify: t.h.notify, renderPlan: createPlanRenderer(t.h.platform),
      approvalsChannel: 'C0APPROVALS', approvalReaction: 'white_check_mark', enterpriseAccountId: t.h.platform.accountId, feeds: t.h.platform.feeds, requestTtlHours: 72, sftpEndpoint: SFTP_ENDPOINT,
    }, { raw: { displayName: 'Globex', partnerId: 'globex', contactEmail: 'a@globex.example', sshKeys: sshPublicKey(), accountId: null, feeds: [], notes: null }, requestedBy: REQUESTER });
    if (!onboarding.ok) throw new Error('expected a request');
    const change = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    if (!change.ok) throw new Error(change.message);

    t.h.clock.advance(23 * HOUR);
    expect(await nudgePendingApprovals(deps)).toBe(0);
    t.h.clock.advance(2 * HOUR);
    expect(await nudgePendingApprovals(deps)).toBe(2);
    expect(await nudgePendingApprovals(deps)).toBe(0);
    const posted = await t.h.slack.waitForCount((c) => c.ok && c.method === 'chat.postMessage' && String(c.body.text).startsWith(':bell:'), 2);
    const card = t.h.slack.calls('chat.postMessage').find((c) => c.ok && String(c.body.text).includes('Onboarding request for Globex'))!;
    const changeCard = t.h.slack.calls('chat.postMessage').find((c) => c.ok && String(c.body.text).startsWith('Awaiting approval: Offboard the partner'))!;
    expect(posted.find((c) => String(c.body.text).includes('`globex`'))!.body.thread_ts).toBe(card.answer!.ts);
    expect(posted.find((c) => String(c.body.text).includes('`acme`'))!.body.thread_ts).toBe(changeCard.body.thread_ts);
    expect(bells()).toHaveLength(2);

    expect(await expireDueChanges(deps)).toBe(0);
    t.h.clock.advance(48 * HOUR);
    expect(await expireDueChanges(deps)).toBe(1);
    expect(await t.changes.get(change.change.id)).toMatchObject({ status: 'expired', decision: { by: 'partnergate', via: 'expiry' } });
    expect(await t.changes.openChange('acme', 'offboard')).toBeNull();
    await t.h.slack.waitFor((c) => c.method === 'chat.update' && c.body.ts === changeCard.answer!.ts && JSON.stringify(c.body.blocks).includes('Expired'));
    const history = await t.audit.history('acme');
    expect(history.map((r) => r.type)).toEqual(expect.arrayContaining(['approval.nudged', 'change.expired']));
  });
});
