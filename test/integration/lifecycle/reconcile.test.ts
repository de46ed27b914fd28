/**
 * Reconcile on partners provisioned for real in the fake account: drift made behind the bot's
 * back is reported in the thread once (not on every run), a different drift is reported again, the
 * Re-apply button (approvers only) repairs it exactly once, and a clean partner stays quiet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteSshPublicKeyCommand, DeleteUserCommand } from '@aws-sdk/client-transfer';
import { UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { addReapplyJob } from '../../../src/jobs/lifecycle/reconcile.js';
import { partnerChangeJobId } from '../../../src/jobs/lifecycle/partner-change.js';
import { checkPartner, driftKey, readDrift, reapplyJobId, type ReconcileDeps } from '../../../src/jobs/lifecycle/reconcile.js';
import { parseReapplyValue } from '../../../src/bot/messages/drift.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { findDrift } from '../../../src/jobs/lifecycle/drift.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { APPROVER, PARTNER_ACCOUNT, REQUESTER } from '../../support/provision-harness.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

let t: LifecycleHarness;
let deps: ReconcileDeps;
beforeEach(async () => {
  t = await startLifecycleHarness();
  deps = {
    cp: createLifecyclePlane(t.h.fake.clients(), t.h.platform), platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix,
    partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit, logger: t.h.logger, approvalsChannel: 'C0APPROVALS',
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
  it('when a policy is widened and another added behind the bot (permission policies only), then the drift is reported once with the diff, and one approver\'s Re-apply repairs it', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('clean');

    // Behind the bot's back: the role may read everything.
    await widenAcmePolicy();
    const acme = (await t.h.partners.get('acme'))!;
    expect(await checkPartner(deps, acme)).toBe('reported');
    expect(await checkPartner(deps, acme)).toBe('unchanged');
    expect(await checkPartner(deps, (await t.h.partners.get('globex'))!)).toBe('clean');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain('IAM role: inline policy partnergate-read-own-prefix differs');
    expect(text).toContain('"action_id":"drift_reapply"');
    // What differs, as a diff of the documents: the widened statement out, the rendered one in.
    expect(text).toContain('*What differs*');
    expect(text).toContain('-      \\"Sid\\": \\"Everything\\"');
    expect(text).toContain(`-      \\"Resource\\": \\"arn:aws:s3:::${t.h.platform.bucket}/*\\"`);
    expect(text).not.toContain('pressing it asks a second approver');
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
    const hash = (await readDrift(t.h.redis, t.h.prefix, 'acme'))!.hash;
    expect(reapplyInput(latest).hash).toBe(hash);
    expect((await t.h.settled(t.queues.reconcile, reapplyJobId('acme', hash))).state).toBe('completed');
    expect(await t.queues.reconcile.getJobCounts('completed')).toEqual({ completed: 1 });
    expect(await t.changes.pendingIds()).toEqual([]);
    expect((await t.h.fake.calls()).slice(before).filter((c) => !c.startsWith('AssumeRole'))).toEqual([
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
    const hash = (await readDrift(t.h.redis, t.h.prefix, 'acme'))!.hash;

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
    expect(reapplyInput(current!).hash).toBe((await readDrift(t.h.redis, t.h.prefix, 'acme'))?.hash);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'drift.reapplied')).toEqual([]);
  });
});

/** Another approver than APPROVER (the harness's directory holds both). */
const SECOND = 'UAPPROVER2';

async function deleteAcmeUser(): Promise<void> {
  await t.h.fake.clients().transfer.send(new DeleteUserCommand({ ServerId: t.h.platform.transferServerId, UserName: 'acme' }));
}

