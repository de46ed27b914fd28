import { describe, expect, it } from 'vitest';
import { requestReapply } from '../../../../src/actions/lifecycle/reapply-drift.js';
import { auditRecorder, enqueueRecorder, fixedApprovers, useCaseDeps } from '../../../support/ports.js';

const SHOWN = 'a'.repeat(64);

function reapply(input: { partnerId?: string; hash?: string; actor?: string }, current: string | null = SHOWN) {
  const audit = auditRecorder();
  const queued = enqueueRecorder<[string, string, string]>();
  const deps = {
    ...useCaseDeps(), approvers: fixedApprovers('UAPP'), currentDrift: async () => current, enqueueReapply: queued.enqueue, audit: audit.audit,
  };
  const result = requestReapply(deps, { partnerId: 'acme', hash: SHOWN, actor: 'UAPP', ...input });
  return { result, audits: audit.records, queued: queued.calls };
}

describe('requestReapply (the Re-apply button on a drift report)', () => {
  it('when an approver presses the report of the drift recorded now, then one re-apply of that drift is queued', async () => {
    const { result, audits, queued } = reapply({});
    expect(await result).toMatchObject({ ok: true, message: expect.stringContaining('Re-applying `acme`') });
    expect(queued).toEqual([['acme', 'UAPP', SHOWN]]);
    expect(audits).toEqual([]);
  });

  it.each([
    ['the report is older than the drift recorded now', 'UAPP', 'b'.repeat(64), 'drift_changed'],
  ])('when %s, then it is refused and audited, and nothing is queued', async (_what, actor, current, code) => {
    const { result, audits, queued } = reapply({ actor }, current);
    expect((await result).ok).toBe(false);
    expect(queued).toEqual([]);
    expect(audits).toEqual([{ type: 'decision.refused', partnerId: 'acme', actor, details: { action: 'reapply', code, hash: SHOWN } }]);
  });

  it.each([
    ['the button carries no drift hash', { hash: '' }, SHOWN],
    ['the button names no valid partner id', { partnerId: 'ACME' }, SHOWN],
    ['no drift is recorded any more', {}, null],
  ])('when %s, then it is refused and nothing is queued', async (_what, input, current) => {
    const { result, queued } = reapply(input, current);
    expect(await result).toMatchObject({ ok: false, message: expect.stringMatching(/nothing (was|to) re-appl/) });
    expect(queued).toEqual([]);
  });
});
