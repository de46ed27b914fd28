/** docs/security.md "Quotas and limits that cap the platform": beyond the Transfer user and partner role quotas, requests are refused with a clear message. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBot, type Harness } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission, postToBot } from '../../tools/local/slack-requests.js';

let h: Harness;
beforeEach(async () => {
  h = await startBot({ TRANSFER_USER_LIMIT: '1', PARTNER_ROLE_LIMIT: '1' });
});
afterEach(async () => {
  await h.close();
});

const submit = (id: string, access: { ssh?: boolean; account?: string }) =>
  postToBot(h.url, onboardSubmission('UREQUESTER1', {
    displayName: id, partnerId: id, contactEmail: `ops@${id}.example`,
    ...(access.ssh ? { sshKeys: ed25519PublicKey() } : {}), ...(access.account ? { accountId: access.account } : {}),
  }), h.config.slack.signingSecret);

const errorsOf = (json: unknown) => (json as { errors?: Record<string, string> } | null)?.errors;

describe('capacity limits', () => {
  it('when the SFTP and role limits are reached, then further requests are refused on the field that needs them, and a rejection frees the place', async () => {
    expect(errorsOf((await submit('first-sftp', { ssh: true })).json)).toBeUndefined();
    const full = await submit('second-sftp', { ssh: true });
    expect(errorsOf(full.json)?.['ssh_keys']).toMatch(/SFTP server is full: 1 partner users/);
    expect(await h.redis.get(`${h.config.prefix}:pid:second-sftp`)).toBeNull();

    expect(errorsOf((await submit('first-role', { account: '444455556666' })).json)).toBeUndefined();
    const roles = await submit('second-role', { account: '777788889999' });
    expect(errorsOf(roles.json)?.['account_id']).toMatch(/limit of 1 partner roles/);

    // The requester withdraws the first SFTP request: its place is free again.
    const card = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && !c.body['thread_ts'] && JSON.stringify(c.body['blocks']).includes('first-sftp'));
    const requestId = JSON.stringify(card.body['blocks']).match(/"value":"(req_[a-z2-7]{26})"/)![1]!;
    await postToBot(h.url, buttonClick('UREQUESTER1', 'request_reject', requestId, { channel: 'C0APPROVALS', ts: String(card.answer!['ts']) }, h.slack.responseUrl('w')), h.config.slack.signingSecret);
    await h.slack.waitFor((c) => c.method === 'chat.update');
    expect(errorsOf((await submit('second-sftp', { ssh: true })).json)).toBeUndefined();
  });
});
