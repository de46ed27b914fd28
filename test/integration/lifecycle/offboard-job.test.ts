/**
 * Offboarding on a real (fake-account) partner: provisioned and verified first, then offboarded by
 * the job on BullMQ, with a crash after AWS deleted the Transfer user and another in the middle of
 * the archive. The resumed job finishes, does nothing twice, proves access is gone, and posts the
 * evidence once; the audit trail has every step.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { IAMServiceException, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { offboardJobId } from '../../../src/jobs/lifecycle/offboard.js';
import { renderLockedPartnerRole } from '../../../src/aws/policies/index.js';
import { RunStore } from '../../../src/store/runs.js';
import { APPROVER, REQUESTER } from '../../support/provision-harness.js';
import { failNthCall } from '../../support/s3-client.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

const networkError = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await t.h.s3.client.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe('offboarding job', () => {
  it('when the worker crashes after AWS deleted the user and again mid-archive, then the resumed job finishes with everything done once and the evidence posted once', async () => {
    const request = await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    await t.putFile('partners/acme/prices/2026-11.csv', 'sku,price\nA,1\n');
    await t.putFile('partners/acme/feeds/price-lists/all.csv', 'everything\n');
    await t.putFile('partners/acme-corp/keep.txt', 'another partner, same prefix start\n');
    const provisioned = (await t.h.fake.calls()).length;

    const asked = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'archive', reason: 'contract ended' } });
    if (!asked.ok) throw new Error(asked.message);
    const self = await t.useCases.decideChange({ changeId: asked.change.id, actor: REQUESTER, decision: 'approve', via: 'button' });
    expect(self).toMatchObject({ ok: false, code: 'self_approval' });
    expect(await t.queues.offboard.getJob(offboardJobId(asked.change.id))).toBeUndefined();

    t.lc.failAfter('DeleteUser', networkError()); // AWS deleted the user; the worker never learnt it
    failNthCall(t.h.s3.client, 'DeleteObjectCommand', 2, networkError()); // the second file was copied, not yet deleted
    t.startLifecycleWorkers();
    const approved = await t.useCases.decideChange({ changeId: asked.change.id, actor: APPROVER, decision: 'approve', via: 'button' });
    expect(approved.ok).toBe(true);

    const { state, job } = await t.h.settled(t.queues.offboard, offboardJobId(asked.change.id));
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(3); // two crashes, one run that finished

    // AWS: the SFTP user, then the role locked (trust no one, every session denied), then each removal exactly once, in order.
    const { trustPolicy, lock } = renderLockedPartnerRole();
    expect((await t.h.fake.calls()).slice(provisioned).filter((c) => !c.startsWith('AssumeRole'))).toEqual([
      'DeleteUser acme',
      'UpdateAssumeRolePolicy partnergate-partner-acme',
      `PutRolePolicy partnergate-partner-acme ${lock.name}`,
      'DeleteRolePolicy partnergate-partner-acme partnergate-read-own-prefix',
      `DeleteRolePolicy partnergate-partner-acme ${lock.name}`,
      'DeleteRole partnergate-partner-acme',
    ]);
    const run = (await new RunStore(t.h.redis, t.h.prefix).of('offboard', 'acme').get())!;
    const locked = t.h.fake.iam.commandCalls(PutRolePolicyCommand).find((c) => c.args[0].input.PolicyName === lock.name)!;
    expect(JSON.parse(locked.args[0].input.PolicyDocument!)).toEqual(lock.document);
    expect(lock.document.Statement).toEqual([{ Sid: 'OffboardedDenyEverything', Effect: 'Deny', Action: '*', Resource: '*' }]);
    const trust = t.h.fake.iam.commandCalls(UpdateAssumeRolePolicyCommand).at(-1)!;
    expect(JSON.parse(trust.args[0].input.PolicyDocument!)).toEqual(trustPolicy);
    expect(await t.h.fake.user('acme')).toBeNull();
    expect(await t.h.fake.role('partnergate-partner-acme')).toBeNull();

    // S3: every file moved once to the archive with its content; the neighbour untouched.
    expect(await keysUnder('partners/acme/')).toEqual([]);
    expect(await keysUnder('archive/partners/acme/')).toEqual([
      'archive/partners/acme/.partnergate', 'archive/partners/acme/feeds/price-lists/all.csv', 'archive/partners/acme/prices/2026-11.csv',
    ]);
    const archived = await t.h.s3.client.send(new GetObjectCommand({ Bucket: t.h.s3.bucket, Key: 'archive/partners/acme/prices/2026-11.csv' }));
    expect(await archived.Body!.transformToString()).toBe('sku,price\nA,1\n');
    expect(await keysUnder('partners/acme-corp/')).toEqual(['partners/acme-corp/keep.txt']);
    expect(Number(run.facts['archived'])).toBe(3);

    // Registry: offboarded (no deliveries), out of the feed, the id still reserved by its request.
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'offboarded' });
    expect(await t.h.partners.subscribers('price-lists')).not.toContain('acme');
    expect(await t.h.requests.partnerIdHolder('acme')).toBe(request.id);

    // Thread: the evidence, once, with who approved and what the probes found.
    const evidence = await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).startsWith('Offboarding evidence for acme'));
    const text = JSON.stringify(evidence.body.blocks);
    expect(evidence.body.text).toBe('Offboarding evidence for acme: access is gone');
    expect(text).toContain(`approved by <@${APPROVER}>`);
    expect(text).toContain(`requested by <@${REQUESTER}>`);
    expect(text).toContain('deleted Transfer user acme with its 2 SSH keys');
    expect(text).toMatch(/assume the partner role \(with its ExternalId\) — denied \(AccessDenied\)/);
    expect(text).toContain('moved 3 objects from partners/acme/ to archive/partners/acme/');
    expect(text).not.toContain(':x:');
    expect(text).not.toContain(request.externalId);

    // Audit: the request, the decisions, every step, the completion.
    const history = await t.audit.history('acme');
    const types = history.map((r) => r.type);
    expect(types.filter((x) => x === 'offboard.step')).toHaveLength(6);
    expect(types).toEqual(expect.arrayContaining(['change.requested', 'decision.refused', 'change.approved', 'offboard.completed']));
    const completed = history.find((r) => r.type === 'offboard.completed')!;
    expect(completed).toMatchObject({ requestId: asked.change.id, details: { approvedBy: APPROVER, requestedBy: REQUESTER, prefix: 'archive' } });
    expect(JSON.stringify(history)).not.toContain(request.externalId);

    // Running the job again changes nothing and posts no second evidence.
    const before = await t.h.fake.calls();
    await job.remove();
    await t.queues.offboard.add('offboard', { changeId: asked.change.id }, { jobId: offboardJobId(asked.change.id) });
    expect((await t.h.settled(t.queues.offboard, offboardJobId(asked.change.id))).state).toBe('completed');
    expect((await t.h.fake.calls()).filter((c) => !c.startsWith('AssumeRole'))).toEqual(before.filter((c) => !c.startsWith('AssumeRole')));
    await t.h.slack.waitFor((c) => c.method === 'chat.update' && String(c.body.text) === 'Offboarding acme: done');
    expect(t.h.slack.calls('chat.postMessage').filter((c) => String(c.body.text).startsWith('Offboarding evidence'))).toHaveLength(1);
  });

  it('when a second offboarding is asked for while one is open, or after it is done, then it is refused and nothing is stored', async () => {
    await t.livePartner({ partnerId: 'globex', sshKeys: 1, accountId: null });
    const first = await t.useCases.requestChange({ partnerId: 'globex', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    expect(first.ok).toBe(true);
    const second = await t.useCases.requestChange({ partnerId: 'globex', requestedBy: APPROVER, spec: { kind: 'offboard', prefix: 'archive', reason: '' } });
    expect(second).toMatchObject({ ok: false, code: 'already_open' });
    const unknown = await t.useCases.requestChange({ partnerId: 'nobody', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    expect(unknown).toMatchObject({ ok: false, code: 'unknown_partner' });
    const bad = await t.useCases.requestChange({ partnerId: 'Bad*Id', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    expect(bad).toMatchObject({ ok: false, code: 'invalid_partner_id' });
    expect(await t.changes.pendingIds()).toEqual([first.ok ? first.change.id : '']);

    t.startLifecycleWorkers();
    if (!first.ok) throw new Error('expected a change');
    await t.useCases.decideChange({ changeId: first.change.id, actor: APPROVER, decision: 'approve', via: 'button' });
    expect((await t.h.settled(t.queues.offboard, offboardJobId(first.change.id))).state).toBe('completed');
    const evidence = await t.h.slack.waitFor((c) => String(c.body.text).startsWith('Offboarding evidence for globex'));
    expect(JSON.stringify(evidence.body.blocks)).toContain('kept 1 object under partners/globex/');
    const again = await t.useCases.requestChange({ partnerId: 'globex', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    expect(again).toMatchObject({ ok: false, code: 'offboarded' });
    const late = await t.useCases.decideChange({ changeId: first.change.id, actor: 'UAPPROVER2', decision: 'approve', via: 'button' });
    expect(late).toMatchObject({ ok: false, code: 'already_decided' });
  });
});

describe('offboarding a resource that is not ours', () => {
  it('when the role carries another partner tag, then the step fails at once, the thread says why, and the role is left alone', async () => {
    await t.livePartner({ partnerId: 'hooli', sshKeys: 1 });
    const roleKey = `${t.h.prefix}:fakeaws:role:partnergate-partner-hooli`;
    const role = JSON.parse((await t.h.redis.get(roleKey))!) as { Tags: { Key: string; Value: string }[] };
    await t.h.redis.set(roleKey, JSON.stringify({ ...role, Tags: role.Tags.map((x) => (x.Key === 'partnergate:partner-id' ? { ...x, Value: 'someone-else' } : x)) }));
    const asked = await t.useCases.requestChange({ partnerId: 'hooli', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: '' } });
    if (!asked.ok) throw new Error(asked.message);
    t.startLifecycleWorkers();
    await t.useCases.decideChange({ changeId: asked.change.id, actor: APPROVER, decision: 'approve', via: 'button' });
    const { state, job } = await t.h.settled(t.queues.offboard, offboardJobId(asked.change.id));
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    const stopped = await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).startsWith(':x: Offboarding of `hooli` stopped'));
    expect(String(stopped.body.text)).toContain('a resource with the partner’s name exists and was not made by partnergate');
    expect(String(stopped.body.text)).not.toContain('RESOURCE_NOT_OURS'); // the code is in the audit record below
    expect(await t.h.fake.role('partnergate-partner-hooli')).not.toBeNull();
    expect(await t.h.fake.user('hooli')).toBeNull(); // the SFTP login goes first, whatever the role's state
    expect(await t.h.partners.get('hooli')).toMatchObject({ status: 'offboarded' }); // deliveries stopped all the same
    const failed = (await t.audit.history('hooli')).find((r) => r.type === 'offboard.failed')!;
    expect(failed.details).toMatchObject({ step: 'lock-role', code: 'RESOURCE_NOT_OURS' });
  });
});

describe('offboarding a role an administrator attached a managed policy to', () => {
  const READ_ONLY_ARN = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
  // The AWS managed policy's statement, as AWS publishes it.
  const READ_ONLY = {
    Version: '2012-10-17' as const,
    Statement: [{ Sid: 'AmazonS3ReadOnlyAccess', Effect: 'Allow' as const, Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }],
  };

  /** A partner-role session's listing (sessions from t.partnerS3: through the verifier, whom the role trusts too). */
  const list = (s3: S3Client, prefix: string) => s3.send(new ListObjectsV2Command({ Bucket: t.h.s3.bucket, Prefix: prefix }));

  /** acme LIVE beside globex, with AmazonS3ReadOnlyAccess attached to its role by hand, and a session of it issued before offboarding. */
  async function widenedPartner() {
    const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    await t.putFile('partners/globex/prices.csv', 'globex only\n');
    await t.h.fake.attachManagedPolicy('partnergate-partner-acme', READ_ONLY_ARN, READ_ONLY);
    const old = await t.partnerS3(acme);
    expect((await list(old, 'partners/acme/')).$metadata.httpStatusCode).toBe(200); // the session works before offboarding
    await expect(list(old, 'partners/globex/')).rejects.toThrow(/Access Denied/); // the second layer holds the attached policy
    return { acme, old };
  }

  async function offboard(partnerId: string) {
    const asked = await t.useCases.requestChange({ partnerId, requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: 'contract ended' } });
    if (!asked.ok) throw new Error(asked.message);
    t.startLifecycleWorkers();
    await t.useCases.decideChange({ changeId: asked.change.id, actor: APPROVER, decision: 'approve', via: 'button' });
    return t.h.settled(t.queues.offboard, offboardJobId(asked.change.id));
  }

  it('when the role carries AmazonS3ReadOnlyAccess, then it is detached, the role is gone, and neither the old session nor a new one works', async () => {
    const { acme, old } = await widenedPartner();

    const { state } = await offboard('acme');
    expect(state).toBe('completed');
    expect(await t.h.fake.calls()).toContain(`DetachRolePolicy partnergate-partner-acme ${READ_ONLY_ARN}`);
    expect(await t.h.fake.role('partnergate-partner-acme')).toBeNull();
    await expect(list(old, 'partners/globex/')).rejects.toThrow(/Access Denied/);
    await expect(list(old, 'partners/acme/')).rejects.toThrow(/Access Denied/);
    await expect(t.partnerS3(acme)).rejects.toThrow(/not authorized to perform: sts:AssumeRole/);
    const evidence = await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).startsWith('Offboarding evidence for acme'));
    expect(JSON.stringify(evidence.body.blocks)).toContain(`detached managed ${READ_ONLY_ARN}`);
  });

  it('when detaching fails half-way, then the role is left locked: no new session, and the old one is refused its neighbour and its own home', async () => {
    const { acme, old } = await widenedPartner();

    t.lc.failNext('DetachRolePolicy', new IAMServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: iam:DetachRolePolicy' }));
    const { state } = await offboard('acme');
    expect(state).toBe('failed');
    expect((await t.audit.history('acme')).find((r) => r.type === 'offboard.failed')?.details).toMatchObject({ step: 'role' });

    // Less access than before, never more: the role is still there, with the attached policy, but usable by no one.
    expect(Object.keys(await t.h.fake.attachedPolicies('partnergate-partner-acme'))).toEqual([READ_ONLY_ARN]);
    const { trustPolicy, lock } = renderLockedPartnerRole();
    const role = (await t.h.fake.role('partnergate-partner-acme'))!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument))).toEqual(trustPolicy);
    expect(await t.h.fake.rolePolicy('partnergate-partner-acme', lock.name)).toEqual(lock.document);
    await expect(list(old, 'partners/globex/')).rejects.toThrow(/Access Denied/);
    await expect(list(old, 'partners/acme/')).rejects.toThrow(/Access Denied/);
    await expect(t.partnerS3(acme)).rejects.toThrow(/not authorized to perform: sts:AssumeRole/);
    expect(await t.h.fake.user('acme')).toBeNull();
  });
});
