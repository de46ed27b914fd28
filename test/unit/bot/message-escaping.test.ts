/**
 * Issue #15, finding 3: outside text reached the fallback `text` of messages (what notifications and
 * phones show) unescaped, so a display name or an object key could mention @channel or show a
 * disguised link. Every builder of MESSAGE_BUILDERS is fed the attacks in every outside field.
 */
import { describe, expect, it } from 'vitest';
import { buildApprovalCard, REQUEST_APPROVAL } from '../../../src/bot/messages/approval-card.js';
import { buildDeliveryFailure, buildReceipts, buildUnroutable } from '../../../src/bot/messages/delivery.js';
import { buildAnswer } from '../../../src/bot/messages/partner-status.js';
import { buildWelcomeDm } from '../../../src/bot/messages/welcome.js';
import { explainPartnerIdProblem } from '../../../src/domain/partner-id.js';
import type { DeliveryRecord } from '../../../src/domain/delivery.js';
import type { OnboardingRequest } from '../../../src/domain/requests.js';
import { MESSAGE_BUILDERS, renderedStrings } from '../../support/message-builders.js';

const ATTACKS = ['<!channel>', '<!here|x>', '<@U123>', '<#C123>', '<https://evil.example|Re-approve here>'];
/** What Slack would act on: the opening of each attack. */
const live = (attack: string) => attack.slice(0, 6);

const receipt = (key: string): DeliveryRecord => ({
  outcome: 'delivered', at: '2024-06-01T10:00:00.000Z', partnerId: 'acme', key, versionId: 'v1', targetKey: key.replace('outbound/', 'partners/'), size: 10,
});

const request = (displayName: string): OnboardingRequest => ({
  id: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: 'acme', requestedBy: 'UREQ', requestedAt: '2024-06-01T10:00:00.000Z', expiresAt: '2024-06-02T10:00:00.000Z',
  channel: 'CAPPROVALS', displayName, contactEmail: 'ops@acme.example', sshKeys: [], accountId: null, externalId: 'x'.repeat(43), feeds: [], notes: '',
  planHash: 'ab'.repeat(32), status: 'pending', decision: null,
});

describe('escaping outside text in every message', () => {
  it.each(Object.entries(MESSAGE_BUILDERS))('when the outside fields of "%s" hold mentions and links, then no text of it carries them live', (_name, build) => {
    for (const attack of ATTACKS) {
      for (const text of renderedStrings(build(attack))) expect(text, attack).not.toContain(live(attack));
    }
  });

  it('when a display name is a mention, then the approval card\'s fallback text says it escaped, as its blocks do', () => {
    const card = buildApprovalCard(REQUEST_APPROVAL, request('<!channel>'), { approvalReaction: 'white_check_mark' });
    expect(card.text).toBe('Awaiting approval: Onboarding request for &lt;!channel&gt; (acme) from <@UREQ>');
    expect(card.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Awaiting approval: onboarding of ‹!channel› (acme)' } });
  });

  it('when a display name has an ampersand, then the fallback text and the blocks carry the same escaped name', () => {
    const card = buildApprovalCard(REQUEST_APPROVAL, request('Smith & Sons'), { approvalReaction: 'white_check_mark' });
    expect(card.text).toBe('Awaiting approval: Onboarding request for Smith &amp; Sons (acme) from <@UREQ>');
    const welcome = buildWelcomeDm({
      partnerId: 'acme', displayName: 'Smith & Sons', contactEmail: 'a@b.example', contact: 'UOWNER', region: 'r', bucket: 'b', homePrefix: 'partners/acme/', feeds: [], dryRun: false, sftp: null, role: null,
    });
    expect(welcome.text).toBe('Welcome text for Smith &amp; Sons (acme), ready to forward');
    expect(JSON.stringify(welcome.blocks)).toContain('*Smith &amp; Sons: your access to our file distribution*');
  });

  it('when an object key carries a disguised link, then receipts, failures and reports show it as text', () => {
    const key = 'outbound/acme/<https://evil.example|Re-approve here>.csv';
    expect(buildReceipts([receipt(key)]).text).toBe(
      'Delivered outbound/acme/&lt;https://evil.example|Re-approve here&gt;.csv to partners/acme/&lt;https://evil.example|Re-approve here&gt;.csv',
    );
    const failed = buildDeliveryFailure({ ...receipt(key), outcome: 'failed', error: { code: 'AccessDenied', message: `Access Denied: ${key}` } }, 'f'.repeat(40));
    expect(failed.text).toBe('Not delivered: outbound/acme/&lt;https://evil.example|Re-approve here&gt;.csv: AWS refused the bot');
    expect(buildUnroutable(key, 'no <!here> folder').text).toBe('Not delivered: outbound/acme/&lt;https://evil.example|Re-approve here&gt;.csv (no &lt;!here&gt; folder)');
  });

  it('when a typed partner id is quoted back in an answer, then its link or mention is not live', () => {
    const answer = buildAnswer(explainPartnerIdProblem('<https://evil.example|Re-approve here>é')!);
    for (const text of renderedStrings(answer)) expect(text).not.toContain('<https://evil');
    expect(answer.text).toContain('&lt;https://evil.example|Re-approve here&gt;é');
  });
});