/** The trust policy rewritten behind the bot: another account may assume the role, with another ExternalId. */
async function rewriteAcmeTrust(externalId: string): Promise<void> {
  const role = (await t.h.fake.role('partnergate-partner-acme'))!;
  const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) as { Statement: { Principal: { AWS: string }; Condition: { StringEquals: Record<string, string> } }[] };
  trust.Statement[0]!.Principal.AWS = 'arn:aws:iam::999999999999:root';
  trust.Statement[0]!.Condition.StringEquals['sts:ExternalId'] = externalId;
  await t.h.fake.clients().iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'partnergate-partner-acme', PolicyDocument: JSON.stringify(trust) }));
}

const pendingCard = () => t.h.slack.waitFor((c) => c.ok && c.method === 'chat.postMessage' && String(c.body.text).startsWith('Awaiting approval: Re-apply the rendered documents'));

describe('re-apply that creates something or rewrites a trust policy needs two people', () => {
  it('when the Transfer user was deleted behind the bot, then Re-apply posts a change request the presser cannot approve, another approver can, and the job recreates the user saying who asked and who approved', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const acme = (await t.h.partners.get('acme'))!;
    await deleteAcmeUser();
    expect(await checkPartner(deps, acme)).toBe('reported');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    expect(JSON.stringify(report.body.blocks)).toContain('pressing it asks a second approver');
    expect(JSON.stringify(report.body.blocks)).toContain('+++ Transfer user acme: as rendered');

    t.startLifecycleWorkers();
    const before = (await t.h.fake.calls()).length;
    const pressed = await t.useCases.requestReapply({ ...reapplyInput(report), actor: APPROVER });
    expect(pressed).toMatchObject({ ok: true, message: expect.stringContaining('another approver must approve') });
    // Nothing queued on the one-click path, nothing written.
    expect(await t.queues.reconcile.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    const card = await pendingCard();
    expect(card.body.thread_ts).toBeDefined();
    expect(JSON.stringify(card.body.blocks)).toContain('Transfer user acme is missing');
    const [changeId] = await t.changes.pendingIds();
    const change = (await t.changes.get(changeId!))!;
    expect(change).toMatchObject({ requestedBy: APPROVER, spec: { kind: 'reapply', hash: reapplyInput(report).hash, items: ['Transfer user acme is missing'] } });

    // The presser cannot approve it; a reaction does not either; another approver's button does.
    expect(await t.useCases.decideChange({ changeId: changeId!, actor: APPROVER, decision: 'approve', via: 'button' })).toMatchObject({ ok: false, code: 'self_approval' });
    expect(await t.useCases.decideChange({ changeId: changeId!, actor: SECOND, decision: 'approve', via: 'reaction' })).toMatchObject({ ok: false, code: 'button_required' });
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    expect(await t.useCases.decideChange({ changeId: changeId!, actor: SECOND, decision: 'approve', via: 'button' })).toMatchObject({ ok: true });
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(changeId!))).state).toBe('completed');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual(['CreateUser acme']);
    expect(await t.h.fake.user('acme')).not.toBeNull();
    expect((await findDrift(deps.cp, deps.platform, acme)).items).toEqual([]);
    const done = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith(':wrench: Re-applied on `acme`'));
    expect(String(done.body.text)).toContain(`asked by <@${APPROVER}>, approved by <@${SECOND}>: created Transfer user acme`);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'drift.reapplied')).toEqual([
      expect.objectContaining({ actor: SECOND, details: expect.objectContaining({ requestedBy: APPROVER, secondApprover: SECOND }) }),
    ]);
    // The kind is open again.
    expect(await t.changes.pendingIds()).toEqual([]);
  });

  it('when the trust policy was rewritten behind the bot, then the report shows the diff with both ExternalIds redacted, and Re-apply waits for a second approver', async () => {
    const request = await t.livePartner({ partnerId: 'acme', sshKeys: 1, accountId: PARTNER_ACCOUNT });
    const acme = (await t.h.partners.get('acme'))!;
    const planted = `Planted-${'z'.repeat(40)}`;
    await rewriteAcmeTrust(planted);
    expect(await checkPartner(deps, acme)).toBe('reported');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    const text = JSON.stringify(report.body.blocks);
    expect(text).toContain('IAM role: trust policy differs');
    expect(text).toContain('-        \\"AWS\\": \\"arn:aws:iam::999999999999:root\\"');
    expect(text).toContain(`+        \\"AWS\\": \\"arn:aws:iam::${PARTNER_ACCOUNT}:root\\"`);
    expect(text).toContain('[another ExternalId, redacted]');
    expect(text).toContain('[ExternalId of the registry, redacted]');
    // Neither ExternalId is in the report; no Slack call of the test carries the planted one, and the registry's only the requester's ExternalId DM (on purpose).
    expect(JSON.stringify(report)).not.toContain(request.externalId);
    expect(JSON.stringify(t.h.slack.calls())).not.toContain(planted);
    const carrying = t.h.slack.calls().filter((c) => JSON.stringify(c).includes(request.externalId));
    expect(carrying.map((c) => [c.body.channel, /^ExternalId for .* \(acme\)$/.test(String(c.body.text))])).toEqual([[request.requestedBy, true]]);

    t.startLifecycleWorkers();
    expect((await t.useCases.requestReapply({ ...reapplyInput(report), actor: APPROVER })).message).toContain('another approver must approve');
    await pendingCard();
    expect(await t.queues.reconcile.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
    const [changeId] = await t.changes.pendingIds();
    expect(await t.useCases.decideChange({ changeId: changeId!, actor: SECOND, decision: 'approve', via: 'button' })).toMatchObject({ ok: true });
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(changeId!))).state).toBe('completed');
    expect(decodeURIComponent((await t.h.fake.role('partnergate-partner-acme'))!.AssumeRolePolicyDocument)).toContain(`arn:aws:iam::${PARTNER_ACCOUNT}:root`);
    await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes(`asked by <@${APPROVER}>, approved by <@${SECOND}>: rewrote the trust policy`));
  });

  it('when a one-click re-apply job reaches a drift that creates something or rewrites a trust policy, then the job refuses it (second_approver_needed), writes nothing, and says so', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    const acme = (await t.h.partners.get('acme'))!;
    const gone = (await t.h.fake.user('acme'))!.SshPublicKeys![0]!;
    await t.h.fake.clients().transfer.send(new DeleteSshPublicKeyCommand({ ServerId: t.h.platform.transferServerId, UserName: 'acme', SshPublicKeyId: gone.SshPublicKeyId! }));
    expect(await checkPartner(deps, acme)).toBe('reported');
    const { hash, items } = (await readDrift(t.h.redis, t.h.prefix, 'acme'))!;
    expect(items.map((i) => i.line)).toEqual([`Transfer user: SSH key ${fingerprintOf(gone.SshPublicKeyBody!)} is missing`]);

    // A sealed click, as an approver's press would queue it before this rule (or with a record that hid the item).
    await addReapplyJob(t.queues.reconcile, t.h.seals, 'acme', APPROVER, hash);
    const before = (await t.h.fake.calls()).length;
    t.startLifecycleWorkers();
    expect((await t.h.settled(t.queues.reconcile, reapplyJobId('acme', hash))).state).toBe('failed');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    const told = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith(':no_entry: Not re-applied on `acme`'));
    expect(String(told.body.text)).toContain('needs a second approver, and this re-apply came with none');
    expect((await t.audit.history('acme')).filter((r) => r.type === 'decision.refused')).toEqual([
      expect.objectContaining({ actor: APPROVER, details: expect.objectContaining({ action: 'reapply', code: 'second_approver_needed', hash }) }),
    ]);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'drift.reapplied')).toEqual([]);
  });

  it('when a re-apply change is approved but the drift changed before the job ran, then nothing is written and the new drift is reported', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const acme = (await t.h.partners.get('acme'))!;
    await deleteAcmeUser();
    expect(await checkPartner(deps, acme)).toBe('reported');
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith('Drift on acme'));
    await t.useCases.requestReapply({ ...reapplyInput(report), actor: APPROVER });
    const [changeId] = await t.changes.pendingIds();
    await widenAcmePolicy();
    expect(await t.useCases.decideChange({ changeId: changeId!, actor: SECOND, decision: 'approve', via: 'button' })).toMatchObject({ ok: true });
    const before = (await t.h.fake.calls()).length;
    t.startLifecycleWorkers();
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(changeId!))).state).toBe('failed');
    expect(writes((await t.h.fake.calls()).slice(before))).toEqual([]);
    await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes('Not re-applied on `acme`'));
    const [, current] = await t.h.slack.waitForCount((c) => c.ok && String(c.body.text).startsWith('Drift on acme'), 2);
    expect(JSON.stringify(current!.body.blocks)).toContain('inline policy partnergate-read-own-prefix differs');
    expect(await t.changes.pendingIds()).toEqual([]);
  });
});

