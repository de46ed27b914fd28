/**
 * Issue #15, finding 2: Redis was the trust anchor for approvals. Each test here is the attack as
 * someone who can write to Redis (and nothing else) would make it — raw HSETs and queue adds on the
 * real Redis, against the jobs as the composition root builds them and the fake AWS account that
 * records every write — and shows that no job acts on it: nothing reaches AWS, the partner's
 * thread and the approvals channel get the alert naming the item, and the audit trail has
 * `approval.integrity-failed`. Each of these tests fails on the code before approvals were sealed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SFTP_ENDPOINT } from '../../support/ports.js';
import { decide, requestApprovals } from '../../../src/actions/approval/index.js';
import { createPlanRenderer, requestOnboarding } from '../../../src/actions/onboarding/index.js';
import { verifyJobId } from '../../../src/actions/onboarding/contract.js';
import { addOffboardJob, addPartnerChangeJob, readDrift } from '../../../src/jobs/lifecycle/index.js';
import { checkPartner, reapplyJobId, REAPPLY_JOB } from '../../../src/jobs/lifecycle/reconcile.js';
import { offboardJobId } from '../../../src/jobs/lifecycle/offboard.js';
import { partnerChangeJobId } from '../../../src/jobs/lifecycle/partner-change.js';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { keys } from '../../../src/store/keys.js';
import { changeKeys } from '../../../src/store/change-requests.js';
import type { OnboardingRequest } from '../../../src/domain/requests.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { APPROVER, CHANNEL, REQUESTER } from '../../support/provision-harness.js';
import { sshPublicKey } from '../../support/provision-fixtures.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

const EVIL_ACCOUNT = '999988887777';
const ALERT = 'Integrity check failed';
const writes = (calls: string[]) => calls.filter((c) => !/^(AssumeRole|Get|List|Describe)/.test(c));

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

/** A request submitted through the use case, its card posted; answers the request and the card's ts. */
async function submitted(partnerId: string): Promise<{ request: OnboardingRequest; cardTs: string }> {
  const { h } = t;
  const result = await requestOnboarding({
    logger: h.logger, clock: h.clock, store: h.requests, notify: h.notify, audit: t.audit.audit, renderPlan: createPlanRenderer(h.platform),
    approvalsChannel: CHANNEL, approvalReaction: 'white_check_mark', enterpriseAccountId: h.platform.accountId, feeds: h.platform.feeds, requestTtlHours: 72, sftpEndpoint: SFTP_ENDPOINT,
  }, {
    raw: { displayName: `${partnerId} Ltd`, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: sshPublicKey(), accountId: '444455556666', feeds: ['price-lists'], notes: null },
    requestedBy: REQUESTER,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const card = await h.slack.waitFor((c) => c.ok && c.method === 'chat.postMessage' && c.body.channel === CHANNEL && !c.body.thread_ts && String(c.body.text).includes(`(${partnerId})`));
  return { request: result.request, cardTs: String(card.answer!.ts) };
}

/** The approval use case as the web role binds it: an approved request queues its provision job. */
const approve = (requestId: string, actor = APPROVER) =>
  decide({
    logger: t.h.logger, clock: t.h.clock, kind: requestApprovals(t.h.requests), approvers: t.h.approvers, notify: t.h.notify, audit: t.audit.audit,
    approvalReaction: 'white_check_mark', seals: t.h.seals, approvalsChannel: CHANNEL,
    onApproved: (r) => t.h.provision({ requestId: r.id, attempt: 1 }),
  }, { id: requestId, actor, decision: 'approve', via: 'button' });

/** What someone with Redis access does to a stored item: rewrite its `data` JSON. */
async function rewrite(key: string, change: (data: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const data = JSON.parse((await t.h.redis.hget(key, 'data'))!) as Record<string, unknown>;
  await t.h.redis.hset(key, 'data', JSON.stringify(change(data)));
}

/** The account id changed, and the plan hash beside it recomputed (it sits in the same record). */
const toEvilAccount = (data: Record<string, unknown>) => {
  const evil = { ...data, accountId: EVIL_ACCOUNT };
  return { ...evil, planHash: createPlanRenderer(t.h.platform)(evil as unknown as OnboardingRequest).hash };
};

/** One HSET: status approved and a decision nobody made. */
const forgeApproval = (key: string) =>
  t.h.redis.hset(key, 'status', 'approved', 'decision', JSON.stringify({ status: 'approved', by: APPROVER, at: t.h.clock.now().toISOString(), via: 'button' }));

/** The two alerts naming `id`: one in the thread of `threadTs`, one in the approvals channel itself. */
async function alerts(id: string, threadTs: string): Promise<SlackCall[]> {
  const named = (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && c.body.channel === CHANNEL && String(c.body.text).includes(ALERT) && String(c.body.text).includes(id);
  const inThread = await t.h.slack.waitFor((c) => named(c) && c.body.thread_ts === threadTs);
  const inChannel = await t.h.slack.waitFor((c) => named(c) && c.body.thread_ts === undefined);
  return [inThread, inChannel];
}

async function integrityRecords(partnerId: string) {
  return (await t.audit.history(partnerId)).filter((r) => r.type === 'approval.integrity-failed');
}

/** `stage: reason` of each record, sorted (records of the same instant of the manual clock have no order). */
const stages = (records: { details: Record<string, unknown> }[]) => records.map((r) => `${String(r.details.stage)}: ${String(r.details.reason)}`).sort();

describe('forged approvals (Redis alone cannot approve)', () => {
  it('when a pending request is made approved with one HSET of status and decision, then provisioning refuses, nothing reaches AWS, and the thread, the approvals channel and the audit trail say so', async () => {
    const { request, cardTs } = await submitted('acme');
    await forgeApproval(keys(t.h.prefix).request(request.id));

    t.h.startWorkers({ audit: t.audit.audit });
    await t.h.provision({ requestId: request.id, attempt: 1 });
    const { state, job } = await t.h.settled(t.h.provisionQueue, request.id);

    expect(state).toBe('failed');
    expect(job.failedReason).toMatch(new RegExp(`^approval integrity check failed for request ${request.id}: .*decision does not match its seal.*\\(APPROVAL_SIGNING_KEY\\)$`));
    expect(await t.h.fake.calls()).toEqual([]);
    expect(await t.h.partners.get('acme')).toBeNull();
    const [inThread] = await alerts(request.id, cardTs);
    expect(String(inThread!.body.text)).toContain('Provisioning refused it; nothing was done on AWS');
    expect(await integrityRecords('acme')).toEqual([
      expect.objectContaining({ requestId: request.id, actor: 'partnergate', details: { kind: 'request', stage: 'provision', reason: 'decision' } }),
    ]);
  });

  it('when a pending request’s account id (and its plan hash) is changed after its card was posted, then the approval through the use case is refused, and a provision job queued anyway refuses: no role trusts the other account', async () => {
    const { request, cardTs } = await submitted('acme');
    await rewrite(keys(t.h.prefix).request(request.id), toEvilAccount);

    const decided = await approve(request.id);
    expect(decided).toMatchObject({ ok: false, code: 'integrity_failed' });
    expect(decided.ok ? '' : decided.message).toContain('does not match what was submitted');
    expect((await t.h.requests.get(request.id))?.status).toBe('pending');
    await alerts(request.id, cardTs);

    // Whoever can write to Redis can also queue the job: it refuses as well.
    t.h.startWorkers({ audit: t.audit.audit });
    await t.h.provision({ requestId: request.id, attempt: 1 });
    expect((await t.h.settled(t.h.provisionQueue, request.id)).state).toBe('failed');
    expect(await t.h.fake.calls()).toEqual([]);
    expect(await t.h.fake.role('partnergate-partner-acme')).toBeNull();
    expect(stages(await integrityRecords('acme'))).toEqual(['decide: content', 'provision: content']);
  });

  it('when the account id is changed after a proper approval, before the job runs, then provisioning refuses and nothing reaches AWS', async () => {
    const { request, cardTs } = await submitted('acme');
    expect((await approve(request.id)).ok).toBe(true);
    await rewrite(keys(t.h.prefix).request(request.id), toEvilAccount);

    t.h.startWorkers({ audit: t.audit.audit });
    expect((await t.h.settled(t.h.provisionQueue, request.id)).state).toBe('failed');
    expect(await t.h.fake.calls()).toEqual([]);
    await alerts(request.id, cardTs);
    expect((await integrityRecords('acme')).map((r) => r.details)).toEqual([{ kind: 'request', stage: 'provision', reason: 'content' }]);
  });

  it('when a provisioned request’s decision is rewritten before verification, then verification refuses and the partner is not set live', async () => {
    const request = await t.h.approvedRequest({ partnerId: 'acme' });
    t.h.startWorkers({ settleSeconds: 3600, audit: t.audit.audit });
    await t.h.provision({ requestId: request.id, attempt: 1 });
    expect((await t.h.settled(t.h.provisionQueue, request.id)).state).toBe('completed');
    // Who approved it, rewritten: the decision no longer matches its seal.
    await t.h.redis.hset(keys(t.h.prefix).request(request.id), 'decision', JSON.stringify({ ...request.decision, by: 'UAPPROVER2' }));

    const verifyId = verifyJobId({ requestId: request.id, attempt: 1 });
    await (await t.h.verifyQueue.getJob(verifyId))!.promote();
    const { state, job } = await t.h.settled(t.h.verifyQueue, verifyId);
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('approval integrity check failed');
    expect((await t.h.partners.get('acme'))?.status).toBe('verifying');
    expect(t.h.live).toEqual([]);
    const card = t.h.slack.calls('chat.postMessage').find((c) => c.ok && !c.body.thread_ts && String(c.body.text) === 'card acme')!;
    await alerts(request.id, String(card.answer!.ts));
  });

  it('when an SSH key change is rewritten to add another key after its card was posted, then the approval is refused and the change job queued anyway imports nothing', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const provisioned = (await t.h.fake.calls()).length;
    const asked = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: REQUESTER, spec: { kind: 'ssh-keys', add: [sshPublicKey()], remove: [] } });
    if (!asked.ok) throw new Error(asked.message);
    await t.h.slack.waitFor((c) => c.ok && JSON.stringify(c.body.blocks ?? []).includes(asked.change.id)); // its card is posted
    const intruder = sshPublicKey();
    await rewrite(changeKeys(t.h.prefix).change(asked.change.id), (d) => ({ ...d, spec: { kind: 'ssh-keys', add: [intruder], remove: [] } }));

    t.startLifecycleWorkers();
    expect(await t.useCases.decideChange({ changeId: asked.change.id, actor: APPROVER, decision: 'approve', via: 'button' })).toMatchObject({ ok: false, code: 'integrity_failed' });
    await addPartnerChangeJob(t.queues.partnerChange, asked.change.id);
    const { state, job } = await t.h.settled(t.queues.partnerChange, partnerChangeJobId(asked.change.id));

    expect(state).toBe('failed');
    expect(job.failedReason).toContain(`approval integrity check failed for change ${asked.change.id}`);
    expect(writes((await t.h.fake.calls()).slice(provisioned))).toEqual([]);
    expect((await t.h.fake.user('acme'))?.SshPublicKeys).toHaveLength(1);
    expect(await t.changes.openChange('acme', 'ssh-keys')).toBeNull();
    const partner = (await t.h.partners.get('acme'))!;
    const card = t.h.slack.calls('chat.postMessage').find((c) => c.ok && !c.body.thread_ts && String(c.body.text) === 'card acme')!;
    expect(partner.threadRef).toBe(`card:${partner.requestId}`);
    await alerts(asked.change.id, String(card.answer!.ts));
    expect(stages(await integrityRecords('acme'))).toEqual(['change: content', 'decide: content']);
    expect((await integrityRecords('acme')).every((r) => r.details.kind === 'change' && r.requestId === asked.change.id)).toBe(true);
  });

  it('when a pending offboarding is made approved with one HSET, then the offboard job refuses and the partner stays live with its access', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const provisioned = (await t.h.fake.calls()).length;
    const asked = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: REQUESTER, spec: { kind: 'offboard', prefix: 'keep', reason: 'forged' } });
    if (!asked.ok) throw new Error(asked.message);
    await forgeApproval(changeKeys(t.h.prefix).change(asked.change.id));

    t.startLifecycleWorkers();
    await addOffboardJob(t.queues.offboard, asked.change.id);
    const { state, job } = await t.h.settled(t.queues.offboard, offboardJobId(asked.change.id));

    expect(state).toBe('failed');
    expect(job.failedReason).toContain('decision does not match its seal');
    expect(writes((await t.h.fake.calls()).slice(provisioned))).toEqual([]);
    expect((await t.h.partners.get('acme'))?.status).toBe('live');
    expect(await t.changes.openChange('acme', 'offboard')).toBeNull(); // a sealed offboarding can be asked for
    const card = t.h.slack.calls('chat.postMessage').find((c) => c.ok && !c.body.thread_ts && String(c.body.text) === 'card acme')!;
    await alerts(asked.change.id, String(card.answer!.ts));
    expect((await integrityRecords('acme')).map((r) => r.details)).toEqual([{ kind: 'change', stage: 'offboard', reason: 'decision' }]);
  });

  it('when a re-apply job is queued straight into Redis (no approver clicked), then it refuses and writes nothing', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const deps = {
      cp: createLifecyclePlane(t.h.fake.clients(), t.h.platform), platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix,
      partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit, logger: t.h.logger, approvalsChannel: 'C0APPROVALS',
    };
    await t.h.fake.setRolePolicy('partnergate-partner-acme', 'partnergate-extra', { Version: '2012-10-17', Statement: [{ Sid: 'X', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] });
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('reported');
    const hash = (await readDrift(t.h.redis, t.h.prefix, 'acme'))!.hash;
    const before = (await t.h.fake.calls()).length;

    t.startLifecycleWorkers();
    await t.queues.reconcile.add(REAPPLY_JOB, { partnerId: 'acme', by: APPROVER, hash }, { jobId: reapplyJobId('acme', hash) });
    const { state, job } = await t.h.settled(t.queues.reconcile, reapplyJobId('acme', hash));

    expect(state).toBe('failed');
    expect(job.failedReason).toContain('approval integrity check failed for re-apply');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    const card = t.h.slack.calls('chat.postMessage').find((c) => c.ok && !c.body.thread_ts && String(c.body.text) === 'card acme')!;
    await alerts(reapplyJobId('acme', hash), String(card.answer!.ts));
    expect((await integrityRecords('acme')).map((r) => r.details)).toEqual([{ kind: 're-apply', stage: 'reapply', reason: 'unsealed', jobId: reapplyJobId('acme', hash) }]);
  });
});

describe('records stored before approvals were sealed', () => {
  it('when a request has no seal (stored by the previous version), then approving it is refused and its provision job refuses, saying to submit it again', async () => {
    const { request, cardTs } = await submitted('acme');
    await t.h.redis.hdel(keys(t.h.prefix).request(request.id), 'seal');

    const decided = await approve(request.id);
    expect(decided).toMatchObject({ ok: false, code: 'integrity_failed' });
    const [inThread] = await alerts(request.id, cardTs);
    expect(String(inThread!.body.text)).toContain('carries no seal');
    expect(String(inThread!.body.text)).toContain('ask for it again (README "Upgrading to sealed approvals")');

    // Approved the way the previous version did (no decision seal), then queued: refused too.
    await forgeApproval(keys(t.h.prefix).request(request.id));
    t.h.startWorkers({ audit: t.audit.audit });
    await t.h.provision({ requestId: request.id, attempt: 1 });
    const { state, job } = await t.h.settled(t.h.provisionQueue, request.id);
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('carries no seal (stored before approvals were sealed');
    expect(await t.h.fake.calls()).toEqual([]);
    expect(stages(await integrityRecords('acme'))).toEqual(['decide: unsealed', 'provision: unsealed']);
  });
});
