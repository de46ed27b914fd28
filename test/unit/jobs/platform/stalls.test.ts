import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { createLogger } from '../../../../src/logger.js';
import { QUEUE_NAMES } from '../../../../src/jobs/platform/queues.js';
import { guardStalls, recoveryBoundMs, STALL_SETTINGS, stallSettings } from '../../../../src/jobs/platform/stalls.js';

const jobThatStalled = (stalledCounter: number) => ({ id: 'dlv-1', name: 'deliver', stalledCounter }) as unknown as Job<unknown>;

function guarded(onStalledOut?: (job: Job<unknown>, deaths: number) => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } }));
  const ran: string[] = [];
  const processor = guardStalls<unknown>('deliver', async () => { ran.push('processor'); return 'delivered'; }, {
    logger, overrides: { deliver: { maxStalls: 2 } },
    ...(onStalledOut ? { onStalledOut: async (job: Job<unknown>, deaths: number) => { ran.push(`report after ${deaths}`); return onStalledOut(job, deaths); } } : {}),
  });
  return { processor, ran, lines };
}

describe('lock and stall settings', () => {
  it('when a queue is in the registry, then the table has its settings, and a worker that died hands its jobs on within 15 s', () => {
    expect(Object.keys(STALL_SETTINGS).sort()).toEqual(Object.values(QUEUE_NAMES).sort());
    for (const s of Object.values(STALL_SETTINGS)) {
      expect(s.lockDurationMs).toBeGreaterThanOrEqual(2 * s.stalledIntervalMs);
      expect(recoveryBoundMs(s)).toBeLessThanOrEqual(15_000);
      expect(s.maxStalls).toBeGreaterThanOrEqual(2); // two crashes in a row are absorbed
    }
  });

  it('when a test overrides one queue, then only that queue and only those fields change', () => {
    expect(stallSettings('deliver', { deliver: { stalledIntervalMs: 200 } })).toEqual({ ...STALL_SETTINGS.deliver, stalledIntervalMs: 200 });
    expect(stallSettings('notify', { deliver: { stalledIntervalMs: 200 } })).toEqual(STALL_SETTINGS.notify);
  });
});

describe('guardStalls', () => {
  it('when a job stalled no more than its queue allows, then it runs', async () => {
    const { processor, ran } = guarded(async () => 'stalled-out');
    expect(await processor(jobThatStalled(2))).toBe('delivered');
    expect(ran).toEqual(['processor']);
  });

  it('when it stalled once more, then the queue reports it instead of running it, with an error line', async () => {
    const { processor, ran, lines } = guarded(async () => 'stalled-out');
    expect(await processor(jobThatStalled(3))).toBe('stalled-out');
    expect(ran).toEqual(['report after 3']);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', queue: 'deliver', jobId: 'dlv-1', stalls: 3, maxStalls: 2 })]);
  });

  it('when the queue has no report, then the job runs again, with an error line', async () => {
    const { processor, ran, lines } = guarded();
    expect(await processor(jobThatStalled(5))).toBe('delivered');
    expect(ran).toEqual(['processor']);
    expect(lines[0]).toMatchObject({ level: 'error', stalls: 5, msg: expect.stringContaining('running it again') });
  });

  it('when the report itself fails, then the error goes to BullMQ (the job is retried, not dropped)', async () => {
    const { processor } = guarded(async () => { throw new Error('Redis down'); });
    await expect(processor(jobThatStalled(3))).rejects.toThrow('Redis down');
  });
});
