/**
 * The audit trail end to end: the onboarding use cases write records through the real `audit`
 * queue on the real Redis; the worker stores them in a local S3; `partnergate audit` reads a
 * partner's history back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createLogger } from '../../../src/logger.js';
import type { Notify } from '../../../src/actions/ports.js';
import { requestOnboarding, type RequestOnboardingDeps } from '../../../src/actions/onboarding/request-onboarding.js';
import { decide, expire as expireRequest, requestApprovals, type DecideDeps } from '../../../src/actions/approval/index.js';
import type { OnboardingRequest } from '../../../src/domain/requests.js';
import { createPlanRenderer } from '../../../src/actions/onboarding/plan.js';
import { RequestStore } from '../../../src/store/requests.js';
import { runAudit } from '../../../src/cli/audit.js';
import { createAuditQueue, createAudit } from '../../../src/jobs/audit/audit.js';
import { auditBatchKey, auditDayPrefix, parseAuditObject } from '../../../src/domain/audit-record.js';
import { getAuditObject } from '../../../src/aws/audit-s3.js';
import { startAuditTrail, type AuditTrail } from '../../support/audit.js';
import { TEST_KMS_KEY_ARN } from '../../../tools/local/s3.js';
import { recordRequests, failNthCall, s3Error, type RecordedRequest } from '../../support/s3-client.js';
import { platformFor, sshPublicKey } from '../../support/provision-fixtures.js';
import { fixedApprovers, manualClock, SFTP_ENDPOINT, type ManualClock } from '../../support/ports.js';
import { testSeals } from '../../support/seals.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let t: AuditTrail;
let sent: RecordedRequest[];
let clock: ManualClock;
let onboardDeps: RequestOnboardingDeps;
let decideDeps: DecideDeps<OnboardingRequest>;

beforeEach(async () => {
  clock = manualClock(new Date('2026-11-27T10:00:00Z'));
  t = await startAuditTrail('audit', clock, (s3) => {
    const writer = s3.newClient();
    sent = recordRequests(writer);
    failNthCall(writer, 'PutObjectCommand', 1, s3Error('SlowDown', 503)); // the first write is retried
    return writer;
  });
  const platform = platformFor();
  const store = new RequestStore(t.redis, t.prefix, testSeals);
  const notify: Notify = async () => undefined;
  onboardDeps = {
    logger, clock, store, notify, renderPlan: createPlanRenderer(platform), approvalsChannel: 'C0APPROVALS', approvalReaction: 'white_check_mark',
    enterpriseAccountId: platform.accountId, feeds: platform.feeds, requestTtlHours: 72, audit: t.pipeline.audit, sftpEndpoint: SFTP_ENDPOINT,
  };
  decideDeps = {
    logger, clock, kind: requestApprovals(store), notify, approvers: fixedApprovers('UAPPROVER1', 'UAPPROVER2'), approvalReaction: 'white_check_mark',
    onApproved: async () => undefined, audit: t.pipeline.audit, seals: testSeals, approvalsChannel: 'C0APPROVALS',
  };
});

afterEach(async () => {
  await t.close();
});

const raw = (partnerId: string) => ({
  displayName: `${partnerId} Ltd`, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: sshPublicKey(),
  accountId: null, feeds: ['price-lists'], notes: null,
});

const cli = (args: string[]) => t.cli(runAudit, args);

describe('audit trail', () => {
  it('when requests are submitted, refused, approved, rejected and expired, then each is one record in the bucket (batched) and `audit` prints the history', async () => {
    const first = await requestOnboarding(onboardDeps, { raw: raw('acme'), requestedBy: 'UREQUESTER1' });
    if (!first.ok) throw new Error('expected a request');
    clock.advance(1000);
    await requestOnboarding(onboardDeps, { raw: raw('acme'), requestedBy: 'UREQUESTER2' }); // id taken
    clock.advance(1000);
    await requestOnboarding(onboardDeps, { raw: { ...raw('acme'), contactEmail: 'nope' }, requestedBy: 'UREQUESTER2' }); // invalid
    clock.advance(1000);
    await decide(decideDeps, { id: first.request.id, actor: 'UREQUESTER1', decision: 'approve', via: 'button' }); // self
    clock.advance(1000);
    await decide(decideDeps, { id: first.request.id, actor: 'UAPPROVER1', decision: 'approve', via: 'reaction' });

    const second = await requestOnboarding(onboardDeps, { raw: raw('globex'), requestedBy: 'UREQUESTER1' });
    const third = await requestOnboarding(onboardDeps, { raw: raw('initech'), requestedBy: 'UREQUESTER1' });
    if (!second.ok || !third.ok) throw new Error('expected requests');
    clock.advance(1000); // records of the same millisecond have no order between them
    await decide(decideDeps, { id: second.request.id, actor: 'UAPPROVER2', decision: 'reject', via: 'button' });
    clock.advance(73 * 3_600_000);
    expect(await expireRequest(decideDeps, third.request.id)).toBe(true);

    const acme = await t.pipeline.history('acme');
    expect(acme.map((r) => r.type)).toEqual(['request.submitted', 'request.refused', 'request.refused', 'decision.refused', 'request.approved']);
    expect(acme[0]).toMatchObject({ requestId: first.request.id, actor: 'UREQUESTER1', details: { sshKeyCount: 1, feeds: ['price-lists'] } });
    expect(acme[1]!.details).toEqual({ reason: 'partner_id_taken' });
    expect(acme[2]!.details).toEqual({ reason: 'invalid', fields: ['contactEmail'] });
    expect(acme[3]).toMatchObject({ actor: 'UREQUESTER1', details: { code: 'self_approval' } });
    expect(acme[4]).toMatchObject({ actor: 'UAPPROVER1', details: { via: 'reaction', withdrawn: false } });
    expect((await t.pipeline.history('globex')).map((r) => r.type)).toEqual(['request.submitted', 'request.rejected']);
    expect((await t.pipeline.history('initech')).map((r) => r.type)).toEqual(['request.submitted', 'request.expired']);
    expect(JSON.stringify(acme)).not.toContain(first.request.externalId);

    // The records are stored in batches (one JSON line each) of one day, under audit/<yyyy>/<mm>/<dd>/
    // named by their first record; every record once (the first write failed with 503 and was
    // retried), never overwriting (If-None-Match) and SSE-KMS with the platform key.
    const listed = await t.s3.client.send(new ListObjectsV2Command({ Bucket: t.s3.bucket, Prefix: 'audit/' }));
    expect(listed.Contents!.every((o) => /^audit\/2026\/11\/(27|30)\/\d{8}T\d{9}Z-[0-9a-f]{12}\.jsonl$/.test(o.Key!))).toBe(true);
    const stored = await Promise.all(listed.Contents!.map(async (o) => ({ key: o.Key!, records: parseAuditObject((await getAuditObject(t.s3.client, t.s3.bucket, o.Key!))!)! })));
    expect(stored.flatMap((o) => o.records)).toHaveLength(9);
    for (const o of stored) {
      expect(o.key).toBe(auditBatchKey(o.records[0]!));
      expect(new Set(o.records.map((r) => auditDayPrefix(new Date(r.at))))).toEqual(new Set([auditDayPrefix(new Date(o.records[0]!.at))]));
    }
    const puts = sent.filter((r) => r.command === 'PutObjectCommand');
    expect(puts.length).toBe(listed.Contents!.length); // the refused first try never reached the wire
    for (const put of puts) {
      expect(put.headers['if-none-match']).toBe('*');
      expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(TEST_KMS_KEY_ARN);
    }

    const printed = await cli(['--partner', 'acme']);
    expect(printed.code).toBe(0);
    const lines = printed.out.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^2026-11-27T10:00:00\.000Z {2}request\.submitted +UREQUESTER1 {2}req_/);
    expect(lines[4]).toContain('request.approved');

    const json = await cli(['--partner', 'initech', '--since', '2026-11-30', '--json']);
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['request.expired']);
  });

  it('when the arguments are wrong, then `audit` names the problem, exits 2 and reads nothing', async () => {
    expect(await cli([])).toMatchObject({ code: 2, err: expect.stringContaining('--partner is required') });
    expect(await cli(['--partner', 'ACME'])).toMatchObject({ code: 2, err: expect.stringContaining('lower case') });
    expect(await cli(['--partner', 'acme', '--since', 'last week'])).toMatchObject({ code: 2, err: expect.stringContaining('not a date') });
    expect(await cli(['--partner', 'acme', '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining('bogus') });
    const nothing = await cli(['--partner', 'nobody']);
    expect(nothing).toMatchObject({ code: 0, out: '', err: expect.stringContaining('no records for nobody') });
  });

  it('when Redis cannot take a record, then the use case still answers and the failure is logged, not thrown', async () => {
    const broken = createAuditQueue(t.redis, t.prefix);
    await broken.close();
    const audit = createAudit({ queue: broken, clock, logger });
    await expect(audit({ type: 'request.submitted', partnerId: 'acme', details: {} })).resolves.toBeUndefined();
  });
});
