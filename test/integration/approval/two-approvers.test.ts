/**
 * What the bot asks for itself needs two different approvers (src/domain/approval.ts
 * `approvalsNeeded`): the decide use case on the real Redis and its scripts, two connections for two
 * web processes. The first approval is recorded once and sealed, leaves the change pending and says
 * so on its card; its approver cannot be the second; another approver's approval decides it, and the
 * job's re-check wants both. Clicks at once: applied exactly once, never by one person alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { checkChangeApproval, changeApprovals, decide, type DecideResult } from '../../../src/actions/approval/index.js';
import { BOT_REQUESTER } from '../../../src/domain/approval.js';
import { newChangeId, type ChangeRequest } from '../../../src/domain/requests.js';
import { ChangeRequestStore, changeKeys } from '../../../src/store/change-requests.js';
import { createTestRedis, deleteKeysUnder } from '../../../tools/local/redis.js';
import { testPrefix } from '../../../tools/local/env.js';
import { auditRecorder, fixedApprovers, notifyRecorder, useCaseDeps } from '../../support/ports.js';
import { testSeals } from '../../support/seals.js';

const A = 'UAPPROVER1';
const B = 'UAPPROVER2';
let prefix: string;
let redis: [Redis, Redis];
let stores: [ChangeRequestStore, ChangeRequestStore];
let applied: string[];
let audit: ReturnType<typeof auditRecorder>;
let notified: ReturnType<typeof notifyRecorder>;
const base = useCaseDeps(new Date('2030-01-01T00:00:00.000Z'));
const approvers = fixedApprovers(A, B);

beforeEach(() => {
  prefix = testPrefix('two');
  redis = [createTestRedis(), createTestRedis()];
  stores = [new ChangeRequestStore(redis[0], prefix, testSeals), new ChangeRequestStore(redis[1], prefix, testSeals)];
  applied = [];
  audit = auditRecorder();
  notified = notifyRecorder();
});
afterEach(async () => {
  await deleteKeysUnder(redis[0], prefix);
  await Promise.all(redis.map((r) => r.quit()));
});

/** An offboarding change asked for by `requestedBy` (the bot, unless said), pending. */
async function asked(partnerId: string, requestedBy = BOT_REQUESTER): Promise<string> {
  const now = base.clock.now();
  const id = newChangeId();
  const created = await stores[0].create({
    id, partnerId, requestedBy, requestedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 72 * 3_600_000).toISOString(),
    channel: 'C0APPROVALS', threadRef: `card:${partnerId}`, spec: { kind: 'offboard', prefix: 'keep', reason: 'review lapsed' },
  });
  if (!created.ok) throw new Error(created.reason);
  return id;
}

/** The use case as one web process binds it (`process`: which Redis connection). */
const click = (id: string, actor: string, decision: 'approve' | 'reject' = 'approve', process: 0 | 1 = 0): Promise<DecideResult<ChangeRequest>> =>
  decide({
    ...base, kind: changeApprovals(stores[process]), approvers, notify: notified.notify, audit: audit.audit, approvalReaction: 'white_check_mark',
    seals: testSeals, approvalsChannel: 'C0APPROVALS', onApproved: async (c) => void applied.push(c.id),
  }, { id, actor, decision, via: 'button' });

const recheck = (change: ChangeRequest | null) => checkChangeApproval({ approvers, seals: testSeals }, change, ['offboard']);
const types = () => audit.records.map((r) => r.type);

