/**
 * AUTO_REVERT (issue 16 item 4), on partners provisioned for real in the fake account: an
 * administrator attaches AmazonS3ReadOnlyAccess to a LIVE partner's role; CloudTrail's event queues
 * the check, which quarantines the partner and — AUTO_REVERT=true — restores the approved state
 * itself through the one-click Re-apply's use case: the policy is detached, the thread and the
 * approvals channel are told what was undone (with the diff), it is audited, and the partner is
 * re-checked and released. What needs two people (a trust policy rewritten) is never done alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { platformEventScope, renderPartnerTrustPolicy } from '../../../src/aws/policies/index.js';
import { addEventCheckJob } from '../../../src/jobs/lifecycle/index.js';
import { checkPartner, type ReconcileDeps } from '../../../src/jobs/lifecycle/reconcile.js';
import { handlePlatformEvent } from '../../../src/jobs/platform-events/index.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { CHANNEL, PARTNER_ACCOUNT } from '../../support/provision-harness.js';
import { acmeWithReadOnlyAttached, startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { attachReadOnly, READ_ONLY, READ_ONLY_ARN } from '../../support/platform-events.js';
import { until } from '../../support/notify-outbox.js';

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

const writes = (calls: string[]) => calls.filter((c) => !/^(AssumeRole|Get|List|Describe)/.test(c));
const reverted = (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && String(c.body['text']).startsWith('Restored acme\'s approved state on its own');

describe('AUTO_REVERT', () => {
  it('when a managed policy is attached to a live partner\'s role, then the partner is quarantined, the bot detaches it itself, says what it undid with the diff in the thread and the approvals channel, audits it, and releases the partner', async () => {
    const { neighbour } = await acmeWithReadOnlyAttached(t, { arn: READ_ONLY_ARN, document: READ_ONLY });
    // The second layer holds meanwhile (the boundary and the bucket policy): the role stands on one layer where it had two.
    await expect(neighbour()).rejects.toThrow(/Access Denied/);
    const before = (await t.h.fake.calls()).length;

    t.startLifecycleWorkers({}, { autoRevert: true });
    await handlePlatformEvent({
      redis: t.h.redis, prefix: t.h.prefix, scope: platformEventScope(t.h.platform), notify: t.h.notify, approvalsChannel: CHANNEL,
      audit: t.audit.audit, logger: t.h.logger, partners: t.h.partners, checkPartner: (partnerId) => addEventCheckJob(t.queues.reconcile, partnerId),
    }, JSON.stringify(attachReadOnly('acme')));

    // Quarantined first (the alert in both places), then restored by the bot.
    const [inThread, inChannel] = await t.h.slack.waitForCount(reverted, 2, 20_000);
    expect([inThread!.body['thread_ts'], inChannel!.body['thread_ts']].filter(Boolean)).toHaveLength(1);
    expect([inThread!.body['channel'], inChannel!.body['channel']]).toEqual([CHANNEL, CHANNEL]);
    const text = JSON.stringify(inThread!.body['blocks']);
    expect(text).toContain('*Restored `acme`\'s approved state* on its own (automatic revert): detached managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess.');
    expect(text).toContain(`• IAM role: managed policy ${READ_ONLY_ARN} is attached (partner roles may have none)`);
    expect(text).toContain('*What it undid* (`-` what AWS held, `+` what the automatic revert restored; ExternalIds redacted)');
    expect(text).toContain(`--- IAM role partnergate-partner-acme: managed policy ${READ_ONLY_ARN}: what AWS held`);
    expect(text).toContain(`-  \\"PolicyArn\\": \\"${READ_ONLY_ARN}\\"`);
    expect(text).toContain('No drift left.');
    const quarantined = t.h.slack.calls('chat.postMessage').findIndex((c) => c.ok && String(c.body['text']).includes('`acme` is QUARANTINED'));
    expect(quarantined).toBeGreaterThanOrEqual(0);
    expect(t.h.slack.calls('chat.postMessage').findIndex(reverted)).toBeGreaterThan(quarantined);

    // The approved state is back: the policy is detached and nothing else was written.
    expect(await t.h.fake.attachedPolicies('partnergate-partner-acme')).toEqual({});
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([`DetachRolePolicy partnergate-partner-acme ${READ_ONLY_ARN}`]);
    await expect(neighbour()).rejects.toThrow(/Access Denied/);

    // Re-checked and released as after a Re-apply: its probes passed.
    await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).includes('`acme` is released from quarantine'), 20_000);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    // The release is posted before it is audited: wait for the check's job to end.
    await until('the check to end', async () => Object.values(await t.queues.reconcile.getJobCounts('active', 'waiting', 'delayed')).every((n) => n === 0));
    const history = await t.audit.history('acme');
    expect(history.map((r) => r.type)).toEqual(expect.arrayContaining(['platform.changed', 'drift.detected', 'partner.quarantined', 'drift.reverted', 'partner.released']));
    expect(history.find((r) => r.type === 'drift.reverted')).toMatchObject({
      actor: 'partnergate',
      details: { done: [`detached managed policy ${READ_ONLY_ARN}`], undone: [`IAM role: managed policy ${READ_ONLY_ARN} is attached (partner roles may have none)`], remaining: [] },
    });
  });

  it('when the drift also rewrote the trust policy, then AUTO_REVERT detaches the policy but leaves the trust to two people: the partner stays quarantined and the drift left is reported with its Re-apply', async () => {
    const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const deps: ReconcileDeps = {
      cp: createLifecyclePlane(t.h.fake.clients(), t.h.platform), platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix,
      partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit, logger: t.h.logger, approvalsChannel: CHANNEL, autoRevert: true,
    };
    await t.h.fake.attachManagedPolicy('partnergate-partner-acme', READ_ONLY_ARN, READ_ONLY);
    // Someone lets a second account assume the role as well: re-applying that trust is two people's.
    const trust = renderPartnerTrustPolicy(t.h.platform, { accountId: PARTNER_ACCOUNT, externalId: acme.externalId! });
    trust.Statement.push({ Sid: 'Stranger', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' });
    const role = (await t.h.fake.role('partnergate-partner-acme'))!;
    await t.h.redis.set(`${t.h.prefix}:fakeaws:role:partnergate-partner-acme`, JSON.stringify({ ...role, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)) }));
    const before = (await t.h.fake.calls()).length;

    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('reported');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([`DetachRolePolicy partnergate-partner-acme ${READ_ONLY_ARN}`]);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    const [report] = await t.h.slack.waitForCount(reverted, 2);
    const text = JSON.stringify(report!.body['blocks']);
    expect(text).toContain('Still different (the automatic revert creates nothing and rewrites no trust policy');
    expect(text).toContain('IAM role: trust policy differs');
    // The drift left is a new report whose Re-apply asks a second approver.
    // Each channel's messages go most urgent thread first (src/jobs/notify): wait for both reports.
    const reports = await t.h.slack.waitForCount((c) => c.ok && c.method === 'chat.postMessage' && String(c.body['text']).startsWith('Drift on acme'), 2);
    expect(reports).toHaveLength(2);
    expect(String(reports[1]!.body['text'])).toBe('Drift on acme: 1 difference');
    expect(JSON.stringify(reports[1]!.body['blocks'])).toContain('pressing it asks a second approver');

    // The next check finds the same drift: nothing is tried again, nothing reported again.
    const calls = (await t.h.fake.calls()).length;
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('unchanged');
    expect(writes((await t.h.fake.calls()).slice(calls))).toEqual([]);
    expect(t.h.slack.calls('chat.postMessage').filter(reverted)).toHaveLength(2);
  });
});
