/**
 * Reconcile on partners provisioned for real in the fake account: drift made behind the bot's
 * back is reported in the thread once (not on every run), a different drift is reported again, the
 * Re-apply button (approvers only) repairs it exactly once, and a clean partner stays quiet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteSshPublicKeyCommand } from '@aws-sdk/client-transfer';
import { checkPartner, driftKey, reapplyJobId, type ReconcileDeps } from '../../../src/jobs/reconcile.js';
import { findDrift } from '../../../src/jobs/drift.js';
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

describe('reconcile', () => {
  it('when a policy is widened and a key removed behind the bot, then the drift is reported once, and Re-apply by an approver repairs it', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('clean');

    // Behind the bot's back: the role may read everything, one key is gone.
    await t.h.fake.setRolePolicy('partnergate-partner-acme', 'partnergate-read-own-prefix', {
      Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${t.h.platform.bucket}/*` }],
    });
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
    await t.h.fake.setRolePolicy('partnergate-partner-acme', 'partnergate-extra', { Version: '2012-10-17', Statement: [{ Sid: 'X', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] });
    expect(await checkPartner(deps, acme)).toBe('reported');
    await t.h.slack.waitForCount((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 2);

    // Re-apply: refused for a non-approver, queued once for an approver (a double click adds nothing).
    expect(await t.useCases.requestReapply({ partnerId: 'acme', actor: REQUESTER })).toEqual({ ok: false, message: 'Only approvers can re-apply a partner’s documents.' });
    t.startLifecycleWorkers();
    const before = (await t.h.fake.calls()).length;
    expect((await t.useCases.requestReapply({ partnerId: 'acme', actor: APPROVER })).ok).toBe(true);
    expect((await t.useCases.requestReapply({ partnerId: 'acme', actor: APPROVER })).ok).toBe(true);
    const hash = (await t.h.redis.get(driftKey(t.h.prefix, 'acme')))!;
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
});
