/**
 * The reconcile jobs paced by the shared AWS buckets (issue 16 item 7), against partners provisioned
 * for real in the fake account, with a fake clock for the buckets: a sweep whose budget runs out is
 * delayed with its place saved and carries on after the last partner it finished; an assurance tick
 * keeps the partners it has left; an event check is delayed, not dropped; the sweep's tick queues at
 * most one sweep at a time.
 */
import type { PartnerRecord } from '../../../src/domain/partner.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DelayedError, Queue, type Job } from 'bullmq';
import { createLifecyclePlane } from '../../../src/aws/lifecycle-plane.js';
import { runS3Probes } from '../../../src/jobs/onboarding/index.js';
import { intendedFor } from '../../../src/jobs/lifecycle/drift.js';
import {
  CHECK_JOB, PROVE_JOB, RECONCILE_QUEUE, SWEEP_JOB, SWEEP_PARALLEL, createReconcileProcessor, type ReconcileJobDeps, type ReconcilePayload,
} from '../../../src/jobs/lifecycle/reconcile.js';
import { createAwsPacer, pacedLifecyclePlane } from '../../../src/jobs/platform/aws-pace.js';
import { DEFAULT_PACE_RATES, type PaceRates } from '../../../src/domain/aws-pace.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

let t: LifecycleHarness;
let clock: { t: number; now: () => number; sleep: (ms: number) => Promise<void> };

/** The processor with the paced plane; the fake clock stands still unless a test moves it, and no call waits. */
function processorWith(rates: Partial<PaceRates>, extra: Partial<ReconcileJobDeps> = {}) {
  const pacer = createAwsPacer({ redis: t.h.redis, prefix: t.h.prefix, rates: { ...DEFAULT_PACE_RATES, ...rates }, now: clock.now, sleep: clock.sleep, maxWaitMs: 0 });
  const unpacedCp = createLifecyclePlane(t.h.fake.clients(), t.h.platform);
  const cp = pacedLifecyclePlane(unpacedCp, pacer);
  const deps = {
    cp, platform: t.h.platform, redis: t.h.redis, prefix: t.h.prefix, partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit,
    logger: t.h.logger, approvalsChannel: 'C0APPROVALS', seals: t.h.seals,
    prove: (p: PartnerRecord) => runS3Probes({ cp, platform: t.h.platform, s3ForCredentials: t.h.fake.policyGatedS3(t.h.s3.endpoint), partners: t.h.partners }, p, intendedFor(t.h.platform, p)),
    // Every live partner due on every tick (one proven a millisecond ago included).
    assurance: { intervalMs: 1, tickMs: 1 },
  };
  // As the worker wires it: a re-apply and the sweep's platform check run unpaced.
  return createReconcileProcessor({ ...deps, unpaced: { ...deps, cp: unpacedCp }, ...extra });
}

/** A job as the worker hands it over: its data kept across runs, its delays recorded. */
function fakeJob(name: string, data: ReconcilePayload = {}) {
  const job = {
    name, data,
    updateData: vi.fn(async (d: ReconcilePayload) => void (job.data = d)),
    moveToDelayed: vi.fn(async () => undefined),
  };
  return job as typeof job & Job<ReconcilePayload>;
}

beforeEach(async () => {
  t = await startLifecycleHarness();
  clock = { t: 1_700_000_000_000, now: () => clock.t, sleep: async (ms) => void (clock.t += ms) };
});
afterEach(async () => {
  await t.close();
});

describe('the sweep, the probes and event checks within the shared budget', () => {
  it('when the IAM budget runs out in the middle of the sweep, then the job is delayed with its place saved, and carries on after the last partner it finished', async () => {
    const ids = ['ant', 'bee', 'cat', 'dog', 'eel'];
    expect(ids.length).toBeGreaterThan(SWEEP_PARALLEL);
    for (const partnerId of ids) await t.livePartner({ partnerId, sshKeys: 1 });
    // Each partner's check: 1 Transfer call and 4 IAM calls. Budget for the first chunk of partners only.
    const process = processorWith({ iam: { perSecond: 1, burst: 4 * SWEEP_PARALLEL }, transfer: { perSecond: 1, burst: 100 } });
    const job = fakeJob(CHECK_JOB);

    await expect(process(job, 'tok')).rejects.toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
    expect(job.data).toEqual({ after: 'dog', tally: { clean: 4 } });

    clock.t += 60_000; // the bucket refills
    expect(await process(job, 'tok')).toEqual({ checked: 5, clean: 5 });
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
  });

  it('when STS runs out in the middle of an assurance tick, then the tick is delayed with the partners it has left, and proves them later', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.livePartner({ partnerId: 'globex', sshKeys: 1 });
    // One partner's probes: the verifier, then the partner role and the SFTP session through it.
    const process = processorWith({ sts: { perSecond: 1, burst: 3 } });
    const job = fakeJob(PROVE_JOB);

    await expect(process(job, 'tok')).rejects.toBeInstanceOf(DelayedError);
    expect(job.data.remaining).toEqual(['globex']);
    expect((await t.h.partners.get('acme'))!.provenAt).toBeDefined();
    expect((await t.h.partners.get('globex'))!.provenAt).toBeUndefined();

    clock.t += 60_000;
    expect(await process(job, 'tok')).toEqual({ globex: 'proven' });
    expect((await t.h.partners.get('globex'))!.provenAt).toBeDefined();
  });

  it('when an event asks for a check and the budget is spent, then the check is delayed, not dropped', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    const process = processorWith({ transfer: { perSecond: 1, burst: 1 } });
    await process(fakeJob(CHECK_JOB, { partnerId: 'acme' }), 'tok'); // spends the one Transfer token
    const job = fakeJob(CHECK_JOB, { partnerId: 'acme' });
    await expect(process(job, 'tok')).rejects.toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
    clock.t += 1000;
    expect(await process(job, 'tok')).toEqual({ acme: 'clean' });
  });

  it('when the sweep\'s tick comes while a sweep is still queued or running, then no second sweep is queued', async () => {
    const queue = new Queue<ReconcilePayload>(RECONCILE_QUEUE, { connection: t.h.redis, prefix: t.h.prefix });
    try {
      const process = processorWith({}, { queue });
      await process(fakeJob(SWEEP_JOB), 'tok');
      await process(fakeJob(SWEEP_JOB), 'tok');
      const waiting = await queue.getJobs(['waiting', 'delayed', 'active']);
      expect(waiting.map((j) => [j.name, j.data])).toEqual([[CHECK_JOB, {}]]);
      expect(waiting[0]!.opts.attempts).toBe(5);
    } finally {
      await queue.close();
    }
  });
});
