/**
 * The audit trail of the jobs: provisioning steps, verification results, deliveries and re-sends
 * each append their records through the real `audit` queue and worker (real Redis, a local S3 of
 * their own), read back by the audit reader and printed by `partnergate audit`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { systemClock } from '../../../src/actions/ports.js';
import { runAudit } from '../../../src/cli/audit.js';
import type { AuditRecord } from '../../../src/domain/audit-record.js';
import { PROVISION_STEPS } from '../../../src/jobs/onboarding/provision-steps.js';
import { verifyJobId } from '../../../src/actions/onboarding/contract.js';
import { deliverJobId } from '../../../src/actions/delivery/contract.js';
import { startAuditTrail, type AuditTrail } from '../../support/audit.js';
import { failNthCall, s3Error } from '../../support/s3-client.js';
import { startProvisionHarness, type ProvisionHarness } from '../../support/provision-harness.js';
import { APPROVER, SIGNING_SECRET, startDeliveryHarness, type DeliveryHarness } from '../../support/delivery-harness.js';
import { postToBot, slashCommand } from '../../../tools/local/slack-requests.js';

const ofType = (records: AuditRecord[], type: AuditRecord['type']) => records.filter((r) => r.type === type);

describe('audit trail of provisioning and verification', () => {
  let h: ProvisionHarness;
  let trail: AuditTrail;
  beforeEach(async () => {
    h = await startProvisionHarness();
    trail = await startAuditTrail('auditjobs', h.clock);
  });
  afterEach(async () => {
    await h.close();
    await trail.close();
  });

  it('when a partner is provisioned and verified, then each step and the LIVE result are records, without the ExternalId or SSH keys', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1 });
    h.startWorkers({ audit: trail.pipeline.audit });
    await h.provision({ requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');
    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('completed');

    const records = await trail.pipeline.history('acme');
    const steps = ofType(records, 'provision.step');
    expect(steps.map((r) => r.details['step']).sort()).toEqual(PROVISION_STEPS.map((s) => s.name).sort());
    for (const r of steps) {
      expect(r).toMatchObject({ requestId: request.id, actor: 'partnergate', details: { attempt: 1, dryRun: false } });
      expect(r.details['state']).not.toBe('failed');
    }
    const [verified, ...more] = ofType(records, 'verify.result');
    expect(more).toHaveLength(0);
    expect(verified).toMatchObject({ requestId: request.id, details: { result: 'LIVE', attempt: 1 } });
    const checks = verified!.details['checks'] as { label: string; outcome: string }[];
    expect(checks.length).toBeGreaterThan(2);
    expect(checks.every((c) => c.outcome !== 'fail')).toBe(true);

    const text = JSON.stringify(records);
    expect(text).not.toContain(request.externalId);
    for (const key of request.sshKeys) expect(text).not.toContain(key.split(' ')[1]!);

    const printed = await trail.cli(runAudit, ['--partner', 'acme']);
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/provision\.step +partnergate {2}req_\w+ {2}step transfer-user: done \(created acme\)/);
    expect(printed.out).toMatch(/verify\.result +partnergate {2}req_\w+ {2}LIVE \(attempt 1: \d+ passed, 0 failed, \d+ skipped\)/);
  });

  it('when AWS denies a step, then the final failure is a record with the AWS error code', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1 });
    h.fake.failNext('CreateRole',
      new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized to perform: iam:CreateRole', $metadata: { httpStatusCode: 403 } }),
    );
    h.startWorkers({ settleSeconds: 3600, audit: trail.pipeline.audit });
    await h.provision({ requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('failed');

    const steps = ofType(await trail.pipeline.history('acme'), 'provision.step');
    const failed = steps.filter((r) => r.details['state'] === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ details: { step: 'partner-role', code: 'AccessDenied', message: 'not authorized to perform: iam:CreateRole', attempt: 1 } });
    expect(steps.map((r) => r.details['step'])).not.toContain('registry');
    expect((await trail.cli(runAudit, ['--partner', 'acme'])).out).toContain('step partner-role FAILED: AccessDenied: not authorized to perform: iam:CreateRole (attempt 1)');
  });
});

describe('audit trail of deliveries and re-sends', () => {
  let h: DeliveryHarness;
  let trail: AuditTrail;
  beforeEach(async () => {
    trail = await startAuditTrail('auditjobs', systemClock);
    h = await startDeliveryHarness({ audit: trail.pipeline.audit });
  });
  afterEach(async () => {
    await h.close();
    await trail.close();
  });

  it('when a file is delivered and an approver re-sends it, then the delivery, the re-send and the second delivery are records', async () => {
    await h.addPartner('acme');
    const key = 'outbound/acme/reports/prices.csv';
    const version = await h.put(key, 'p1');
    await h.pollNow();
    await h.finished('deliver', deliverJobId({ key, versionId: version, partnerId: 'acme' }));

    const id = `r${Math.random().toString(36).slice(2)}`;
    const res = await postToBot(h.url, slashCommand({ command: '/resend-file', text: 'acme reports/prices.csv', user_id: APPROVER, channel_id: 'C0OPS', response_url: h.slack.responseUrl(id) }), SIGNING_SECRET);
    expect(res.status).toBe(200);
    await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === id);
    for (;;) {
      if ((await h.store.history('acme', 10)).length === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const records = await trail.pipeline.history('acme');
    const delivered = ofType(records, 'delivery.delivered');
    expect(delivered).toHaveLength(2);
    const [first, forced] = [delivered.find((r) => r.details['forcedBy'] === undefined)!, delivered.find((r) => r.details['forcedBy'] === APPROVER)!];
    expect(first).toMatchObject({
      actor: 'partnergate',
      details: { key, versionId: version, targetKey: 'partners/acme/reports/prices.csv', size: 2, origin: 'dispatch' },
    });
    expect(String(first.details['checksum'])).not.toBe('');
    expect(forced).toMatchObject({ actor: APPROVER, details: { key, versionId: version, targetKey: 'partners/acme/reports/prices.csv', origin: 'resend' } });
    expect(ofType(records, 'delivery.resent')).toEqual([
      expect.objectContaining({ actor: APPROVER, details: { key, versionId: version, targetKey: 'partners/acme/reports/prices.csv', asked: 'reports/prices.csv' } }),
    ]);

    // A re-send refused (another partner's file) is a record too, naming who asked for what.
    const refusedId = `r${Math.random().toString(36).slice(2)}`;
    await postToBot(h.url, slashCommand({ command: '/resend-file', text: 'acme partners/globex/prices.csv', user_id: APPROVER, channel_id: 'C0OPS', response_url: h.slack.responseUrl(refusedId) }), SIGNING_SECRET);
    await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === refusedId);
    await expect.poll(async () => ofType(await trail.pipeline.history('acme'), 'delivery.resend-refused')).toEqual([
      expect.objectContaining({ actor: APPROVER, partnerId: 'acme', details: { refusal: expect.any(String), asked: 'partners/globex/prices.csv' } }),
    ]);

    const out = (await trail.cli(runAudit, ['--partner', 'acme'])).out;
    expect(out).toMatch(/delivery\.resend-refused .* re-send of partners\/globex\/prices\.csv REFUSED: /);
    expect(out).toContain(`delivery.resent       ${APPROVER}  -  re-send of ${key}@${version} → partners/acme/reports/prices.csv queued`);
    expect(out).toContain(`${key}@${version} → partners/acme/reports/prices.csv (2 bytes, checksum `);
  });

  it('when S3 denies a copy, then the final failure is a record with the error code', async () => {
    await h.addPartner('acme');
    failNthCall(h.deliveryClient, 'CopyObjectCommand', 1, s3Error('AccessDenied', 403, 'Access Denied'));
    const key = 'outbound/acme/denied.csv';
    const version = await h.put(key, 'denied');
    await h.pollNow();
    await h.finished('deliver', deliverJobId({ key, versionId: version, partnerId: 'acme' }));

    const records = await trail.pipeline.history('acme');
    expect(ofType(records, 'delivery.delivered')).toHaveLength(0);
    expect(ofType(records, 'delivery.failed')).toEqual([
      expect.objectContaining({ actor: 'partnergate', details: expect.objectContaining({ key, versionId: version, targetKey: 'partners/acme/denied.csv', code: 'AccessDenied', origin: 'dispatch' }) }),
    ]);
    expect((await trail.cli(runAudit, ['--partner', 'acme'])).out).toContain(`${key}@${version} → partners/acme/denied.csv FAILED: AccessDenied`);
  });
});
