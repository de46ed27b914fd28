/**
 * Reconcile on partners provisioned for real in the fake account: drift made behind the bot's
 * back is reported in the thread once (not on every run), a different drift is reported again, the
 * Re-apply button (approvers only) repairs it exactly once, and a clean partner stays quiet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteSshPublicKeyCommand } from '@aws-sdk/client-transfer';
import { checkPartner, driftKey, reapplyJobId, type ReconcileDeps } from '../../../src/jobs/lifecycle/reconcile.js';
import { parseReapplyValue } from '../../../src/bot/messages/drift.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { findDrift } from '../../../src/jobs/lifecycle/drift.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { APPROVER, REQUESTER } from '../../support/provision-harness.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

let t: LifecycleHarness;
let deps: ReconcileDeps;
beforeEach(async () => {
  t = await startLifecycleHarness();
  deps = {
    cp: createLifecyclePlane(t.h.fake.clients(), t.h.platform), platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix,
    partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit, logger: t.h.logger,
  };
});
afterEach(async () => {
  await t.close();
});

const reports = () => t.h.slack.calls('chat.postMessage').filter((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));

/** What the Re-apply button of a posted drift report sends, parsed as the listener parses it. */
function reapplyInput(report: SlackCall): { partnerId: string; hash: string } {
  const actions = (report.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
  return parseReapplyValue(actions.elements!.find((e) => e.action_id === 'drift_reapply')!.value)!;
}

async function widenAcmePolicy(): Promise<void> {
  await t.h.fake.setRolePolicy('partnergate-partner-acme', 'partnergate-read-own-prefix', {
    Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${t.h.platform.bucket}/*` }],
  });
}

async function addAcmeExtraPolicy(): Promise<void> {
  await t.h.fake.setRolePolicy('partnergate-partner-acme', 'partnergate-extra', { Version: '2012-10-17', Statement: [{ Sid: 'X', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] });
}

const writes = (calls: string[]) => calls.filter((c) => !/^(AssumeRole|Get|List|Describe)/.test(c));

describe('reconcile', () => {
  it('when a policy is widened and a key removed behind the bot, then the drift is reported once, and Re-apply by an approver repairs it', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('clean');

    // Behind the bot's back: the role may read everything, one key is gone.
    await widenAcmePolicy();
    const user = (await t.h.fake.user('acme'))!;
    const gone = user.SshPublicKeys![0]!;
    await t.h.fake.clients().transfer.send(new DeleteSshPublicKeyCommand({ ServerId: t.h.platform.transferServerId, UserName: 'acme', SshPublicKeyId: gone.SshPublicKeyId! }));

    const acme = (await t.h.partners.get('acme'))!;
    expect(await checkPartner(deps, acme)).toBe('reported');
    expect(await checkPartner(deps, acme)).toBe('unchanged');
    expect(await checkPartner(deps, (await t.h.partners.get('globex'))!)).toBe('clean');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain('IAM role: inline policy partnergate-read-own-prefix differs');
    expect(text).toContain(`Transfer user: SSH key ${fingerprintOf(gone.SshPublicKeyBody!)} is missing`);
    expect(text).toContain('"action_id":"drift_reapply"');
    expect(reports()).toHaveLength(1);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'drift.detected')).toHaveLength(1);

    // A further change is a different drift: reported again.
    await addAcmeExtraPolicy();
    expect(await checkPartner(deps, acme)).toBe('reported');
    const latest = (await t.h.slack.waitForCount((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 2))[1]!;

    // Re-apply (approvers only: the gate, test/integration/authorization.test.ts): queued once (a double click adds nothing).
    t.startLifecycleWorkers();
    const before = (await t.h.fake.calls()).length;
    expect((await t.useCases.requestReapply({ ...reapplyInput(latest), actor: APPROVER })).ok).toBe(true);
    expect((await t.useCases.requestReapply({ ...reapplyInput(latest), actor: APPROVER })).ok).toBe(true);
    const hash = (await t.h.redis.get(driftKey(t.h.prefix, 'acme')))!;
    expect(reapplyInput(latest).hash).toBe(hash);
    expect((await t.h.settled(t.queues.reconcile, reapplyJobId('acme', hash))).state).toBe('completed');
    expect(await t.queues.reconcile.getJobCounts('completed')).toEqual({ completed: 1 });
    expect((await t.h.fake.calls()).slice(before).filter((c) => !c.startsWith('AssumeRole'))).toEqual([
      'ImportSshPublicKey acme',
      'PutRolePolicy partnergate-partner-acme partnergate-read-own-prefix',
      'DeleteRolePolicy partnergate-partner-acme partnergate-extra',
    ]);
    expect((await findDrift(deps.cp, deps.platform, acme)).items).toEqual([]);
    const done = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith(':wrench: Re-applied on `acme`'));
    expect(String(done.body.text)).toContain(`by <@${APPROVER}>`);
    expect(String(done.body.text)).toContain('No drift left.');
    expect(await t.h.redis.get(driftKey(t.h.prefix, 'acme'))).toBeNull();
    expect(await checkPartner(deps, acme)).toBe('clean');
    expect((await t.audit.history('acme')).map((r) => r.type)).toEqual(expect.arrayContaining(['drift.reapplied']));
  });

  it('when Re-apply is pressed on an older report after the drift changed, then it is refused as out of date, naming the latest report, and nothing is queued or written', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const acme = (await t.h.partners.get('acme'))!;
    await widenAcmePolicy();
    expect(await checkPartner(deps, acme)).toBe('reported');
    await addAcmeExtraPolicy();
    expect(await checkPartner(deps, acme)).toBe('reported');
    const [older, latest] = await t.h.slack.waitForCount((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 2);
    expect(reapplyInput(older!).hash).not.toBe(reapplyInput(latest!).hash);

    t.startLifecycleWorkers();
    const before = (await t.h.fake.calls()).length;
    const refused = await t.useCases.requestReapply({ ...reapplyInput(older!), actor: APPROVER });
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('out of date');
    expect(refused.message).toContain(reapplyInput(latest!).hash.slice(0, 12));
    expect(await t.queues.reconcile.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'decision.refused')).toEqual([
      expect.objectContaining({ actor: APPROVER, details: expect.objectContaining({ action: 'reapply', code: 'drift_changed' }) }),
    ]);
  });

  it('when a Re-apply button value is forged or malformed, then the click is refused clearly and nothing is queued', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    await widenAcmePolicy();
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('reported');
    const hash = (await t.h.redis.get(driftKey(t.h.prefix, 'acme')))!;

    // An old button (partner id only), a hash of another partner's drift, and values that do not parse.
    for (const input of [{ partnerId: 'acme', hash: '' }, { partnerId: 'globex', hash }, { partnerId: 'acme', hash: 'f'.repeat(64) }, { partnerId: 'acme', hash: 'nope' }, { partnerId: '../acme', hash }, { partnerId: '', hash: '' }]) {
      const result = await t.useCases.requestReapply({ ...input, actor: APPROVER });
      expect(result.ok, JSON.stringify(input)).toBe(false);
      expect(result.message, JSON.stringify(input)).toMatch(/not a Re-apply button|out of date|No drift/);
    }
    expect(await t.queues.reconcile.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
  });

  it('when the drift changes after the click but before the job runs, then the job refuses, writes nothing, and the new drift is reported', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const acme = (await t.h.partners.get('acme'))!;
    await widenAcmePolicy();
    expect(await checkPartner(deps, acme)).toBe('reported');
    const shown = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    expect((await t.useCases.requestReapply({ ...reapplyInput(shown), actor: APPROVER })).ok).toBe(true);

    // Behind the bot's back again, while the job waits: the approver never saw this one.
    await addAcmeExtraPolicy();
    const before = (await t.h.fake.calls()).length;
    t.startLifecycleWorkers();
    expect((await t.h.settled(t.queues.reconcile, reapplyJobId('acme', reapplyInput(shown).hash))).state).toBe('failed');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    const told = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes('Not re-applied on `acme`'));
    expect(String(told.body.text)).toContain(`<@${APPROVER}>`);
    const [, current] = await t.h.slack.waitForCount((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 2);
    expect(JSON.stringify(current!.body.blocks)).toContain('partnergate-extra');
    expect(reapplyInput(current!).hash).toBe(await t.h.redis.get(driftKey(t.h.prefix, 'acme')));
    expect((await t.audit.history('acme')).filter((r) => r.type === 'drift.reapplied')).toEqual([]);
  });
});