describe('a change the bot asked for needs two different approvers', () => {
  it('when A approves, then it stays pending and the card asks for a second approver; A again is refused; B applies it, naming both', async () => {
    const id = await asked('acme');

    const first = await click(id, A);
    expect(first).toMatchObject({ ok: true, item: { status: 'pending', decision: null, firstApproval: { by: A, via: 'button' } } });
    expect(applied).toEqual([]);
    expect(await recheck(await stores[0].get(id))).toMatchObject({ code: 'not_approved' });
    const card = notified.sent.find((m) => m.op === 'update')!;
    expect(card.text).toMatch(/^Awaiting a second approver: Offboard the partner/);
    expect(JSON.stringify(card.blocks)).toMatch(/Approved by <@UAPPROVER1> <!date[^>]+>; a second approver is needed/);
    expect(JSON.stringify(card.blocks)).toContain('"action_id":"change_approve"');
    expect(notified.sent.find((m) => m.op === 'post')?.text).toMatch(/a second approver is needed/);
    expect(audit.records.at(-1)).toMatchObject({ type: 'approval.first-approved', actor: A, requestId: id, partnerId: 'acme', details: { kind: 'offboard', via: 'button' } });

    const again = await click(id, A);
    expect(again).toMatchObject({ ok: false, code: 'second_approver_needed', message: expect.stringContaining('a different approver is needed') });
    expect(await stores[0].get(id)).toMatchObject({ status: 'pending', firstApproval: { by: A } });

    const second = await click(id, B);
    expect(second).toMatchObject({ ok: true, item: { status: 'approved', decision: { by: B, first: { by: A } } } });
    expect(applied).toEqual([id]);
    expect(await recheck(await stores[0].get(id))).toBeNull();
    expect(types()).toEqual(['approval.first-approved', 'decision.refused', 'change.approved']);
    expect(audit.records.at(-1)).toMatchObject({ actor: B, details: { firstApprovedBy: A } });
    expect(JSON.stringify(notified.sent.filter((m) => m.op === 'update').at(-1)!.blocks)).toMatch(/Approved by <@UAPPROVER1> <!date[^>]+>, then by <@UAPPROVER2>/);
  });

  it('when two different approvers click at once (two processes), then one is first, the other completes it: approved and applied exactly once', async () => {
    for (let i = 0; i < 10; i++) {
      const id = await asked(`race${i}`);
      const results = await Promise.all([click(id, A, 'approve', 0), click(id, B, 'approve', 1)]);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(results.map((r) => r.ok && r.item.status).sort()).toEqual(['approved', 'pending']);
      const stored = (await stores[0].get(id))!;
      expect(stored.status).toBe('approved');
      expect(new Set([stored.decision!.by, stored.decision!.first!.by])).toEqual(new Set([A, B]));
      expect(await recheck(stored)).toBeNull();
      // The first approver's card ends as the change stands, whichever came last.
      const last = notified.sent.filter((m) => m.op === 'update').at(-1)!;
      expect(last.text).toMatch(/^Approved: /);
    }
    expect(applied).toHaveLength(10);
    expect(new Set(applied).size).toBe(10);
    expect(types().filter((t) => t === 'change.approved')).toHaveLength(10);
    expect(types().filter((t) => t === 'approval.first-approved')).toHaveLength(10);
  });

  it('when one approver clicks twice at once, then one click is the first approval and the other is refused: it stays pending, nothing applied', async () => {
    const id = await asked('acme');
    const results = await Promise.all([click(id, A, 'approve', 0), click(id, A, 'approve', 1)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: 'second_approver_needed' });
    expect(await stores[0].get(id)).toMatchObject({ status: 'pending', firstApproval: { by: A } });
    expect(applied).toEqual([]);
  });

  it('when someone rejects after the first approval, then one person\'s rejection rejects it', async () => {
    const id = await asked('acme');
    await click(id, A);
    expect(await click(id, B, 'reject')).toMatchObject({ ok: true, item: { status: 'rejected', decision: { by: B } } });
    expect(await click(id, B)).toMatchObject({ ok: false, code: 'already_decided' });
    expect(applied).toEqual([]);
    expect(await stores[0].openChange('acme', 'offboard')).toBeNull();
  });

  it('when a first approval is written in Redis (no seal), then the next approval is refused with the integrity alert and nothing is approved', async () => {
    const id = await asked('acme');
    await redis[0].hset(changeKeys(prefix).change(id), 'firstApproval', JSON.stringify({ by: A, at: base.clock.now().toISOString(), via: 'button' }));
    expect(await click(id, B)).toMatchObject({ ok: false, code: 'integrity_failed' });
    expect(await stores[0].get(id)).toMatchObject({ status: 'pending' });
    expect(applied).toEqual([]);
    expect(types()).toContain('approval.integrity-failed');
  });

  it('when a bot change reaches the job approved by one approver (the store used without the rule), then the job refuses it', async () => {
    const id = await asked('acme');
    const now = base.clock.now();
    const one = await stores[0].decide((await stores[0].get(id))!, { status: 'approved', by: A, at: now.toISOString(), via: 'button' }, now);
    expect(one.ok).toBe(true);
    expect(await recheck(await stores[0].get(id))).toMatchObject({ code: 'second_approver_needed' });
  });

  it('when a person asked for the change, then one approver decides it (unchanged)', async () => {
    const id = await asked('acme', 'UREQ');
    expect(await click(id, A)).toMatchObject({ ok: true, item: { status: 'approved', decision: { by: A } } });
    expect((await stores[0].get(id))!.decision!.first).toBeUndefined();
    expect(applied).toEqual([id]);
    expect(types()).toEqual(['change.approved']);
  });
});