describe('quarantine and approved changes', () => {
  /** acme LIVE, with an approved change adding a key whose job has not run yet. */
  async function keyChangeApproved() {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const asked = await t.useCases.requestChange({ partnerId: 'acme', requestedBy: REQUESTER, spec: { kind: 'ssh-keys', add: [ed25519PublicKey()], remove: [] } });
    if (!asked.ok) throw new Error(asked.message);
    expect((await t.useCases.decideChange({ changeId: asked.change.id, actor: APPROVER, decision: 'approve', via: 'button' })).ok).toBe(true);
    return asked.change;
  }

  it('when an approved key change is being applied (AWS ahead of the registry), then a check reports the drift but does not quarantine, and the change job checks again when done', async () => {
    const asked = await keyChangeApproved();
    const key = asked.spec.kind === 'ssh-keys' ? asked.spec.add[0]! : '';
    // The job's first write, as AWS has it before the registry follows: the new key on the Transfer user.
    await createLifecyclePlane(t.h.fake.clients(), t.h.platform).importSshPublicKey('acme', key);

    const applying = { ...deps, changeApplying: (id: string) => t.changes.applying(id) };
    expect(await checkPartner(applying, (await t.h.partners.get('acme'))!)).toBe('reported');
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    expect(await t.changes.applying('acme')).toEqual(['ssh-keys']);

    t.startLifecycleWorkers();
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(asked.id))).state).toBe('completed');
    await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith(':white_check_mark: No drift on `acme` any more'));
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    expect(await t.changes.applying('acme')).toEqual([]);
  });

  it('when an approved key change is being applied but the drift has more than its keys (a managed policy attached), then the partner is quarantined all the same', async () => {
    const asked = await keyChangeApproved();
    const key = asked.spec.kind === 'ssh-keys' ? asked.spec.add[0]! : '';
    await createLifecyclePlane(t.h.fake.clients(), t.h.platform).importSshPublicKey('acme', key);
    await t.h.fake.attachManagedPolicy('partnergate-partner-acme', 'arn:aws:iam::aws:policy/AdministratorAccess', {
      Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    expect(await checkPartner({ ...deps, changeApplying: (id: string) => t.changes.applying(id) }, (await t.h.partners.get('acme'))!)).toBe('reported');
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    const alert = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes('`acme` is QUARANTINED'));
    expect(String(alert.body.text)).toContain('managed policy arn:aws:iam::aws:policy/AdministratorAccess is attached');
    expect(String(alert.body.text)).not.toContain('SSH key'); // what the change explains is not held against the partner
  });
});

describe('quarantine held by a lapsed access review', () => {
  it('when a partner paused by its lapsed review has no drift, then a check does not release it; once Keep lifts the hold, the next check does', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const at = new Date().toISOString();
    expect(await t.h.partners.apply('acme', 'quarantined', { updatedAt: at, reviewHold: at })).toMatchObject({ status: 'quarantined' });
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('clean');
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined', reviewHold: at });

    await t.h.partners.update('acme', ({ reviewHold: _held, ...r }) => r);
    expect(await checkPartner(deps, (await t.h.partners.get('acme'))!)).toBe('clean');
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
  });
});
