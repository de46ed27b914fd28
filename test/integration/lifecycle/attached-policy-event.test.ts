/**
 * The hole issue 16 found, end to end on a partner provisioned for real in the fake account: an
 * administrator attaches AmazonS3ReadOnlyAccess to a LIVE partner's role. Before the second layer
 * that let the partner read its neighbour (the boundary covered all of partners/); now the boundary
 * and the bucket policy cap the role at its tagged home, so the neighbour stays out of reach — and
 * the change is still caught: CloudTrail's event reaches the platform events consumer, which
 * QUARANTINES the partner on the event (deliveries parked; its thread and the approvals channel
 * told); the check it queues finds the attached policy: the partner's thread gets the report naming
 * it and who attached it.
 * One approver's Re-apply detaches it (it only takes access away), and the partner is released.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { platformEventScope } from '../../../src/aws/policies/index.js';
import { addEventCheckJob } from '../../../src/jobs/lifecycle/index.js';
import { handlePlatformEvent } from '../../../src/jobs/platform-events/index.js';
import { parseReapplyValue } from '../../../src/bot/messages/drift.js';
import { APPROVER } from '../../support/provision-harness.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { ADMIN_ARN, attachReadOnly, READ_ONLY, READ_ONLY_ARN } from '../../support/platform-events.js';


let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});


describe('a managed policy attached to a partner role behind the bot', () => {
  it('when CloudTrail reports it, then the partner is checked at once and quarantined, the report names the policy and who attached it, and one approver’s Re-apply detaches it and releases the partner', async () => {
    const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    await t.putFile('partners/globex/prices.csv', 'globex only\n');
    await t.h.fake.attachManagedPolicy('partnergate-partner-acme', READ_ONLY_ARN, READ_ONLY);
    const session = await t.partnerS3(acme);
    const neighbour = () => session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: 'partners/globex/' }));
    const everything = () => session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket }));
    // The second layer: the attached policy allows it, the boundary and the bucket policy do not.
    await expect(neighbour()).rejects.toThrow(/Access Denied/);
    await expect(everything()).rejects.toThrow(/Access Denied/);
    expect((await session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: 'partners/acme/' }))).$metadata.httpStatusCode).toBe(200);

    t.startLifecycleWorkers();
    const outcome = await handlePlatformEvent({
      redis: t.h.redis, prefix: t.h.prefix, scope: platformEventScope(t.h.platform), notify: t.h.notify, approvalsChannel: 'C0APPROVALS',
      audit: t.audit.audit, logger: t.h.logger, partners: t.h.partners, checkPartner: (partnerId) => addEventCheckJob(t.queues.reconcile, partnerId),
    }, JSON.stringify(attachReadOnly('acme')));
    expect(outcome).toBe('quarantined');

    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 20_000);
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain(`IAM role: managed policy ${READ_ONLY_ARN} is attached (partner roles may have none)`);
    expect(text).toContain('*Changed outside partnergate* (CloudTrail):');
    expect(text).toContain(`\`iam:AttachRolePolicy\` by \`${ADMIN_ARN}\``);
    expect(text).not.toContain('pressing it asks a second approver'); // detaching only takes access away
    const alert = (c: { ok: boolean; method: string; body: Record<string, unknown> }) => c.ok && c.method === 'chat.postMessage' && String(c.body['text']).includes('`acme` is QUARANTINED');
    await t.h.slack.waitForCount(alert, 2); // the partner's thread and the approvals channel
    expect(t.h.slack.calls('chat.postMessage').filter(alert).map((c) => c.body['channel']).sort()).toEqual(['C0APPROVALS', 'C0APPROVALS']);
    expect(t.h.slack.calls('chat.postMessage').filter(alert).filter((c) => c.body['thread_ts']).length).toBe(1);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    expect(await t.h.partners.get('globex')).toMatchObject({ status: 'live' });
    const edit = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: APPROVER, spec: { kind: 'edit', addFeeds: [], removeFeeds: [], contactEmail: 'x@acme.example' } });
    expect(edit).toMatchObject({ ok: false, code: 'not_live', message: expect.stringContaining('is quarantined') });
    const detected = (await t.audit.history('acme')).find((r) => r.type === 'drift.detected')!;
    expect(detected.details).toMatchObject({ causes: [{ call: 'iam:AttachRolePolicy', actor: ADMIN_ARN }] });

    const actions = (report.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
    const shown = parseReapplyValue(actions.elements!.find((e) => e.action_id === 'drift_reapply')!.value)!;
    expect((await t.useCases.requestReapply({ ...shown, actor: APPROVER })).ok).toBe(true);
    await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes(`detached managed policy ${READ_ONLY_ARN}`), 20_000);
    expect(await t.h.fake.attachedPolicies('partnergate-partner-acme')).toEqual({});
    await expect(neighbour()).rejects.toThrow(/Access Denied/);
    await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).includes('`acme` is released from quarantine'));
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    const types = (await t.audit.history('acme')).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['platform.changed', 'drift.detected', 'partner.quarantined', 'drift.reapplied', 'partner.released']));
  });
});
