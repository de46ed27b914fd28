/**
 * The second layer's inputs, end to end on partners provisioned for real in the fake account (the
 * probe gate evaluates the deployed documents with the role's tags, as AWS does): a change to a
 * LIVE partner's role that the second layer holds — its partner tag pointed at a neighbour or
 * removed, its boundary removed — leaves the neighbour out of reach, and is still caught: the
 * CloudTrail event queues a check, the check finds the difference, and the partner is QUARANTINED
 * until its approved state is back (a tag: one approver's Re-apply puts it back). The same for its
 * Transfer user: a session policy replaced (the LOGICAL home mapping still confines the user).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { UpdateUserCommand } from '@aws-sdk/client-transfer';
import { PARTNER_TAG_KEY, platformEventScope, renderPartner } from '../../../src/aws/policies/index.js';
import { addEventCheckJob } from '../../../src/jobs/lifecycle/index.js';
import { handlePlatformEvent } from '../../../src/jobs/platform-events/index.js';
import { parseReapplyValue } from '../../../src/bot/messages/drift.js';
import { APPROVER } from '../../support/provision-harness.js';
import { partnerSpec } from '../../support/iam-fixtures.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { ADMIN_ARN, cloudTrailEvent } from '../../support/platform-events.js';

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});


async function deliverEvent(event: Record<string, unknown>): Promise<string> {
  return handlePlatformEvent({
    redis: t.h.redis, prefix: t.h.prefix, scope: platformEventScope(t.h.platform), notify: t.h.notify, approvalsChannel: 'C0APPROVALS',
    audit: t.audit.audit, logger: t.h.logger, partners: t.h.partners, checkPartner: (partnerId) => addEventCheckJob(t.queues.reconcile, partnerId),
  }, JSON.stringify(event));
}

const quarantined = (c: { ok: boolean; method: string; body: Record<string, unknown> }) =>
  c.ok && c.method === 'chat.postMessage' && String(c.body['text']).includes('`acme` is QUARANTINED');

async function twoLivePartners() {
  const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
  await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
  await t.putFile('partners/globex/prices.csv', 'globex only\n');
  await t.putFile('partners/acme/prices.csv', 'acme only\n');
  return acme;
}

describe('the second layer\'s inputs changed behind the bot', () => {
  it('when a partner role\'s partner tag is changed to a neighbour\'s id, then neither home is readable, the TagRole event quarantines the partner, and one approver\'s Re-apply puts the tag back and releases it', async () => {
    const acme = await twoLivePartners();
    const session = await t.partnerS3(acme);
    const read = (key: string) => session.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: key }));
    await expect(read('partners/acme/prices.csv')).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });

    await t.h.fake.setRoleTag('partnergate-partner-acme', PARTNER_TAG_KEY, 'globex');
    // The boundary and the bucket policy now name globex's home, the inline policy still acme's: nothing.
    await expect(read('partners/globex/prices.csv')).rejects.toThrow(/Access Denied/);
    await expect(session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: 'partners/globex/' }))).rejects.toThrow(/Access Denied/);
    await expect(read('partners/acme/prices.csv')).rejects.toThrow(/Access Denied/);

    t.startLifecycleWorkers();
    const tagged = cloudTrailEvent({
      eventSource: 'iam.amazonaws.com', eventName: 'TagRole',
      requestParameters: { roleName: 'partnergate-partner-acme', tags: [{ key: PARTNER_TAG_KEY, value: 'globex' }] },
    });
    expect(await deliverEvent(tagged)).toBe('checking');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 20_000);
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain(`IAM role: tag ${PARTNER_TAG_KEY} is \\"globex\\", not \\"acme\\"`);
    expect(text).toContain(`\`iam:TagRole\` by \`${ADMIN_ARN}\``);
    expect(text).not.toContain('pressing it asks a second approver'); // putting the partner's own id back narrows
    await t.h.slack.waitForCount(quarantined, 2);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });

    const actions = (report.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
    const shown = parseReapplyValue(actions.elements!.find((e) => e.action_id === 'drift_reapply')!.value)!;
    expect((await t.useCases.requestReapply({ ...shown, actor: APPROVER })).ok).toBe(true);
    await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes(`put back the tag ${PARTNER_TAG_KEY}=acme`), 20_000);
    expect((await t.h.fake.role('partnergate-partner-acme'))!.Tags).toEqual(expect.arrayContaining([{ Key: PARTNER_TAG_KEY, Value: 'acme' }]));
    await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).includes('`acme` is released from quarantine'), 20_000);
    await expect(read('partners/acme/prices.csv')).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    await expect(read('partners/globex/prices.csv')).rejects.toThrow(/Access Denied/);
    expect(await t.h.fake.calls()).toContain(`TagRole partnergate-partner-acme ${PARTNER_TAG_KEY}=acme`);
  });

  it('when the tag is removed, then the role reads nothing, and the UntagRole event quarantines the partner', async () => {
    const acme = await twoLivePartners();
    const session = await t.partnerS3(acme);
    await t.h.fake.setRoleTag('partnergate-partner-acme', PARTNER_TAG_KEY, null);
    await expect(session.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: 'partners/acme/prices.csv' }))).rejects.toThrow(/Access Denied/);
    await expect(session.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: 'partners/globex/prices.csv' }))).rejects.toThrow(/Access Denied/);

    t.startLifecycleWorkers();
    const untagged = cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'UntagRole', requestParameters: { roleName: 'partnergate-partner-acme', tagKeys: [PARTNER_TAG_KEY] } });
    expect(await deliverEvent(untagged)).toBe('checking');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 20_000);
    expect(JSON.stringify(report.body.blocks)).toContain(`IAM role: tag ${PARTNER_TAG_KEY} is missing`);
    await t.h.slack.waitForCount(quarantined, 2);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
  });

  it('when the boundary is removed and AmazonS3ReadOnlyAccess attached besides (two changes), then the bucket policy alone still keeps the neighbour out, and the partner is quarantined', async () => {
    const acme = await twoLivePartners();
    const session = await t.partnerS3(acme);
    await t.h.fake.deleteRoleBoundary('partnergate-partner-acme');
    await t.h.fake.attachManagedPolicy('partnergate-partner-acme', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', {
      Version: '2012-10-17', Statement: [{ Sid: 'ReadOnly', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }],
    });
    await expect(session.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: 'partners/globex/prices.csv' }))).rejects.toThrow(/Access Denied/);
    await expect(session.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket }))).rejects.toThrow(/Access Denied/);
    await expect(session.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: 'partners/acme/prices.csv' }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });

    t.startLifecycleWorkers();
    const removed = cloudTrailEvent({ eventSource: 'iam.amazonaws.com', eventName: 'DeleteRolePermissionsBoundary', requestParameters: { roleName: 'partnergate-partner-acme' } });
    expect(await deliverEvent(removed)).toBe('quarantined');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 20_000);
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain('IAM role: permissions boundary is missing');
    expect(text).toContain('IAM role: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is attached');
    await t.h.slack.waitForCount(quarantined, 2);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
  });

  it('when a Transfer user\'s session policy is replaced by a wide one, then the UpdateUser event quarantines the partner and one approver\'s Re-apply writes the rendered one back', async () => {
    await twoLivePartners();
    const wide = { Version: '2012-10-17', Statement: [{ Sid: 'Wide', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }] };
    await t.h.fake.clients().transfer.send(new UpdateUserCommand({ ServerId: t.h.platform.transferServerId, UserName: 'acme', Policy: JSON.stringify(wide) }));

    t.startLifecycleWorkers();
    const updated = cloudTrailEvent({ eventSource: 'transfer.amazonaws.com', eventName: 'UpdateUser', requestParameters: { serverId: t.h.platform.transferServerId, userName: 'acme' } });
    expect(await deliverEvent(updated)).toBe('checking');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 20_000);
    expect(JSON.stringify(report.body.blocks)).toContain('Transfer user: session policy differs');
    await t.h.slack.waitForCount(quarantined, 2);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });

    const actions = (report.body.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
    const shown = parseReapplyValue(actions.elements!.find((e) => e.action_id === 'drift_reapply')!.value)!;
    expect((await t.useCases.requestReapply({ ...shown, actor: APPROVER })).ok).toBe(true);
    await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).includes('`acme` is released from quarantine'), 20_000);
    expect(JSON.parse(String((await t.h.fake.user('acme'))!.Policy))).toEqual(renderPartner(t.h.platform, partnerSpec('acme')).transferUser.Policy);
  });
});
