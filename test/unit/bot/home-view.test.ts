/**
 * The App Home builder (src/bot/messages/home.ts): whatever the data — 10,000 partners, names of
 * thousands of characters, hostile strings — the view stays inside Slack's limits and no outside
 * `<…>` reaches it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHomeView, HOME_LIMITS, idOption, prefixOption } from '../../../src/bot/messages/home.js';
import { ACTIONS, HOME_ACTIONS } from '../../../src/bot/messages/ids.js';
import { HOME_STATUSES, type HomeDetails, type HomeSnapshot, type PartnerSummary } from '../../../src/domain/home.js';
import type { PartnerStatus } from '../../../src/domain/partner.js';
import type { ChangeRequest, OnboardingRequest } from '../../../src/domain/requests.js';
import type { Block } from '../../../src/domain/notify-message.js';

const HOSTILE = ['<!channel>', '<@U123>', '<https://evil.example|click>', '&lt;', '*bold*', '`x`', '\u202e', '|', '>'];
const hostile = fc.oneof(fc.string({ maxLength: 4000 }), fc.constantFrom(...HOSTILE), fc.array(fc.constantFrom(...HOSTILE), { maxLength: 500 }).map((a) => a.join('')));
const AT = '2026-12-07T01:00:00.000Z';

const partner = (i: number, name: string, status: PartnerStatus, feeds: string[]): PartnerSummary => ({
  partnerId: `p${String(i).padStart(5, '0')}`, name, status, access: i % 2 ? ['sftp'] : ['sftp', 's3-role'], feeds, requestId: `req_${i}`,
  channel: 'C0APPROVALS', threadRef: `card:req_${i}`, verifiedAt: AT, provenAt: null,
});

const request = (i: number, name: string, by: string): OnboardingRequest => ({
  id: `req_x${i}`, partnerId: `new${i}`, displayName: name, contactEmail: name, sshKeys: [], accountId: '123456789012', feeds: [], notes: name,
  requestedBy: by, channel: 'C0APPROVALS', expiresAt: AT, planHash: 'a'.repeat(64), externalId: 'x', createdAt: AT, status: 'pending', decision: null,
} as unknown as OnboardingRequest);

const change = (i: number, reason: string, by: string): ChangeRequest => ({
  id: `chg_x${i}`, partnerId: `p${String(i).padStart(5, '0')}`, spec: { kind: 'offboard', prefix: 'archive', reason }, requestedBy: by,
  channel: 'C0APPROVALS', threadRef: `card:req_${i}`, expiresAt: AT, createdAt: AT, status: 'pending', decision: null,
} as unknown as ChangeRequest);

function snapshot(n: number, name: string, extra: Partial<HomeSnapshot> = {}): HomeSnapshot {
  const partners = Array.from({ length: n }, (_, i) => partner(i, name, HOME_STATUSES[i % HOME_STATUSES.length]!, i % 3 ? [name.slice(0, 50), 'price-lists'] : []));
  return {
    partners, overdue: new Map(partners.slice(0, 50).map((p) => [p.partnerId, 3])), requests: [], changes: [],
    failed: partners.filter((p) => p.status.endsWith('failed')).slice(0, 30).map((p) => ({ partnerId: p.partnerId, requestId: p.requestId, kind: p.status === 'provision_failed' ? 'provision' : 'verify', step: name.slice(0, 60), error: name })),
    recent: Array.from({ length: 20 }, (_, i) => ({ at: AT, partnerId: `p${i}`, key: name, outcome: i % 2 ? 'failed' : 'delivered', error: name, forcedBy: 'U1' })),
    reviewsDue: Array.from({ length: 12 }, (_, i) => ({ partnerId: `p${i}`, owner: i % 2 ? null : name.slice(0, 20), dueAt: AT, state: name })),
    at: AT, ...extra,
  };
}

/** Every partner's details (the builder shows those of the partners it lists). */
const details = (s: HomeSnapshot): HomeDetails => ({
  lastDelivered: new Map(s.partners.map((p) => [p.partnerId, AT])), lastPickup: new Map(s.partners.slice(0, 7).map((p) => [p.partnerId, AT])),
  threads: new Map([...s.partners.map((p) => p.partnerId), 'new1', 'p0'].map((id) => [id, { channel: 'C0APPROVALS', ts: '1700000000.000100' }])),
});

type AnyObj = Record<string, unknown>;
/** Every object in the view, with the key it was found under. */
function walk(value: unknown, visit: (o: AnyObj, key: string) => void, key = ''): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit, key));
  else if (value !== null && typeof value === 'object') {
    visit(value as AnyObj, key);
    for (const [k, v] of Object.entries(value as AnyObj)) walk(v, visit, k);
  }
}

