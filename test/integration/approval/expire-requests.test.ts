import { describe, expect, it } from 'vitest';
import { expireDue as expireDueRequests, requestApprovals } from '../../../src/actions/approval/index.js';
import { RequestStore } from '../../../src/store/requests.js';
import { newRequestId, type OnboardingRequestData } from '../../../src/domain/requests.js';
import { createLogger } from '../../../src/logger.js';
import { notifyRecorder } from '../../support/ports.js';
import { testSeals } from '../../support/seals.js';
import { redisPerTest } from '../../support/redis-per-test.js';

const db = redisPerTest('expiry');

function request(partnerId: string, expiresAt: string): OnboardingRequestData {
  return {
    id: newRequestId(), partnerId, displayName: partnerId, contactEmail: 'a@b.example', sshKeys: [], accountId: '444455556666',
    externalId: 'x'.repeat(43), feeds: [], notes: '', requestedBy: 'UREQ', requestedAt: '2026-11-01T00:00:00.000Z',
    expiresAt, planHash: 'h'.repeat(64), channel: 'C0APPROVALS',
  };
}

describe('request expiry', () => {
  it('when a pending request passes its expiry, then it is marked expired once, its card updated, its requester told by DM and its id released', async () => {
    const store = new RequestStore(db.redis, db.prefix, testSeals);
    const old = request('old-partner', '2026-11-02T00:00:00.000Z');
    const fresh = request('fresh-partner', '2026-12-30T00:00:00.000Z');
    await store.create(old);
    await store.create(fresh);
    const { notify, sent } = notifyRecorder();
    const deps = {
      kind: requestApprovals(store), notify, clock: { now: () => new Date('2026-11-10T00:00:00Z') },
      logger: createLogger('silent'), approvalReaction: 'white_check_mark',
    };
    expect(await expireDueRequests(deps)).toBe(1);
    expect(await expireDueRequests(deps)).toBe(0);
    expect((await store.get(old.id))!.status).toBe('expired');
    expect((await store.get(fresh.id))!.status).toBe('pending');
    expect(await store.partnerIdHolder('old-partner')).toBeNull();
    expect(await store.partnerIdHolder('fresh-partner')).toBe(fresh.id);
    // The card, its thread, and the requester by DM: no approver decided, and how to go on.
    expect(sent.map((m) => [m.op, 'channel' in m ? m.channel : m.target])).toEqual([['update', expect.any(String)], ['post', 'C0APPROVALS'], ['post', 'UREQ']]);
    expect(sent[2]!.text).toMatch(/^:hourglass: Expired: Onboarding of `old-partner` — no approver decided before <!date/);
  });
});
