/**
 * The welcome goes privately (issue #19): a full onboarding of each access kind through the real
 * app — signed requests to the real Bolt app, the real Redis and BullMQ, the notify queue posting to
 * the local Slack Web API, DRY_RUN without TRANSFER_HOST — and then every message the bot posted to
 * a channel is searched for the partner's ExternalId. The requester's DMs carry the welcome (no
 * ExternalId), the ExternalId in its own DM, the decision and the LIVE news.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, onboardLive } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import { fingerprintOf } from '../../src/domain/key-ages.js';

const REQUESTER = 'UREQUESTER1'; // onboardLive's requester
const APPROVER = 'UAPPROVER2'; // and its approver

const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0' });

/** Every post, update and ephemeral the bot sent to a channel (a DM is a post to a user id). */
const channelMessages = () =>
  h.slack.calls().filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'respond'].includes(c.method) && !/^[UW][A-Z0-9]+$/.test(String(c.body['channel'] ?? '')));
const dmsTo = (user: string) => h.slack.calls('chat.postMessage').filter((c) => c.body['channel'] === user);
const shown = (c: SlackCall) => String(c.body['text']) + JSON.stringify(c.body['blocks'] ?? []);

/** The partner LIVE, with its news in the requester's DMs too; resolves with its thread's ts. */
async function onboard(partnerId: string, fields: { sshKeys?: string; accountId?: string }): Promise<string> {
  // No SSH key unless given (onboardLive's default is one): the role partner has none.
  const ts = await onboardLive(h, { displayName: `${partnerId} Ltd`, partnerId, contactEmail: `files@${partnerId}.example`, sshKeys: undefined, ...fields }, partnerId);
  await h.slack.waitFor((c) => c.body['channel'] === REQUESTER && String(c.body['text']).includes(`\`${partnerId}\`) is LIVE`), 20_000);
  return ts;
}

describe('the welcome, privately', () => {
  it('when an SFTP partner and an S3-role partner are onboarded, then no channel post carries an ExternalId, and the requester gets the welcome, the ExternalId and the news by DM', async () => {
    const key = ed25519PublicKey();
    const sftp = await onboard('acme', { sshKeys: key });
    const role = await onboard('globex', { accountId: '444455556666' });

    const externalIds = await Promise.all(['acme', 'globex'].map(async (id) => JSON.parse((await h.redis.get(`${h.config.prefix}:partner:${id}`))!).externalId as string));
    for (const externalId of externalIds) expect(externalId.length).toBeGreaterThanOrEqual(32);
    // The search can fail: the ExternalId did reach Slack — in a DM.
    expect(dmsTo(REQUESTER).filter((c) => shown(c).includes(externalIds[1]!))).toHaveLength(1);
    const posts = channelMessages();
    expect(posts.length).toBeGreaterThan(10);
    for (const externalId of externalIds) expect(posts.filter((c) => JSON.stringify(c.body).includes(externalId)).map((c) => c.method)).toEqual([]);

    // The SFTP partner's welcome: ready to forward, the host planned (no TRANSFER_HOST in DRY_RUN), the key we registered; no ExternalId DM.
    const sftpWelcome = dmsTo(REQUESTER).filter((c) => String(c.body['text']).startsWith('Welcome text for acme Ltd'));
    expect(sftpWelcome).toHaveLength(1);
    expect(shown(sftpWelcome[0]!)).toContain('host: _planned');
    expect(shown(sftpWelcome[0]!)).not.toMatch(/platform team/);
    expect(shown(sftpWelcome[0]!)).toContain(fingerprintOf(key)!);
    expect(dmsTo(REQUESTER).filter((c) => String(c.body['text']).startsWith('ExternalId for acme'))).toEqual([]);

    // The role partner's: the role and its policy in the welcome, the ExternalId alone in the next DM.
    const roleWelcome = dmsTo(REQUESTER).find((c) => String(c.body['text']).startsWith('Welcome text for globex Ltd'))!;
    expect(shown(roleWelcome)).toContain('partnergate-partner-globex');
    expect(shown(roleWelcome)).not.toContain(externalIds[1]!);
    const secret = dmsTo(REQUESTER).find((c) => String(c.body['text']).startsWith('ExternalId for globex'))!;
    expect(shown(secret)).toContain(`ExternalId: \`${externalIds[1]}\``);
    expect(secret.answer!['channel']).toBe('DREQUESTER1'); // Slack answers a post to a user id with the DM's channel

    // Each thread says only that the welcome was sent, and to whom.
    for (const ts of [sftp, role]) {
      const sent = posts.filter((c) => c.body['thread_ts'] === ts && String(c.body['text']).includes('was sent by DM to'));
      expect(sent.map((c) => String(c.body['text']).replace(/`[a-z]+`/, '`id`'))).toEqual([
        expect.stringMatching(new RegExp(`^:envelope_with_arrow: The planned welcome text for \`id\` was sent by DM to <@${REQUESTER}>`)),
      ]);
    }
    // The requester's DMs, per partner: decided (by whom), the welcome, LIVE — first lines that state the outcome.
    const acmeNews = dmsTo(REQUESTER).map((c) => String(c.body['text'])).filter((t) => t.includes('acme'));
    expect(acmeNews).toEqual([
      expect.stringMatching(new RegExp(`^:white_check_mark: Approved: Onboarding of \`acme\`, by <@${APPROVER}>`)),
      expect.stringMatching(/^Welcome text for acme Ltd \(acme\) is planned \(a dry run\)$/),
      expect.stringMatching(/^:memo: acme Ltd \(`acme`\) is LIVE in a dry run/),
    ]);
    // The DRY_RUN checklist plans the keys: nothing carries a ✅ that was not done.
    const progress = h.slack.calls('chat.update').filter((c) => String(c.body['text']) === 'Provisioning acme: planned');
    expect(progress.length).toBeGreaterThan(0);
    expect(shown(progress.at(-1)!)).toContain(':memo: SSH keys — planned: 1 key, with CreateUser');
  });
});