function expectWithinLimits(blocks: Block[]): void {
  expect(blocks.length).toBeLessThanOrEqual(HOME_LIMITS.blocks);
  const ids = blocks.map((b) => (b as { block_id?: string }).block_id).filter(Boolean);
  expect(new Set(ids).size).toBe(ids.length);
  for (const b of blocks) {
    const t = b as unknown as AnyObj;
    if (t['type'] === 'section' && t['text']) expect(((t['text'] as AnyObj)['text'] as string).length).toBeLessThanOrEqual(HOME_LIMITS.section);
    if (t['type'] === 'header') expect(((t['text'] as AnyObj)['text'] as string).length).toBeLessThanOrEqual(HOME_LIMITS.plainText);
  }
  walk(blocks, (o, key) => {
    if (o['type'] === 'button') expect(((o['text'] as AnyObj)['text'] as string).length).toBeLessThanOrEqual(HOME_LIMITS.plainText);
    if (Array.isArray(o['options'])) {
      expect((o['options'] as unknown[]).length).toBeLessThanOrEqual(HOME_LIMITS.options);
      for (const opt of o['options'] as AnyObj[]) expect(((opt['text'] as AnyObj)['text'] as string).length).toBeLessThanOrEqual(HOME_LIMITS.optionText);
    }
    if (o['type'] === 'plain_text') expect(String(o['text'])).not.toMatch(/[<>]/);
    if (o['type'] === 'mrkdwn' && key !== 'confirm') {
      // Only our own <…>: dates, mentions of ids, links to message archives.
      for (const m of String(o['text']).match(/<[^>]*>/g) ?? []) expect(m).toMatch(/^<(!date\^\d+\^[^|]*\|[^<>]*|@[A-Za-z0-9]+|https:\/\/slack\.com\/archives\/[A-Z0-9]+\/p\d+\|thread)>$/);
    }
  });
}

describe('App Home view', () => {
  it('when any data, then within Slack limits and no outside <…> (property)', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 400 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (name, n, approver, filtered, page) => {
        const s = snapshot(n, name, {
          requests: Array.from({ length: 8 }, (_, i) => request(i, name, i === 0 ? 'UME' : 'UOTHER')),
          changes: Array.from({ length: 8 }, (_, i) => change(i, name, 'UOTHER')),
        });
        const view = buildHomeView({
          snapshot: s, details: details(s), viewer: { user: 'UME', member: true, approver },
          state: { idPrefix: filtered ? 'p0' : null, status: filtered ? 'live' : null, page }, notice: name,
        });
        expectWithinLimits(view.blocks);
      }),
      { numRuns: 150 },
    );
  });

  it('when 10,000 partners, then one page of 20 with a next button, and the filter controls', () => {
    const view = buildHomeView({ snapshot: snapshot(10_000, 'Acme'), details: details(snapshot(10, 'Acme')), viewer: { user: 'UME', member: true, approver: true }, state: { idPrefix: null, status: null, page: 3 }, notice: null });
    expectWithinLimits(view.blocks);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Partners 61–80 of 10000');
    expect(text).toContain(`"${HOME_ACTIONS.page}_next"`);
    expect(text).toContain(`"${HOME_ACTIONS.page}_prev"`);
    expect(text).toContain(`"${HOME_ACTIONS.filterId}"`);
  });

  it('when an approver, then requests by others carry the card\'s buttons and ids, and their own request is not there', () => {
    const s = snapshot(3, 'Acme', { requests: [request(1, 'Mine', 'UME'), request(2, 'Theirs', 'UOTHER')], changes: [change(1, 'done', 'UOTHER')] });
    const view = buildHomeView({ snapshot: s, details: details(s), viewer: { user: 'UME', member: true, approver: true }, state: { idPrefix: null, status: null, page: 0 }, notice: null });
    const buttons: AnyObj[] = [];
    walk(view.blocks, (o) => void (o['type'] === 'button' && buttons.push(o)));
    expect(buttons.filter((b) => b['action_id'] === ACTIONS.approve).map((b) => b['value'])).toEqual(['req_x2']);
    expect(buttons.filter((b) => b['action_id'] === ACTIONS.changeApprove).map((b) => b['value'])).toEqual(['chg_x1']);
    expect(buttons.find((b) => b['action_id'] === ACTIONS.approve)!['confirm']).toBeDefined();
    expect(JSON.stringify(view.blocks)).not.toContain('Mine');
    expect(JSON.stringify(view.blocks)).toContain('Reviews due (12)');
    expect(JSON.stringify(view.blocks)).toContain('owner none');
  });

  it('when not an approver, then no decisions or retries; when a guest, then no partners', () => {
    const s = snapshot(30, 'Acme', { requests: [request(2, 'Theirs', 'UOTHER')] });
    const member = JSON.stringify(buildHomeView({ snapshot: s, details: details(s), viewer: { user: 'UME', member: true, approver: false }, state: { idPrefix: null, status: null, page: 0 }, notice: null }).blocks);
    expect(member).not.toContain(ACTIONS.approve);
    expect(member).not.toContain(ACTIONS.retryProvision);
    expect(member).toContain('p00001');
    const guest = JSON.stringify(buildHomeView({ snapshot: s, details: details(s), viewer: { user: 'UG', member: false, approver: false }, state: { idPrefix: null, status: null, page: 0 }, notice: null }).blocks);
    expect(guest).not.toContain('p00001');
  });

  it('when options are built from any id or typed text, then within 75 characters and no <…>', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (s) => {
      for (const o of [idOption(s), prefixOption(s)]) {
        expect(o.text.text.length).toBeLessThanOrEqual(HOME_LIMITS.optionText);
        expect(o.text.text).not.toMatch(/[<>]/);
      }
    }));
  });
});
