/**
 * SSH keys and the ExternalId through approval, on a partner provisioned for real in the fake
 * account: bad input refused per field with nothing stored; a key added and another removed by the
 * job exactly once; the ExternalId rotated in the role's trust policy with a new welcome by DM;
 * old keys flagged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partnerChangeJobId } from '../../../src/jobs/lifecycle/partner-change.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { buildPartnerKeysModal } from '../../../src/bot/views/partner-keys-modal.js';
import { APPROVER, REQUESTER } from '../../support/provision-harness.js';
import { sshPublicKey } from '../../support/provision-fixtures.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';

let t: LifecycleHarness;
let logLines: string[];
beforeEach(async () => {
  logLines = [];
  t = await startLifecycleHarness({ logLines });
});
afterEach(async () => {
  await t.close();
});

const submission = (o: Partial<{ addText: string; remove: string[]; rotate: boolean }>) => ({
  partnerId: 'acme', addText: '', remove: [], rotate: false, reason: 'routine', requestedBy: REQUESTER, ...o,
});
const writes = async () => (await t.h.fake.calls()).filter((c) => !c.startsWith('AssumeRole'));

describe('partner keys', () => {
  it('when a key is added and another removed through approval, then Transfer and the registry change once and the thread and audit say so', async () => {
    const request = await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    const [k1, k2] = request.sshKeys as [string, string];
    const k3 = sshPublicKey();
    const f1 = fingerprintOf(k1)!;

    // Bad input: each problem on its field, nothing stored.
    const bad = [
      await t.useCases.requestKeyChanges(submission({})),
      await t.useCases.requestKeyChanges(submission({ addText: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----' })),
      await t.useCases.requestKeyChanges(submission({ addText: k2 })),
      await t.useCases.requestKeyChanges(submission({ remove: ['SHA256:not-a-key-of-acme'] })),
      await t.useCases.requestKeyChanges({ ...submission({ addText: k3 }), partnerId: 'nobody' }),
    ];
    expect(bad.map((r) => (r.ok ? 'ok' : Object.entries(r.errors).map(([b, m]) => `${b}: ${m}`).join()))).toEqual([
      'add_keys: Add or remove a key, or rotate the ExternalId.',
      expect.stringMatching(/^add_keys: This is a PRIVATE key/),
      `add_keys: The partner already has the key ${fingerprintOf(k2)}.`,
      'remove_keys: Not a key of this partner: SHA256:not-a-key-of-acme.',
      'add_keys: There is no partner `nobody` in the registry.',
    ]);
    expect(await t.changes.pendingIds()).toEqual([]);

    t.h.clock.advance(200 * 86_400_000);
    const before = await writes();
    const asked = await t.useCases.requestKeyChanges(submission({ addText: `${k3} new-laptop`, remove: [f1] }));
    if (!asked.ok) throw new Error(JSON.stringify(asked.errors));
    expect(asked.changes.map((c) => c.spec.kind)).toEqual(['ssh-keys']);
    const card = await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).startsWith('Awaiting approval: Change SSH keys (1 to add, 1 to remove) for acme'));
    expect(JSON.stringify(card.body.blocks)).toContain(f1);
    expect(JSON.stringify(card.body.blocks)).toContain(`add \`ssh-ed25519\` \`${fingerprintOf(k3)}\``); // as the onboarding plan names keys
    expect(JSON.stringify(card.body.blocks)).not.toContain(k3.split(' ')[1]); // never the key material

    t.startLifecycleWorkers();
    const id = asked.changes[0]!.id;
    expect(await t.useCases.decideChange({ changeId: id, actor: REQUESTER, decision: 'approve', via: 'button' })).toMatchObject({ ok: false, code: 'self_approval' });
    expect((await t.useCases.decideChange({ changeId: id, actor: APPROVER, decision: 'approve', via: 'button' })).ok).toBe(true);
    const { state, job } = await t.h.settled(t.queues.partnerChange, partnerChangeJobId(id));
    expect(state).toBe('completed');

    expect((await writes()).slice(before.length)).toEqual(['ImportSshPublicKey acme', 'DeleteSshPublicKey acme']);
    const user = await t.h.fake.user('acme');
    expect(user?.SshPublicKeys?.map((k) => k.SshPublicKeyBody).sort()).toEqual([k2, k3].sort());
    const record = (await t.h.partners.get('acme'))!;
    expect(record.sshKeys).toEqual([k2, k3]);
    expect(record.keyAddedAt).toEqual({ [k3]: t.h.clock.now().toISOString() });
    const line = await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).startsWith(':key: SSH keys of `acme` changed'));
    expect(String(line.body.text)).toBe(`:key: SSH keys of \`acme\` changed: added \`${fingerprintOf(k3)}\`, removed \`${f1}\`. Approved by <@${APPROVER}>, requested by <@${REQUESTER}>.`);
    const keysAudit = (await t.audit.history('acme')).find((r) => r.type === 'keys.changed')!;
    expect(keysAudit).toMatchObject({ actor: APPROVER, requestId: id, details: { added: [fingerprintOf(k3)], removed: [f1], imported: 1, deleted: 1 } });
    expect(JSON.stringify(keysAudit)).not.toContain(k3.split(' ')[1]);

    // The kind is open again; the job run twice does nothing more.
    expect(await t.changes.openChange('acme', 'ssh-keys')).toBeNull();
    await job.remove();
    await t.queues.partnerChange.add('apply', { changeId: id }, { jobId: partnerChangeJobId(id) });
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(id))).state).toBe('completed');
    expect((await writes()).slice(before.length)).toHaveLength(2);

    // A year on, the keys from provisioning are flagged; the one added today is not yet.
    t.h.clock.advance(166 * 86_400_000);
    const view = await t.useCases.partnerKeysView('acme');
    if (!view.ok) throw new Error(view.message);
    expect(view.view.keys.map((k) => [k.fingerprint, k.old])).toEqual([[fingerprintOf(k2), true], [fingerprintOf(k3), false]]);
    expect(JSON.stringify(buildPartnerKeysModal(view.view))).toContain(`${fingerprintOf(k2)}\` — 366 days old :warning:`);
  });

  it('when the ExternalId rotation is approved, then the trust policy takes the new id, the registry holds it and the new welcome goes by DM to the requester and the owner, never to a channel', async () => {
    const request = await t.livePartner({ partnerId: 'initech', sshKeys: 1 });
    const OWNER = 'UOWNER9';
    await t.h.partners.update('initech', (r) => ({ ...r, owner: OWNER }));
    const asked = await t.useCases.requestKeyChanges({ ...submission({ rotate: true }), partnerId: 'initech' });
    if (!asked.ok) throw new Error(JSON.stringify(asked.errors));
    t.startLifecycleWorkers();
    const id = asked.changes[0]!.id;
    await t.useCases.decideChange({ changeId: id, actor: 'UAPPROVER2', decision: 'approve', via: 'button' });
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(id))).state).toBe('completed');

    const record = (await t.h.partners.get('initech'))!;
    expect(record.externalId).not.toBe(request.externalId);
    expect(record.externalId.length).toBeGreaterThanOrEqual(32);
    const role = (await t.h.fake.role('partnergate-partner-initech'))!;
    const trust = decodeURIComponent(role.AssumeRolePolicyDocument);
    expect(trust).toContain(record.externalId);
    expect(trust).not.toContain(request.externalId);
    const dms = (to: string, start: string) => (c: SlackCall) => c.method === 'chat.postMessage' && c.body.channel === to && String(c.body.text).startsWith(start);
    for (const to of [REQUESTER, OWNER]) {
      await t.h.slack.waitFor((c) => dms(to, 'ExternalId')(c) && JSON.stringify(c.body.blocks).includes(record.externalId));
      // Every welcome text shows no ExternalId, old or new; the owner gets the new welcome, the requester it too.
      await t.h.slack.waitForCount(dms(to, 'Welcome text'), to === REQUESTER ? 2 : 1);
      for (const c of t.h.slack.calls('chat.postMessage').filter(dms(to, 'Welcome text'))) expect(JSON.stringify(c.body)).not.toMatch(new RegExp(`${record.externalId}|${request.externalId}`));
    }
    await t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).includes(`was sent by DM to <@${REQUESTER}> and <@${OWNER}>`));
    expect(t.h.slack.calls('chat.postMessage').filter((c) => !/^[UW]/.test(String(c.body.channel)) && JSON.stringify(c.body).includes(record.externalId))).toEqual([]);
    const rotated = (await t.audit.history('initech')).find((r) => r.type === 'external-id.rotated')!;
    expect(JSON.stringify(rotated)).not.toContain(record.externalId);
    expect(logLines.some((l) => l.includes('external-id.rotated'))).toBe(true); // the log is collected…
    expect(logLines.filter((l) => l.includes(record.externalId) || l.includes(request.externalId))).toEqual([]); // …and holds neither id
  });
});
