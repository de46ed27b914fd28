/**
 * The platform check on the fake account (platform documents as the stack deploys them, state in
 * Redis), run by the reconcile worker's hourly sweep: a statement someone adds to the bucket policy
 * is found once per sweep, reported in the approvals channel with a readable diff (secrets masked)
 * and audited; the next sweep does not repeat it; the policy restored, that is said once. The live
 * partners are checked as before (a platform difference quarantines nobody). `partnergate reconcile`
 * prints the same difference and exits 3. Issue 16 item 1, the platform-wide documents.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderPlatform, type PolicyDocument } from '../../../src/aws/policies/index.js';
import { runReconcile } from '../../../src/cli/reconcile.js';
import { CHECK_JOB } from '../../../src/jobs/lifecycle/reconcile.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { testEnv } from '../../../tools/local/env.js';
import { CHANNEL } from '../../support/provision-harness.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { capture } from '../../support/cli.js';

const SLACK_TOKEN = 'xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx';

let t: LifecycleHarness;
beforeEach(async () => {
  t = await startLifecycleHarness();
});
afterEach(async () => {
  await t.close();
});

let sweeps = 0;
/** One run of the hourly sweep, as its scheduler queues it (no partner id), through the reconcile worker. */
async function sweep(): Promise<Record<string, unknown>> {
  sweeps += 1;
  const jobId = `sweep-test-${sweeps}`;
  await t.queues.reconcile.add(CHECK_JOB, {}, { jobId });
  const { state, job } = await t.h.settled(t.queues.reconcile, jobId);
  expect(state, String(job.failedReason)).toBe('completed');
  return job.returnvalue as Record<string, unknown>;
}

const isPlatformReport = (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && String(c.body.text).startsWith('The platform differs');
const platformReports = () => t.h.slack.calls('chat.postMessage').filter(isPlatformReport);
/** The report is sent by the notify worker after the sweep's job ends: wait for it. */
const reported = () => t.h.slack.waitForCount(isPlatformReport, 1);

const cli = () => capture((out) => runReconcile([], testEnv({ PARTNERGATE_PREFIX: t.h.prefix }), out, { redis: t.h.redis, aws: t.h.fake.clients(), s3: t.h.s3.client }));

describe('the platform check', () => {
  it('when a statement is added to the bucket policy behind the bot, then the sweep reports it once in the approvals channel with the diff, secrets masked, audited; restored, it says so once; reconcile prints it', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    t.startLifecycleWorkers();
    expect(await sweep()).toEqual({ platform: 'clean', checked: 1, clean: 1 });
    expect(platformReports()).toEqual([]);

    const rendered = renderPlatform(t.h.platform).bucketPolicy;
    const widened: PolicyDocument = structuredClone(rendered);
    widened.Statement.push({
      Sid: 'ReadForAudit', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${t.h.platform.bucket}/partners/*`, Condition: { StringEquals: { 'aws:userid': SLACK_TOKEN } },
    });
    await t.h.fake.setBucketPolicy(widened);

    expect(await sweep()).toEqual({ platform: 'reported', checked: 1, clean: 1 });
    const [report] = await reported();
    expect(report!.body.channel).toBe(CHANNEL);
    expect(report!.body.thread_ts).toBeUndefined();
    const text = JSON.stringify(report!.body.blocks);
    expect(text).toContain('• the bucket policy differs');
    expect(text).toContain('*What differs* (`-` AWS now, `+` what the platform stack deploys; ExternalIds redacted)');
    expect(text).toContain('--- bucket policy: AWS now');
    expect(text).toContain('-      \\"Sid\\": \\"ReadForAudit\\"');
    expect(text).toContain(`-      \\"Resource\\": \\"arn:aws:s3:::${t.h.platform.bucket}/partners/*\\"`);
    expect(text).toContain('xoxb-[REDACTED]');
    expect(text).not.toContain(SLACK_TOKEN);
    expect(text).toContain('manifests/platform.yaml');
    const audited = (await t.audit.history()).filter((r) => r.type === 'platform.drift');
    expect(audited).toEqual([expect.objectContaining({ actor: 'partnergate', details: { parts: ['bucket-policy'], items: ['the bucket policy differs'] } })]);
    // A platform difference is no partner's drift: nobody is quarantined for it.
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });

    // `partnergate reconcile` shows the same, and exits 3.
    const printed = await cli();
    expect(printed.code).toBe(3);
    expect(printed.out).toContain('acme: no drift\nplatform: the bucket policy differs\nplatform:   --- bucket policy: AWS now\n');
    expect(printed.out).toContain('platform:   -      "Sid": "ReadForAudit"\n');
    expect(printed.out).not.toContain(SLACK_TOKEN);

    // The next sweep finds the same difference: not reported again.
    expect(await sweep()).toMatchObject({ platform: 'unchanged' });
    expect(platformReports()).toHaveLength(1);

    // Restored by the stack: said once, and the next sweep is quiet.
    await t.h.fake.setBucketPolicy(rendered);
    expect(await sweep()).toMatchObject({ platform: 'resolved' });
    await t.h.slack.waitFor((c) => c.ok && c.body.channel === CHANNEL && String(c.body.text).includes('No difference any more in the bucket policy'));
    expect(await sweep()).toMatchObject({ platform: 'clean' });
    expect((await cli()).code).toBe(0);
  });

  it('when the boundary gets a new default version and a managed policy is attached to the Transfer role, then one report names both, with their diffs', async () => {
    t.startLifecycleWorkers();
    await t.h.fake.setBoundaryDocument({ Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    await t.h.fake.attachManagedPolicy('partnergate-transfer', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', { Version: '2012-10-17', Statement: [] });
    expect(await sweep()).toEqual({ platform: 'reported', checked: 0 });
    const [report] = await reported();
    const text = JSON.stringify(report!.body.blocks);
    expect(String(report!.body.text)).toBe('The platform differs from what partnergate renders: the Transfer role, the permissions boundary policy');
    expect(text).toContain('• the Transfer role partnergate-transfer: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is attached (not rendered)');
    expect(text).toContain('• the permissions boundary policy partnergate-partner-boundary: its default version (v2) differs');
    expect(text).toContain('+++ permissions boundary partnergate-partner-boundary (default version v2): as rendered (the platform stack deploys this)');
    expect(text).toContain('-      \\"Action\\": \\"s3:*\\"');
  });
});

describe('the platform check, when AWS refuses a read', () => {
  it('when the key policy cannot be read (a stack not yet updated), then the other parts are compared and reported, and the partners checked', async () => {
    t.startLifecycleWorkers();
    t.h.fake.failNext('GetKeyPolicy', Object.assign(new Error('User is not authorized to perform: kms:GetKeyPolicy'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    await t.h.fake.setBucketPolicy(null);
    expect(await sweep()).toEqual({ platform: 'reported', checked: 0 });
    const [report] = await reported();
    expect(JSON.stringify(report!.body.blocks)).toContain('• the bucket policy is missing');
    expect(JSON.stringify(report!.body.blocks)).not.toContain('KMS key policy');
    // The next sweep reads the key policy: as rendered, so nothing new is said.
    expect(await sweep()).toMatchObject({ platform: 'unchanged' });
    expect(platformReports()).toHaveLength(1);
  });
});
