/**
 * The App Home end to end (docs/app-home.md): the real Bolt app over HTTP with signed requests, the
 * real Redis and home queue, a local Slack Web API. Opening the tab, filtering, paging, searching
 * ids, deciding and being refused from the Home, freshness after a change, and a rate-limited
 * views.publish retried after Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, GUEST, requestIdOf } from '../support/bot-harness.js';
import { blockSuggestion, homeAction, homeOpened, onboardSubmission, postToBot } from '../../tools/local/slack-requests.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import { PartnerStore } from '../../src/store/partners.js';
import { msgrefKey } from '../../src/store/message-refs.js';
import type { PartnerRecord, PartnerStatus } from '../../src/domain/partner.js';
import { ACTIONS, HOME_ACTIONS } from '../../src/bot/messages/ids.js';

const MEMBER = 'UMEMBER1';
const REQUESTER = 'UAPPROVER1';
const APPROVER = 'UAPPROVER2';
const AT = '2026-12-01T10:00:00.000Z';

const h = botPerTest({ APPROVERS: 'UAPPROVER1,UAPPROVER2' }, { web: true, worker: true }, {
  overrides: () => ({ workerOptions: { home: { windowMs: 400, changeDelayMs: 100, paceMs: 0 } } }),
});

const record = (n: number, status: PartnerStatus = 'live'): PartnerRecord => {
  const id = `p${String(n).padStart(3, '0')}`;
  return {
    partnerId: id, requestId: `req_${id}`, displayName: `Partner <!channel> ${n}`, contactEmail: 'files@x.example', accountId: n % 2 ? '123456789012' : null,
    externalId: 'ext', feeds: ['price-lists'], sshKeys: [], status, steps: [], threadRef: `card:req_${id}`, channel: 'C0APPROVALS', approvedBy: APPROVER,
    provisionedAt: AT, verifiedAt: AT, transferUserCreatedAt: null, dryRun: true, updatedAt: AT,
  };
};

async function seed(count: number, quarantined: number[] = []): Promise<void> {
  const partners = new PartnerStore(h.redis, h.config.prefix);
  for (let n = 0; n < count; n++) await partners.save(record(n, quarantined.includes(n) ? 'quarantined' : 'live'));
  await h.redis.set(msgrefKey(h.config.prefix, 'card:req_p001'), JSON.stringify({ channel: 'C0APPROVALS', ts: '1764583200.000100' }));
}

const text = (c: SlackCall) => JSON.stringify(c.body['view']);
/** A Home published to `user` whose view contains `has` (published at `since` or later: not an earlier one that said the same). */
const published = (user: string, has: string, since = 0) =>
  h.slack.waitFor((c) => c.method === 'views.publish' && c.ok && c.body['user_id'] === user && c.at >= since && text(c).includes(has), 10_000);
const post = async (request: Parameters<typeof postToBot>[1]) => {
  const res = await h.post(request);
  expect(res.status).toBe(200);
  return res;
};

