/**
 * "Show the exact documents" end to end: the real Bolt app over real HTTP with signed requests, the
 * real Redis, a local Slack Web API. The button on the card opens, with its trigger id, a modal of
 * the documents approving applies — rendered again from the stored request, conditions included,
 * the ExternalId left out.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, GUEST, requestCard } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { interaction, onboardSubmission } from '../../tools/local/slack-requests.js';

const h = botPerTest({ APPROVERS: 'UAPPROVER1,UAPPROVER2' });

/** A click on the card's "Show the exact documents", with the trigger id Slack gives a click. */
const showDocuments = (user: string, requestId: string, trigger: string, ts: string) =>
  interaction({
    type: 'block_actions', user: { id: user }, team: { id: 'T0TEAM' }, api_app_id: 'A0APP', trigger_id: trigger,
    container: { type: 'message', message_ts: ts, channel_id: 'C0APPROVALS' }, channel: { id: 'C0APPROVALS' },
    message: { type: 'message', ts, text: 'card' }, response_url: h.slack.responseUrl(trigger),
    actions: [{ type: 'button', action_id: 'plan_documents', block_id: 'decision', value: requestId, action_ts: '1' }],
  });

describe('the exact documents behind the card', () => {
  it('when a member presses "Show the exact documents", then a modal opens with every document in full, conditions included, and no ExternalId', async () => {
    await h.post(onboardSubmission('UREQUESTER1', {
      displayName: 'Globex', partnerId: 'globex', contactEmail: 'ops@globex.example', sshKeys: ed25519PublicKey(), accountId: '444455556666', feeds: ['price-lists'],
    }));
    const card = await requestCard(h);
    const ts = String(card.answer!['ts']);
    const blocks = JSON.stringify(card.body['blocks']);
    expect(blocks).toContain('`globex` can list and read only `partners/globex/`; decryption only through S3; no writes.');
    const requestId = blocks.match(/"action_id":"plan_documents","value":"(req_[a-z2-7]{26})"/)![1]!;

    const res = await h.post(showDocuments('UAPPROVER2', requestId, 'trig.docs', ts));
    expect(res.status).toBe(200);
    const open = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.docs');
    const view = open.body['view'] as { callback_id: string; blocks: unknown[] };
    expect(view.callback_id).toBe('plan_documents_modal');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    for (const title of ['Session policy of SFTP user globex', 'Trust policy of partnergate-partner-globex', 'Inline policy partnergate-read-own-prefix of partnergate-partner-globex']) {
      expect(text).toContain(`*${title}*`);
    }
    expect(text).toContain('\\"s3:prefix\\": [');
    expect(text).toContain('\\"partners/globex/*\\"');
    expect(text).toContain('\\"kms:ViaService\\"');
    expect(text).toContain('\\"sts:ExternalId\\": \\"‹the ExternalId: sent to the requester privately›\\"');
    const stored = JSON.parse((await h.redis.hget(`${h.config.prefix}:req:${requestId}`, 'data'))!) as { externalId: string };
    expect(text).not.toContain(stored.externalId);
  });

  it('when the request does not exist, or a guest presses the button, then no modal opens and the person is told why', async () => {
    await h.post(showDocuments('UREQUESTER1', 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'trig.none', '1700000000.000100'));
    const gone = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === 'UREQUESTER1');
    expect(String(gone.body['text'])).toContain('This request no longer exists');

    await h.post(showDocuments(GUEST, 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'trig.guest', '1700000000.000100'));
    const refused = await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === GUEST);
    expect(String(refused.body['text'])).toContain('Only full members');
    expect(h.slack.calls('views.open')).toEqual([]);
  });
});
