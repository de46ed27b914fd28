import { describe, expect, it } from 'vitest';
import { requestReapply } from '../../../../src/actions/lifecycle/reapply-drift.js';
import type { RequestChangeResult } from '../../../../src/actions/lifecycle/index.js';
import type { DriftItem, DriftRecord } from '../../../../src/domain/drift.js';
import type { ChangeRequest, ChangeSpec } from '../../../../src/domain/requests.js';
import { auditRecorder, enqueueRecorder, fixedApprovers, useCaseDeps } from '../../../support/ports.js';

const SHOWN = 'a'.repeat(64);
const POLICY: DriftItem = { subject: 'inline-policy', state: 'differs', line: 'IAM role: inline policy partnergate-read-own-prefix differs' };
const TRUST: DriftItem = { subject: 'trust-policy', state: 'differs', line: 'IAM role: trust policy differs' };
const USER: DriftItem = { subject: 'transfer-user', state: 'missing', line: 'Transfer user acme is missing' };

function reapply(input: { partnerId?: string; hash?: string; actor?: string }, current: DriftRecord | null = { hash: SHOWN, items: [POLICY] }, asked: Partial<RequestChangeResult> = {}) {
  const audit = auditRecorder();
  const queued = enqueueRecorder<[string, string, string]>();
  const changes: { partnerId: string; requestedBy: string; spec: ChangeSpec }[] = [];
  const deps = {
    ...useCaseDeps(), approvers: fixedApprovers('UAPP'), currentDrift: async () => current, enqueueReapply: queued.enqueue, audit: audit.audit,
    requestChange: async (c: { partnerId: string; requestedBy: string; spec: ChangeSpec }) => {
      changes.push(c);
      return { ok: true, change: { id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa' } as ChangeRequest, ...asked } as RequestChangeResult;
    },
  };
  const result = requestReapply(deps, { partnerId: 'acme', hash: SHOWN, actor: 'UAPP', ...input });
  return { result, audits: audit.records, queued: queued.calls, changes };
}

describe('requestReapply (the Re-apply button on a drift report)', () => {
  it('when an approver presses the report of a permission-only drift recorded now, then one re-apply of that drift is queued and no second approver is asked', async () => {
    const { result, audits, queued, changes } = reapply({});
    expect(await result).toMatchObject({ ok: true, message: expect.stringContaining('Re-applying `acme`') });
    expect(queued).toEqual([['acme', 'UAPP', SHOWN]]);
    expect(changes).toEqual([]);
    expect(audits).toEqual([]);
  });

  it.each([
    ['a trust policy differs', [POLICY, TRUST], [TRUST.line]],
    ['the Transfer user is missing', [USER], [USER.line]],
  ])('when %s, then nothing is queued: a re-apply change naming those items is asked of a second approver, by the presser', async (_what, items, named) => {
    const { result, queued, changes } = reapply({}, { hash: SHOWN, items });
    const answer = await result;
    expect(answer.ok).toBe(true);
    expect(answer.message).toContain('another approver must approve');
    expect(queued).toEqual([]);
    expect(changes).toEqual([{ partnerId: 'acme', requestedBy: 'UAPP', spec: { kind: 'reapply', hash: SHOWN, items: named } }]);
  });

  it('when the second approver\'s change cannot be asked for (one is already open), then the presser is told and nothing is queued', async () => {
    const { result, queued } = reapply({}, { hash: SHOWN, items: [TRUST] }, { ok: false, code: 'already_open', message: 'A change of this kind is already open for `acme` (chg_x): decide that one first.' } as Partial<RequestChangeResult>);
    expect(await result).toEqual({ ok: false, message: expect.stringContaining('already open') });
    expect(queued).toEqual([]);
  });

  it.each([
    ['the report is older than the drift recorded now', 'UAPP', 'b'.repeat(64), 'drift_changed'],
  ])('when %s, then it is refused and audited, and nothing is queued', async (_what, actor, current, code) => {
    const { result, audits, queued } = reapply({ actor }, { hash: current, items: [TRUST] });
    expect((await result).ok).toBe(false);
    expect(queued).toEqual([]);
    expect(audits).toEqual([{ type: 'decision.refused', partnerId: 'acme', actor, details: { action: 'reapply', code, hash: SHOWN } }]);
  });

  it.each([
    ['the button carries no drift hash', { hash: '' }, { hash: SHOWN, items: [] }],
    ['the button names no valid partner id', { partnerId: 'ACME' }, { hash: SHOWN, items: [] }],
    ['no drift is recorded any more', {}, null],
  ])('when %s, then it is refused and nothing is queued', async (_what, input, current) => {
    const { result, queued, changes } = reapply(input, current);
    expect(await result).toMatchObject({ ok: false, message: expect.stringMatching(/nothing (was|to) re-appl/) });
    expect(queued).toEqual([]);
    expect(changes).toEqual([]);
  });
});