describe('App Home', () => {
  it('when a member opens the tab, then their Home is published within a second: partners with status, access, links; no approver sections', async () => {
    await seed(30, [7]);
    const started = Date.now();
    await post(homeOpened(MEMBER));
    const call = await published(MEMBER, 'Partners (30)');
    expect(call.at - started).toBeLessThan(1000);
    const view = text(call);
    expect(view).toContain('Partners 1–20 of 30');
    expect(view).toContain('`p001`');
    expect(view).toContain('S3 role');
    expect(view).toContain('<https://slack.com/archives/C0APPROVALS/p1764583200000100|thread>');
    expect(view).toContain('Partner &lt;!channel&gt; 1');
    expect(view).not.toContain('<!channel>');
    expect(view).not.toContain('Waiting on you');
    expect(view).toContain(`"${HOME_ACTIONS.page}_next"`);
  });

  it('when the tab is opened again and nothing changed, then nothing is published; a first open always is', async () => {
    await seed(3);
    await post(homeOpened(MEMBER));
    await published(MEMBER, 'Partners (3)');
    await post(homeOpened(MEMBER, 'V0HOME'));
    await post(homeOpened(APPROVER));
    await published(APPROVER, 'Partners (3)');
    expect(h.slack.calls('views.publish').filter((c) => c.body['user_id'] === MEMBER)).toHaveLength(1);
  });

  it('when a member filters by status, turns a page and clears, then each Home is published at once with that filter kept', async () => {
    await seed(45, [3, 9]);
    // Each step waits for its own publish: the Home after Clear reads as the first one did.
    const step = async (request: Parameters<typeof postToBot>[1], has: string) => {
      const since = Date.now();
      await post(request);
      return published(MEMBER, has, since);
    };
    await step(homeOpened(MEMBER), 'Partners 1–20 of 45');
    const filtered = await step(homeAction(MEMBER, { action_id: HOME_ACTIONS.filterStatus, type: 'static_select', selected_option: { value: 'quarantined' } }), 'Partners 1–2 of 2 matching status `quarantined`');
    expect(text(filtered)).toContain('`p003`');
    expect(text(filtered)).not.toContain('`p004`');
    await step(homeAction(MEMBER, { action_id: HOME_ACTIONS.clear, value: 'clear' }), 'Partners 1–20 of 45 · page 1 of 3');
    await step(homeAction(MEMBER, { action_id: `${HOME_ACTIONS.page}_next`, value: '2' }), 'Partners 41–45 of 45 · page 3 of 3');
    await step(homeAction(MEMBER, { action_id: HOME_ACTIONS.filterId, type: 'external_select', selected_option: { value: 'prefix:p01' } }), 'Partners 1–10 of 10 matching ids starting with `p01`');
  });

  it('when someone types in the id select, then the options are "ids starting with" and the ids by prefix; a guest gets none', async () => {
    await seed(25);
    const res = await post(blockSuggestion(MEMBER, HOME_ACTIONS.filterId, 'P01'));
    const options = (res.json as { options: { value: string; text: { text: string } }[] }).options;
    expect(options[0]).toMatchObject({ value: 'prefix:p01', text: { text: 'ids starting with p01' } });
    expect(options.slice(1).map((o) => o.value)).toEqual(Array.from({ length: 10 }, (_, i) => `id:p01${i}`));
    const again = await post(blockSuggestion(MEMBER, HOME_ACTIONS.filterId, 'P01'));
    expect((again.json as { options: unknown[] }).options).toHaveLength(11);
    const guest = await post(blockSuggestion(GUEST, HOME_ACTIONS.filterId, 'p0'));
    expect((guest.json as { options: unknown[] }).options).toEqual([]);
  });

  it('when a partner was written before summaries existed, then it is listed (summarised once, its last delivery from its history); an offboarded one is neither listed nor found', async () => {
    await seed(2);
    const old = record(50);
    const delivered = { outcome: 'delivered', at: '2026-11-30T09:00:00.000Z', partnerId: old.partnerId, key: 'outbound/p050/a.csv', versionId: null, targetKey: 'partners/p050/a.csv' };
    await h.redis.multi().set(`${h.config.prefix}:partner:${old.partnerId}`, JSON.stringify(old)).sadd(`${h.config.prefix}:partners`, old.partnerId)
      .lpush(`${h.config.prefix}:dl:history:${old.partnerId}`, JSON.stringify(delivered)).exec();
    await new PartnerStore(h.redis, h.config.prefix).save({ ...record(51), status: 'offboarded' });
    await post(homeOpened(MEMBER));
    const view = text(await published(MEMBER, 'Partners (3)'));
    expect(view).toContain('`p050`');
    // Delivered to before the last-delivery hash: found in its history.
    expect(view).toContain('last delivery <!date^1796029200^{date_short_pretty} {time}|2026-11-30 09:00 UTC>');
    expect(view).not.toContain('`p051`');
    expect(await h.redis.hexists(`${h.config.prefix}:home:partners`, 'p050')).toBe(1);
    const found = await post(blockSuggestion(MEMBER, HOME_ACTIONS.filterId, 'p05'));
    expect((found.json as { options: { value: string }[] }).options.map((o) => o.value)).toEqual(['prefix:p05', 'id:p050']);
  });

  it('when Slack rate-limits views.publish, then the Home is published after Retry-After, with nothing lost', async () => {
    await seed(5);
    h.slack.fail('views.publish', { kind: 'rate-limited', retryAfter: 1 });
    await post(homeOpened(MEMBER));
    const ok = await published(MEMBER, 'Partners (5)');
    const calls = h.slack.calls('views.publish');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(ok.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('when an approver decides from the Home, then it goes through the same decision as the card; the requester is refused on their Home', async () => {
    await seed(2);
    await post(onboardSubmission(REQUESTER, { displayName: 'Globex', partnerId: 'globex', contactEmail: 'a@globex.example', sshKeys: ed25519PublicKey(), feeds: [] }));
    const card = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.ok && JSON.stringify(c.body['blocks']).includes('globex') && c.body['thread_ts'] === undefined);
    const requestId = requestIdOf(card);

    await post(homeOpened(APPROVER));
    const home = await published(APPROVER, requestId);
    expect(text(home)).toContain(`"action_id":"${ACTIONS.approve}"`);
    await post(homeOpened(REQUESTER));
    const own = await published(REQUESTER, 'Waiting on you');
    expect(text(own)).not.toContain(requestId);

    // The requester presses Approve anyway (say, from an older view): refused by decide, told on their Home.
    await post(homeAction(REQUESTER, { action_id: ACTIONS.approve, value: requestId }));
    await published(REQUESTER, 'two-person rule');
    expect(await h.redis.hget(`${h.config.prefix}:req:${requestId}`, 'status')).toBe('pending');

    await post(homeAction(APPROVER, { action_id: ACTIONS.approve, value: requestId }));
    await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === card.answer!['ts'] && JSON.stringify(c.body['blocks']).includes('Approved by'));
    expect(await h.redis.hget(`${h.config.prefix}:req:${requestId}`, 'status')).toBe('approved');
    // The decision changed what the approver's Home shows: it is published again without the request.
    await h.slack.waitFor((c) => c.method === 'views.publish' && c.ok && c.body['user_id'] === APPROVER && c.seq > home.seq && !text(c).includes(`"value":"${requestId}"`));
  });

  it('when changes come in a burst, then each viewer\'s Home is re-published coalesced, at most once a window', async () => {
    await seed(3);
    await post(homeOpened(MEMBER));
    await published(MEMBER, 'Partners (3)');
    const partners = new PartnerStore(h.redis, h.config.prefix);
    const start = Date.now();
    for (let n = 3; n < 13; n++) {
      await partners.save(record(n));
      // What the bot says in Slack marks the viewers' Homes stale.
      await post(onboardSubmission(REQUESTER, { displayName: `Burst ${n}`, partnerId: `burst-${n}`, contactEmail: 'a@b.example', sshKeys: ed25519PublicKey(), feeds: [] }));
    }
    await published(MEMBER, 'Partners (13)');
    const after = h.slack.calls('views.publish').filter((c) => c.body['user_id'] === MEMBER && c.at >= start);
    const spanMs = Math.max(...after.map((c) => c.at)) - start;
    // One publish per 400 ms window at most (and one more at the edges).
    expect(after.length).toBeLessThanOrEqual(Math.ceil(spanMs / 400) + 1);
    expect(after.length).toBeLessThan(10);
  });
});
