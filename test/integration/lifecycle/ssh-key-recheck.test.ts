/**
 * docs/security.md "One SSH key, one partner", defence in depth: the provision job and the
 * partner-change job look at the SSH key index again right before they register keys with Transfer.
 * A key that now belongs to another partner (here written into the index between approval and the
 * job, as a registration that slipped past the submission check would be) is refused: nothing is
 * sent to AWS, the thread says why, the audit trail records it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partnerChangeJobId } from '../../../src/jobs/lifecycle/partner-change.js';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { APPROVER, REQUESTER } from '../../support/provision-harness.js';
import { sshPublicKey } from '../../support/provision-fixtures.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

const index = () => `${t.h.prefix}:sshkeys`;
const writes = async () => (await t.h.fake.calls()).filter((c) => !c.startsWith('AssumeRole') && !c.startsWith('ValidatePolicy') && !c.startsWith('CheckA') && !c.startsWith('CheckN'));
const posted = (pattern: RegExp) => t.h.slack.waitFor((c) => c.method === 'chat.postMessage' && pattern.test(String(c.body.text)));

describe('the jobs re-check who holds a key', () => {
  it('when a key of an approved request belongs to another partner by the time the provision job runs, then nothing is created, the thread says why and the refusal is audited', async () => {
    const request = await t.h.approvedRequest({ partnerId: 'beta', sshKeys: 2 });
    const fp = fingerprintOf(request.sshKeys[1]!)!;
    expect(await t.h.redis.hget(index(), fp)).toBe(`beta:${request.id}`); // the request's claim
    await t.h.redis.hset(index(), fp, 'acme');

    t.h.startWorkers({ settleSeconds: 0, audit: t.audit.audit });
    await t.h.provision({ requestId: request.id, attempt: 1 });
    expect((await t.h.settled(t.h.provisionQueue, request.id)).state).toBe('failed');

    expect(await writes()).toEqual([]);
    expect(await t.h.partners.get('beta')).toBeNull();
    const line = await posted(/Provisioning of `beta` refused/);
    expect(String(line.body.text)).toBe(`:no_entry: Provisioning of \`beta\` refused: the key \`ssh-ed25519\` \`${fp}\` is already registered to another partner (\`acme\`). Nothing was done on AWS.`);
    const refused = (await t.audit.history('beta')).find((r) => r.type === 'provision.refused');
    expect(refused).toMatchObject({ requestId: request.id, actor: 'partnergate', details: { code: 'ssh_key_in_use', keys: [{ key: fp, heldBy: ['acme'] }] } });
    expect(await t.h.redis.hget(index(), fp)).toBe('acme');
  });

  it('when a key to add belongs to another partner by the time the partner-change job runs, then nothing is imported, the thread and the audit trail say why, and the change\'s claims and kind are released', async () => {
    await t.livePartner({ partnerId: 'initech', sshKeys: 1 });
    const [k1, k2] = [sshPublicKey(), sshPublicKey()];
    const asked = await t.useCases.requestKeyChanges({ partnerId: 'initech', addText: `${k1}\n${k2}`, remove: [], rotate: false, reason: '', requestedBy: REQUESTER });
    if (!asked.ok) throw new Error(JSON.stringify(asked.errors));
    const id = asked.changes[0]!.id;
    const [f1, f2] = [fingerprintOf(k1)!, fingerprintOf(k2)!];
    expect(await t.h.redis.hmget(index(), f1, f2)).toEqual([`initech:${id}`, `initech:${id}`]);
    expect((await t.useCases.decideChange({ changeId: id, actor: APPROVER, decision: 'approve', via: 'button' })).ok).toBe(true);
    await t.h.redis.hset(index(), f2, 'acme');

    const before = await writes();
    t.startLifecycleWorkers();
    expect((await t.h.settled(t.queues.partnerChange, partnerChangeJobId(id))).state).toBe('failed');

    expect((await writes()).slice(before.length)).toEqual([]);
    expect((await t.h.partners.get('initech'))!.sshKeys).not.toContain(k2);
    const line = await posted(/The change was not applied/);
    expect(String(line.body.text)).toBe(`:no_entry: The change was not applied: the key \`ssh-ed25519\` \`${f2}\` is already registered to another partner (\`acme\`). Nothing was changed.`);
    const refused = (await t.audit.history('initech')).find((r) => r.type === 'change.refused');
    expect(refused).toMatchObject({ requestId: id, actor: 'partnergate', details: { kind: 'ssh-keys', code: 'ssh_key_in_use', keys: [{ key: f2, heldBy: ['acme'] }] } });
    // The other key's claim is released, acme's registration is not touched; a new keys change may be asked for.
    expect(await t.h.redis.hmget(index(), f1, f2)).toEqual([null, 'acme']);
    expect(await t.changes.openChange('initech', 'ssh-keys')).toBeNull();
  });
});
