/**
 * The onboarding request and two-person approval, end to end: the real Bolt app over real HTTP with
 * signed requests, a local Slack Web API, the real Redis and BullMQ.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, requestCard, requestIdOf } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import {
  buttonClick,
  event,
  onboardSubmission,
  postToBot,
  slashCommand,
} from '../../tools/local/slack-requests.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import { fingerprintOf } from '../../src/domain/key-ages.js';

const REQUESTER = 'UREQUESTER1';
const APPROVER = 'UAPPROVER2';
const REQUESTING_APPROVER = 'UAPPROVER1';
const OUTSIDER = 'UOUTSIDER9';

const h = botPerTest({ APPROVERS: 'UAPPROVER1,UAPPROVER2', APPROVER_USERGROUP: 'S0APPROVERS' });

const validFields = (partnerId: string) => ({
  displayName: 'ACME Corp',
  partnerId,
  contactEmail: 'files@acme.example',
  sshKeys: ed25519PublicKey(),
  feeds: ['price-lists'],
  notes: 'Dealer in the north region',
});

async function submitValid(user: string, partnerId: string): Promise<{ card: SlackCall; requestId: string }> {
  const res = await h.post(onboardSubmission(user, validFields(partnerId)));
  expect(res.status).toBe(200);
  const card = await requestCard(h, partnerId);
  return { card, requestId: requestIdOf(card) };
}

async function provisionJobs(): Promise<string[]> {
  const jobs = await h.queue('provision').getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
  return jobs.map((j) => j.id!);
}

describe('onboarding request and approval', () => {
  it('when a request is submitted, then its plan names each SSH key the approver approves by type, fingerprint and comment', async () => {
    const key = `${ed25519PublicKey().split(' ').slice(0, 2).join(' ')} alice@laptop <!here>`;
    const res = await h.post(onboardSubmission(REQUESTER, { ...validFields('globex'), sshKeys: key }));
    expect(res.status).toBe(200);
    const card = await requestCard(h, 'globex');
    const plan = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['thread_ts'] === String(card.answer!['ts']));
    const text = JSON.stringify(plan.body['blocks']);
    expect(text).toContain(`\`ssh-ed25519\` \`${fingerprintOf(key)}\` \`alice@laptop &lt;!here&gt;\``);
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain(key.split(' ')[1]);
  });

  it('when a requester walks through the whole flow, then exactly one provisioning job is queued after a second person approves', async () => {
    // command → modal
    const cmd = await h.post(slashCommand({ command: '/onboard-partner', text: 'ACME Corp', user_id: REQUESTING_APPROVER, trigger_id: 'trig.1' }));
    expect(cmd.status).toBe(200);
    const open = await h.slack.waitFor((c) => c.method === 'views.open');
    expect(open.body['trigger_id']).toBe('trig.1');
    const view = open.body['view'] as { callback_id: string; blocks: { block_id?: string; element?: { initial_value?: string; options?: unknown[] } }[] };
    expect(view.callback_id).toBe('onboard_partner_modal');
    expect(view.blocks.find((b) => b.block_id === 'partner_id')?.element?.initial_value).toBe('acme-corp');
    expect(view.blocks.find((b) => b.block_id === 'feeds')?.element?.options).toHaveLength(3);

    // bad submission → inline errors keyed by block, nothing stored
    const bad = await h.post(onboardSubmission(REQUESTING_APPROVER, {
      ...validFields('ACME*'), contactEmail: 'not-an-email', accountId: '111122223333',
    }));
    expect(bad.status).toBe(200);
    const errors = (bad.json as { response_action: string; errors: Record<string, string> });
    expect(errors.response_action).toBe('errors');
    expect(Object.keys(errors.errors).sort()).toEqual(['account_id', 'contact_email', 'partner_id']);
    expect(errors.errors['account_id']).toMatch(/enterprise|own/i);
    expect(await h.redis.keys(`${h.config.prefix}:req:*`)).toEqual([]);

    // good submission → card in the approvals channel, plan in its thread
    const { card, requestId } = await submitValid(REQUESTING_APPROVER, 'acme-corp');
    const cardTs = String(card.answer!['ts']);
    const plan = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['thread_ts'] === cardTs);
    expect(JSON.stringify(plan.body['blocks'])).toContain('SFTP user');
    expect(JSON.stringify(card.body['blocks'])).toContain('request_approve');
    expect(JSON.stringify(card.body['blocks'])).toContain(':white_check_mark:');

    // self-approval refused, ephemerally, nothing changes
    await h.post(buttonClick(REQUESTING_APPROVER, 'request_approve', requestId, { channel: 'C0APPROVALS', ts: cardTs }, h.slack.responseUrl('a')));
    const selfRefusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === REQUESTING_APPROVER);
    expect(String(selfRefusal.body['text'])).toMatch(/someone else must approve/);

    // an outsider is refused too
    await h.post(buttonClick(OUTSIDER, 'request_approve', requestId, { channel: 'C0APPROVALS', ts: cardTs }, h.slack.responseUrl('b')));
    const outsider = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === OUTSIDER);
    expect(String(outsider.body['text'])).toMatch(/Only approvers/);
    expect(await provisionJobs()).toEqual([]);

    // approval by another approver → card updated without buttons, thread reply, one job
    await h.post(buttonClick(APPROVER, 'request_approve', requestId, { channel: 'C0APPROVALS', ts: cardTs }, h.slack.responseUrl('c')));
    const update = await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === cardTs);
    const updated = JSON.stringify(update.body['blocks']);
    expect(updated).not.toContain('request_approve');
    expect(updated).toContain(`Approved by <@${APPROVER}>`);
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['thread_ts'] === cardTs && String(c.body['text']).includes('Provisioning is queued'));
    expect(await provisionJobs()).toEqual([requestId]);
  });

  it('when a member of the approver user group reacts with the approval reaction, then the request is approved once', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'globex');
    const ts = String(card.answer!['ts']);
    const reaction = (user: string, name = 'white_check_mark') =>
      event({ type: 'reaction_added', user, reaction: name, item: { type: 'message', channel: 'C0APPROVALS', ts }, item_user: 'UBOT0001', event_ts: ts });

    await h.post(reaction('UGROUPAPPROVER', 'thumbsup'));
    await h.post(reaction('UGROUPAPPROVER'));
    await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === ts);
    expect(await provisionJobs()).toEqual([requestId]);
    const stored = await h.redis.hget(`${h.config.prefix}:req:${requestId}`, 'decision');
    expect(JSON.parse(stored!)).toMatchObject({ status: 'approved', by: 'UGROUPAPPROVER', via: 'reaction' });
  });

  it('when the requester reacts on their own card, then it is refused with an ephemeral answer', async () => {
    const { card } = await submitValid(REQUESTER, 'initech');
    const ts = String(card.answer!['ts']);
    await h.post(event({ type: 'reaction_added', user: REQUESTER, reaction: 'white_check_mark', item: { type: 'message', channel: 'C0APPROVALS', ts }, event_ts: ts }));
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === REQUESTER);
    expect(String(refusal.body['text'])).toMatch(/someone else/);
    expect(await provisionJobs()).toEqual([]);
  });

  it('when the requester withdraws, then the card says so, nothing is queued, the id is free again and nobody is sent a DM', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'hooli');
    const ts = String(card.answer!['ts']);
    await h.post(buttonClick(REQUESTER, 'request_reject', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('r')));
    const update = await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === ts);
    expect(JSON.stringify(update.body['blocks'])).toContain('Withdrawn');
    expect(await provisionJobs()).toEqual([]);
    expect(await h.redis.get(`${h.config.prefix}:pid:hooli`)).toBeNull();
    // An approver clicking afterwards is told it was already decided.
    await h.post(buttonClick(APPROVER, 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('s')));
    const refusal = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === APPROVER);
    expect(String(refusal.body['text'])).toMatch(/already rejected/);
    expect(h.slack.calls('chat.postMessage').filter((c) => /^U/.test(String(c.body['channel'])))).toEqual([]);
  });

  it('when an approver rejects a request, then the requester is told by DM who rejected it and how to go on', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'vandelay');
    const ts = String(card.answer!['ts']);
    await h.post(buttonClick(APPROVER, 'request_reject', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('r')));
    const dm = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === REQUESTER);
    expect(String(dm.body['text'])).toMatch(new RegExp(`^:no_entry_sign: Rejected: Onboarding of \`vandelay\`, by <@${APPROVER}> <!date`));
    expect(JSON.stringify(dm.body['blocks'])).toContain('submit a new request with `/onboard-partner`');
    expect(dm.answer!['channel']).toBe(`D${REQUESTER.slice(1)}`);
  });

  it('when 20 approvals arrive at once, then there is one approval and one job', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'umbrella');
    const ts = String(card.answer!['ts']);
    const clicks = Array.from({ length: 20 }, (_, i) =>
      h.post(buttonClick(i % 2 ? 'UAPPROVER1' : 'UAPPROVER2', 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl(`x${i}`))),
    );
    const answers = await Promise.all(clicks);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await h.slack.waitForCount((c) => c.method === 'chat.postEphemeral', 19);
    expect(h.slack.calls('chat.update').filter((c) => c.body['ts'] === ts)).toHaveLength(1);
    expect(await provisionJobs()).toEqual([requestId]);
  });

  it('when two requests race for the same partner id, then one is stored and the other gets an inline error', async () => {
    const [a, b] = await Promise.all([
      h.post(onboardSubmission('UREQ1', validFields('wayne'))),
      h.post(onboardSubmission('UREQ2', validFields('wayne'))),
    ]);
    const answers = [a!, b!];
    const errors = answers.filter((r) => (r.json as { response_action?: string } | null)?.response_action === 'errors');
    expect(errors).toHaveLength(1);
    expect((errors[0]!.json as { errors: Record<string, string> }).errors['partner_id']).toMatch(/already requested/);
    expect(await h.redis.keys(`${h.config.prefix}:req:req_*`)).toHaveLength(1);
  });
});

describe('request authenticity', () => {
  it('when the signature is wrong or the timestamp stale, then the answer is 401 and nothing happens', async () => {
    const submission = onboardSubmission(REQUESTER, validFields('stark'));
    const forged = await postToBot(h.url, submission, 'not-the-secret-at-all');
    const stale = await postToBot(h.url, submission, h.config.slack.signingSecret, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const unsigned = await postToBot(h.url, submission, h.config.slack.signingSecret, { headers: { 'x-slack-signature': '' } });
    expect([forged.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
    expect(await h.redis.get(`${h.config.prefix}:pid:stark`)).toBeNull();
    expect(h.slack.calls().filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('when a signed request is replayed inside the signing window, then it has no second effect', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'cyberdyne');
    const ts = String(card.answer!['ts']);
    const click = buttonClick(APPROVER, 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('z'));
    const first = await h.post(click);
    const replay = await h.post(click);
    expect([first.status, replay.status]).toEqual([200, 200]);
    await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === ts);
    // A distinct click afterwards is refused as already decided: proof the replay was dropped before it.
    await h.post(buttonClick('UAPPROVER1', 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('y')));
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UAPPROVER1');
    expect(h.slack.calls('chat.postEphemeral').filter((c) => c.body['user'] === APPROVER)).toEqual([]);
    expect(await provisionJobs()).toEqual([requestId]);
  });

  it('when a command and a modal submission are replayed (the command acknowledged before its replay check), then each runs once', async () => {
    const command = slashCommand({ command: '/onboard-partner', text: 'Replay Corp', user_id: REQUESTER, trigger_id: 'trig-replay' });
    const commands = [await h.post(command), await h.post(command)];
    const submission = onboardSubmission(REQUESTER, validFields('replay-corp'));
    const submissions = [await h.post(submission), await h.post(submission)];
    expect([...commands, ...submissions].map((a) => [a.status, a.json])).toEqual([[200, null], [200, null], [200, null], [200, null]]);
    // A distinct command afterwards opens its modal: proof the replay was dropped before it.
    await h.post(slashCommand({ command: '/onboard-partner', text: 'After Corp', user_id: REQUESTER, trigger_id: 'trig-after' }));
    await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig-after');
    expect(h.slack.calls('views.open').filter((c) => c.body['trigger_id'] === 'trig-replay')).toHaveLength(1);
    expect(await h.redis.keys(`${h.config.prefix}:req:req_*`)).toHaveLength(1);
  });

  it('when Slack redelivers the same event (retry headers), then it has one effect', async () => {
    const { card, requestId } = await submitValid(REQUESTER, 'tyrell');
    const ts = String(card.answer!['ts']);
    const evt = event({ type: 'reaction_added', user: APPROVER, reaction: 'white_check_mark', item: { type: 'message', channel: 'C0APPROVALS', ts }, event_ts: ts }, 'Ev0SAMEEVENT');
    await h.post(evt);
    await postToBot(h.url, evt, h.config.slack.signingSecret, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await h.slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === ts);
    expect(await provisionJobs()).toEqual([requestId]);
    expect(h.slack.calls('chat.postEphemeral')).toEqual([]);
  });
});
