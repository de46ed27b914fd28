/**
 * Isolation re-proven after go-live (issue 16 item 6): the assurance tick runs verification's live
 * probes again as the partners whose turn it is, spread over ASSURANCE_INTERVAL_HOURS; passing, the
 * partner's `provenAt` moves on and /partner-status shows it; failing (a policy widened to the
 * canary), the partner is quarantined at once. Partners provisioned for real in the fake account,
 * probes through its policy-gated S3.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { PARTNER_TAG_KEY } from '../../../src/aws/policies/index.js';
import { runS3Probes } from '../../../src/jobs/onboarding/index.js';
import { intendedFor } from '../../../src/jobs/lifecycle/drift.js';
import { proveIsolation, type ReconcileDeps } from '../../../src/jobs/lifecycle/reconcile.js';
import { buildPartnerStatus } from '../../../src/bot/messages/partner-status.js';
import { readPrefixStatements } from '../../../src/aws/policies/statements.js';
import type { PartnerRecord } from '../../../src/domain/partner.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

const HOUR = 3_600_000;
let t: LifecycleHarness;
let deps: ReconcileDeps;
beforeEach(async () => {
  t = await startLifecycleHarness();
  const cp = createLifecyclePlane(t.h.fake.clients(), t.h.platform);
  deps = {
    cp, platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix, partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit,
    logger: t.h.logger, approvalsChannel: 'C0APPROVALS',
    // As the lifecycle workers wire it: the tick's neighbour passed through.
    prove: (p, neighbour) =>
      runS3Probes({ cp, platform: t.h.platform, s3ForCredentials: t.h.fake.policyGatedS3(t.h.s3.endpoint), partners: t.h.partners }, p, intendedFor(t.h.platform, p), neighbour),
    assurance: { intervalMs: 24 * HOUR, tickMs: 15 * 60_000 },
  };
});
afterEach(async () => {
  await t.close();
});

describe('isolation re-proven after go-live', () => {
  it('when the ticks come, then each live partner is probed again in its turn, spread over the interval, and /partner-status shows when', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 0 });
    const verifiedAt = Date.parse((await t.h.partners.get('acme'))!.verifiedAt!);

    // Two partners over 24 hours in 15-minute ticks: one a tick, the one proven longest ago first.
    const first = new Date(verifiedAt + 25 * HOUR);
    expect(await proveIsolation(deps, first)).toEqual({ acme: 'proven' });
    expect(await proveIsolation(deps, new Date(first.getTime() + 15 * 60_000))).toEqual({ globex: 'proven' });
    expect(await proveIsolation(deps, new Date(first.getTime() + 30 * 60_000))).toEqual({ acme: 'proven' });
    const acme = (await t.h.partners.get('acme'))!;
    expect(acme).toMatchObject({ status: 'live', provenAt: new Date(first.getTime() + 30 * 60_000).toISOString() });
    expect(JSON.stringify(buildPartnerStatus(acme, []).blocks)).toContain('*Isolation last proven*');
  });

  it('when a deployed policy and the role\'s tag now let the partner reach the canary, then its turn fails the probes and it is quarantined at once, saying which', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 0 });
    const verifiedAt = Date.parse((await t.h.partners.get('acme'))!.verifiedAt!);
    const role = intendedFor(t.h.platform, (await t.h.partners.get('acme'))!).partnerRole!;
    const wide = JSON.parse(JSON.stringify(role.policies[0]!.document).replaceAll('partners/acme/', 'partners/'));
    await t.h.fake.setRolePolicy(role.roleName, role.policies[0]!.name, wide);
    // The widened policy alone is held by the second layer; with the role retagged for the canary's prefix it is not.
    await t.h.fake.setRoleTag(role.roleName, PARTNER_TAG_KEY, '-canary');

    expect(await proveIsolation(deps, new Date(verifiedAt + 25 * HOUR))).toEqual({ acme: 'quarantined' });
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    const alert = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes('`acme` is QUARANTINED'));
    expect(String(alert.body.text)).toContain('as the partner role: read partners/-canary/canary.txt — ALLOWED, expected denied');
    expect((await t.audit.history('acme')).map((r) => r.type)).toContain('partner.quarantined');
  });

  it('when a partner is verified while another is live, then its probes find that partner’s home closed; the first partner, alone, is probed with the stand-ins alone', async () => {
    const isLive = (id: string) => (c: { method: string; body: Record<string, unknown> }) => c.method === 'chat.postMessage' && c.body['text'] === `${id} is LIVE`;
    await t.livePartner({ partnerId: 'globex', sshKeys: 0 });
    expect(JSON.stringify((await t.h.slack.waitFor(isLive('globex'))).body['blocks'])).not.toContain('another partner');
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const checklist = JSON.stringify((await t.h.slack.waitFor(isLive('acme'))).body['blocks']);
    for (const as of ['partner role', 'SFTP session']) {
      expect(checklist).toContain(`:white_check_mark: as the ${as}: list partners/globex/ (another partner's home) — denied`);
      expect(checklist).toContain(`:white_check_mark: as the ${as}: read partners/globex/.partnergate (another partner's) — denied`);
      expect(checklist).toContain(`:white_check_mark: as the ${as}: list partners/acme (no slash) — denied`); // the stand-ins stay
    }
  });

  it('when a deployed policy and the role\'s partner tag together open exactly one neighbour’s home (every stand-in still closed; the second layer needs both), then the partner’s turn fails the neighbour probes and it is quarantined', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 0 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 0 });
    const acme = (await t.h.partners.get('acme'))!;
    const role = intendedFor(t.h.platform, acme).partnerRole!;
    const document = role.policies[0]!.document;
    const opened = { ...document, Statement: [...document.Statement, ...readPrefixStatements(t.h.platform, 'partners/globex/', 'Neighbour')] };
    await t.h.fake.setRolePolicy(role.roleName, role.policies[0]!.name, opened);
    await t.h.fake.setRoleTag(role.roleName, PARTNER_TAG_KEY, 'globex');

    expect(await proveIsolation(deps, new Date(Date.parse(acme.verifiedAt!) + 25 * HOUR))).toEqual({ acme: 'quarantined' });
    const alert = String((await t.h.slack.waitFor((c) => c.ok && String(c.body.text).includes('`acme` is QUARANTINED'))).body.text);
    expect(alert).toContain("as the partner role: list partners/globex/ (another partner's home) — ALLOWED, expected denied");
    expect(alert).toContain("as the partner role: read partners/globex/.partnergate (another partner's) — ALLOWED, expected denied");
    expect(alert).not.toContain('canary');
  });

  it('when a tick proves several partners, then it reads the live ids once, and each partner’s probes find the next live id’s home closed, wrapping round', async () => {
    for (const partnerId of ['initech', 'acme', 'globex']) await t.livePartner({ partnerId, sshKeys: 0 });
    const liveIds = vi.spyOn(t.h.partners, 'liveIds');
    const closed: Record<string, string[]> = {};
    const prove = deps.prove!;
    const tick = { ...deps, assurance: { intervalMs: 15 * 60_000, tickMs: 15 * 60_000 }, prove: async (p: PartnerRecord, neighbour?: string | null) => {
      const checks = await prove(p, neighbour);
      closed[p.partnerId] = checks.filter((c) => c.label.includes("(another partner's home)") && c.outcome === 'pass').map((c) => c.label);
      return checks;
    } };

    const verifiedAt = Date.parse((await t.h.partners.get('globex'))!.verifiedAt!);
    expect(await proveIsolation(tick, new Date(verifiedAt + 25 * HOUR))).toEqual({ acme: 'proven', globex: 'proven', initech: 'proven' });
    expect(liveIds).toHaveBeenCalledTimes(1);
    expect(closed).toEqual({
      acme: ["as the partner role: list partners/globex/ (another partner's home)"],
      globex: ["as the partner role: list partners/initech/ (another partner's home)"],
      initech: ["as the partner role: list partners/acme/ (another partner's home)"],
    });
  });

  it('when the canary object is missing (the platform\'s fault), then nothing is proven and nobody is quarantined', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 0 });
    const verifiedAt = Date.parse((await t.h.partners.get('acme'))!.verifiedAt!);
    await t.h.s3.client.send(new DeleteObjectCommand({ Bucket: t.h.s3.bucket, Key: 'partners/-canary/canary.txt' }));
    expect(await proveIsolation(deps, new Date(verifiedAt + 25 * HOUR))).toEqual({});
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    expect((await t.h.partners.get('acme'))!.provenAt).toBeUndefined();
  });
});
