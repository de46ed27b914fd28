/** docs/security.md "Quotas and limits that cap the platform": beyond the Transfer user and partner role quotas, requests are refused with a clear message. */
import { describe, expect, it } from 'vitest';
import { botPerTest, requestCard, requestIdOf } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission } from '../../tools/local/slack-requests.js';

const h = botPerTest({ TRANSFER_USER_LIMIT: '1', PARTNER_ROLE_LIMIT: '1' });

const submit = (id: string, access: { ssh?: boolean; account?: string }) =>
  h.post(onboardSubmission('UREQUESTER1', {
    displayName: id, partnerId: id, contactEmail: `ops@${id}.example`,
    ...(access.ssh ? { sshKeys: ed25519PublicKey() } : {}), ...(access.account ? { accountId: access.account } : {}),
  }));

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
    const card = await requestCard(h, 'first-sftp');
    await h.post(buttonClick('UREQUESTER1', 'request_reject', requestIdOf(card), { channel: 'C0APPROVALS', ts: String(card.answer!['ts']) }, h.slack.responseUrl('w')));
    await h.slack.waitFor((c) => c.method === 'chat.update');
    expect(errorsOf((await submit('second-sftp', { ssh: true })).json)).toBeUndefined();
  });
});
