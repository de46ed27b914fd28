/**
 * `partnergate reconcile --rebuild` after the registry is lost: records rebuilt from the tags of the
 * Transfer users and roles in the (fake) account, the rest from the stored requests where they
 * survived; what could not be recovered is reported; ids ever used are reserved again, from the
 * audit trail too; foreign resources are left alone; a second run changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateUserCommand, ImportSshPublicKeyCommand } from '@aws-sdk/client-transfer';
import { fingerprintOf } from '../../../src/domain/key-ages.js';
import { runReconcile } from '../../../src/cli/reconcile.js';
import { cardRef } from '../../../src/bot/messages/ids.js';
import { testEnv } from '../../../tools/local/env.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { capture } from '../../support/cli.js';

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

const cli = (args: string[]) =>
  capture((out) => runReconcile(args, testEnv({ PARTNERGATE_PREFIX: t.h.prefix }), out, { redis: t.h.redis, aws: t.h.fake.clients(), s3: t.h.s3.client }));

async function loseRegistry(): Promise<void> {
  const p = t.h.prefix;
  const doomed = [...(await t.h.redis.keys(`${p}:partner:*`)), ...(await t.h.redis.keys(`${p}:partners*`)), ...(await t.h.redis.keys(`${p}:feed:*`)), ...(await t.h.redis.keys(`${p}:pid:*`))];
  await t.h.redis.del(...doomed);
}

describe('reconcile --rebuild', () => {
  it('when the registry is lost, then it is rebuilt from the resource tags and what could not be recovered is reported', async () => {
    const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    const globex = await t.livePartner({ partnerId: 'globex', sshKeys: 1, accountId: null });
    const before = await t.h.partners.get('acme');
    await t.audit.audit({ type: 'offboard.completed', partnerId: 'oldco', requestId: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', details: {} });
    await t.audit.drained();
    await t.h.fake.clients().transfer.send(new CreateUserCommand({ ServerId: t.h.platform.transferServerId, UserName: 'handmade', Role: t.h.platform.transferRoleArn }));
    await loseRegistry();
    await t.h.redis.del(`${t.h.prefix}:req:${globex.id}`); // globex's request is lost too

    const first = await cli(['--rebuild']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('rebuilt 2 partner record(s): acme, globex');
    expect(first.out).toContain('not recovered for globex: display name, contact e-mail, feeds and the thread channel (the request is gone too): feeds set to none');
    expect(first.out).not.toContain('not recovered for acme');
    expect(first.out).toContain('not ours (no matching partnergate:partner-id tag), left alone: Transfer user handmade');
    expect(first.out).toContain('partner ids reserved again: acme, globex, oldco');

    const rebuilt = (await t.h.partners.get('acme'))!;
    expect(rebuilt).toMatchObject({
      partnerId: 'acme', requestId: acme.id, displayName: before!.displayName, contactEmail: before!.contactEmail, accountId: before!.accountId,
      externalId: before!.externalId, feeds: before!.feeds, status: 'live', threadRef: cardRef(acme.id), channel: before!.channel,
    });
    expect([...rebuilt.sshKeys].sort()).toEqual([...before!.sshKeys].sort());
    expect(Object.keys(rebuilt.keyAddedAt ?? {}).sort()).toEqual([...before!.sshKeys].sort());
    expect(await t.h.partners.get('globex')).toMatchObject({ displayName: 'globex', feeds: [], accountId: null, requestId: globex.id, channel: '' });
    expect(await t.h.partners.subscribers('price-lists')).toEqual(['acme']);
    expect(await t.h.requests.partnerIdHolder('acme')).toBe(acme.id);
    expect(await t.h.requests.partnerIdHolder('oldco')).toBe('chg_aaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect((await t.audit.history('globex')).filter((r) => r.type === 'registry.rebuilt')).toHaveLength(1);

    // A second run changes nothing; `reconcile` (check only) finds no drift.
    const second = await cli(['--rebuild']);
    expect(second.out).toContain('rebuilt 0 partner record(s)');
    expect(second.out).toContain('left alone (already in the registry): acme, globex');
    const check = await cli([]);
    expect(check).toMatchObject({ code: 0, out: 'acme: no drift\nglobex: no drift\nplatform: no drift\n' });
    expect(await cli(['--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
  });
  it('when the trail or the request speaks against a rebuilt partner, then it is not LIVE and the report says why', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'leaving', sshKeys: 1 });
    await t.livePartner({ partnerId: 'failing', sshKeys: 1 });
    const moved = await t.livePartner({ partnerId: 'moved', sshKeys: 1, accountId: '444455556666' });
    await t.audit.audit({ type: 'offboard.step', partnerId: 'leaving', details: { step: 'transfer-user' } });
    await t.audit.audit({ type: 'verify.result', partnerId: 'failing', details: { result: 'VERIFY_FAILED', attempt: 2, checks: [] } });
    await t.audit.drained();
    // The stored request named another account than the deployed role trusts.
    const key = `${t.h.prefix}:req:${moved.id}`;
    const data = JSON.parse((await t.h.redis.hget(key, 'data'))!) as Record<string, unknown>;
    await t.h.redis.hset(key, 'data', JSON.stringify({ ...data, accountId: '777788889999' }));
    await loseRegistry();

    const out = (await cli(['--rebuild'])).out;
    expect(out).toContain('rebuilt 4 partner record(s): acme, failing, leaving, moved');
    expect(out).toContain('not recovered for leaving: LIVE status: an offboarding was under way (audit trail): finish it with /offboard-partner; marked verify_failed');
    expect(out).toContain('not recovered for failing: LIVE status: its last verification failed (audit trail); marked verify_failed');
    expect(out).toContain('not recovered for moved: LIVE status: the role trusts account 444455556666, but the approved request named 777788889999; marked verify_failed');
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    for (const id of ['leaving', 'failing', 'moved']) expect(await t.h.partners.get(id)).toMatchObject({ status: 'verify_failed' });
    expect(await t.h.partners.liveIds()).toEqual(['acme']);
  });

  it('when the registry is lost and one SSH key is found on two partners, then the key index is rebuilt and the key reported and logged, registered to neither', async () => {
    const acme = await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    const globex = await t.livePartner({ partnerId: 'globex', sshKeys: 1, accountId: null });
    const [shared, own] = acme.sshKeys as [string, string];
    // Imported by hand onto globex's user: whoever holds the private key can log in as both.
    await t.h.fake.clients().transfer.send(new ImportSshPublicKeyCommand({ ServerId: t.h.platform.transferServerId, UserName: 'globex', SshPublicKeyBody: shared }));
    await loseRegistry();
    await t.h.redis.del(`${t.h.prefix}:sshkeys`);

    const run = await cli(['--rebuild']);
    expect(run.code).toBe(0);
    const fp = fingerprintOf(shared)!;
    expect(run.out).toContain(`SSH key ssh-ed25519 ${fp} is on more than one partner (acme, globex): whoever holds its private key can log in as each.`);
    expect(run.err).toContain('one SSH key on more than one partner');
    expect(run.err).toContain(fp);
    expect(await t.h.redis.hgetall(`${t.h.prefix}:sshkeys`)).toEqual({
      [fp]: '!conflict:acme,globex', [fingerprintOf(own)!]: 'acme', [fingerprintOf(globex.sshKeys[0]!)!]: 'globex',
    });
  });
});
