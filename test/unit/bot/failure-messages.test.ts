/**
 * Issue #19: every failure and refusal says what happened, why and what to do next, naming people,
 * not settings; error codes stay in the logs and the audit trail. Each builder here is checked for
 * its structure, Slack's limits, a first line that states the outcome, no code or setting's name,
 * and outside text escaped in the fallback as in the blocks.
 */
import { describe, expect, it } from 'vitest';
import { buildAnswer } from '../../../src/bot/messages/partner-status.js';
import { buildDeliveryFailure, buildFanoutSummary, buildReceipts, formatBytes } from '../../../src/bot/messages/delivery.js';
import { changeFailedText, keysChangedLine } from '../../../src/bot/messages/lifecycle.js';
import { buildOffboardEvidence, offboardStoppedText } from '../../../src/bot/messages/offboard.js';
import { buildPartnerStatus } from '../../../src/bot/messages/partner-status.js';
import { buildPlatformChangeAlert } from '../../../src/bot/messages/platform-events.js';
import { buildAutoRevertReport } from '../../../src/bot/messages/drift.js';
import { integrityAlertText } from '../../../src/bot/messages/integrity.js';
import { ACTIONS } from '../../../src/bot/messages/ids.js';
import type { SlackMessage } from '../../../src/bot/messages/blocks.js';
import { accessRefusal } from '../../../src/domain/authorization.js';
import type { DeliveryRecord } from '../../../src/domain/delivery.js';
import { ErrorCode } from '../../../src/domain/errors.js';
import { DELIVERY_FAILURE_CODES, failureAdvice } from '../../../src/domain/failure-advice.js';
import type { PartnerRecord } from '../../../src/domain/partner.js';
import type { ChangeRequest } from '../../../src/domain/requests.js';
import { renderedStrings } from '../../support/message-builders.js';

const AT = '2026-12-07T09:30:00.123Z';
/** Our error codes in capitals (SOURCE_MISSING), and the settings a message must not name. */
const OWN_CODES = Object.values(ErrorCode).filter((c) => /^[A-Z_]+$/.test(c) && c.includes('_'));
const SETTINGS = ['RESENDERS', 'APPROVERS', 'APPROVER_USERGROUP', 'DRY_RUN', 'AUTO_REVERT', 'APPROVAL_SIGNING_KEY', 'TRANSFER_HOST'];
const HOSTILE = '<!channel> <@U0EVIL> <https://evil.example|x>';

/**
 * A message as Slack takes it (a string: text only; or text and blocks): within Slack's limits, its
 * first line (what a notification shows) matching `outcome`, and no code or setting in any text.
 */
function check(message: SlackMessage | string, outcome: RegExp, codes: readonly string[] = []): string {
  const m = typeof message === 'string' ? { text: message, blocks: [] } : message;
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  for (const b of m.blocks) {
    const text = (b as { text?: { text?: string } }).text?.text;
    if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3000);
  }
  expect(m.text.split('\n')[0]).toMatch(outcome);
  const all = renderedStrings(m).join('\n');
  for (const word of [...OWN_CODES, ...SETTINGS, ...codes]) expect(all, word).not.toMatch(new RegExp(`\\b${word.replace('.', '\\.')}\\b`));
  expect(all).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(?!>)/); // a raw ISO time only as `when`'s fallback
  return all;
}

const failed = (code: string, key = 'outbound/acme/prices.csv'): DeliveryRecord => ({
  outcome: 'failed', at: AT, partnerId: 'acme', key, versionId: 'v1', targetKey: key.replace('outbound/', 'partners/'),
  error: { code, message: `source ${key} does not exist: NoSuchKey` },
});

describe('a delivery failure', () => {
  it.each(DELIVERY_FAILURE_CODES)('when it failed with %s, then the first line says the file was not delivered and why, with the next step and no code', (code) => {
    const m = buildDeliveryFailure(failed(code), 'f'.repeat(40));
    const advice = failureAdvice(code);
    const all = check(m, /Not delivered/, [code, 'NoSuchKey']);
    expect(all).not.toContain('does not exist'); // AWS's message (which may quote anything) stays in the log and the audit trail
    expect(m.text).toContain(advice.what);
    expect(all).toContain(advice.next);
    const button = m.blocks.some((b) => b.type === 'actions' && JSON.stringify(b).includes(ACTIONS.resend));
    expect(button).toBe(advice.resend !== 'no');
  });

  it('when the file was removed from outbound/ before the copy, then it says so and whom to ask, and Resend waits for that', () => {
    const m = buildDeliveryFailure(failed(ErrorCode.SourceMissing), 'f'.repeat(40));
    const all = check(m, /^Not delivered: outbound\/acme\/prices\.csv: the file was removed from outbound\/ before it could be copied$/);
    expect(JSON.stringify(m.blocks[0])).toContain(':x: *Not delivered*: `outbound/acme/prices.csv` → `partners/acme/prices.csv`: the file was removed from outbound/ before it could be copied.\\n');
    expect(all).toContain('Ask the team that publishes it to publish it again');
    expect(all).toContain('Once that is done, approvers and re-senders can press Resend');
  });

  it('when re-sending cannot help (the file is too large), then no Resend button is offered', () => {
    const m = buildDeliveryFailure(failed(ErrorCode.ObjectTooLarge), 'f'.repeat(40));
    expect(m.blocks.map((b) => b.type)).toEqual(['section']);
    expect(renderedStrings(m).join('\n')).toContain('split it into smaller files');
  });

  it('when the key is hostile, then it is escaped in the fallback and in the blocks', () => {
    const m = buildDeliveryFailure(failed(ErrorCode.SourceMissing, `outbound/acme/${HOSTILE}`), 'f'.repeat(40));
    for (const text of renderedStrings(m)) expect(text).not.toMatch(/<!channel>|<@U0EVIL>|<https:/);
  });

  it('when a fan-out summary or /partner-status lists a failure, then it says what happened in words, not the code', () => {
    const summary = buildFanoutSummary({
      feed: 'prices', key: 'outbound/feeds/prices/p.csv', delivered: 1, failed: 1, total: 2, parked: 0,
      failures: [{ partnerId: 'acme', error: failureAdvice(ErrorCode.SourceMissing).what }],
    });
    expect(check(summary, /delivered to 1 of 2 partners, 1 failed/)).toContain('the file was removed from outbound/');
    const partner = { partnerId: 'acme', displayName: 'Acme', feeds: [], status: 'live', dryRun: false, channel: 'C1', threadRef: 'card:x' } as unknown as PartnerRecord;
    const status = buildPartnerStatus(partner, [failed(ErrorCode.SourceMissing)]);
    expect(check(status, /^acme: live/)).toContain('not delivered: the file was removed from outbound/ before it could be copied');
  });
});

describe('sizes and times', () => {
  it('when sizes are shown, then in one human form', () => {
    expect([0, 22, 999, 1000, 1024, 1400, 1_400_000, 15_300_000, 999_999, 5 * 1024 ** 3].map(formatBytes))
      .toEqual(['0 B', '22 B', '999 B', '1 KB', '1 KB', '1.4 KB', '1.4 MB', '15 MB', '1 MB', '5.4 GB']);
  });

  it('when a receipt is posted, then its size is said once and its time through Slack\'s date formatting', () => {
    const m = buildReceipts([{ ...failed('x'), outcome: 'delivered', size: 22, checksum: { algorithm: 'CRC64NVME', value: 'AAAA' } }]);
    const all = check(m, /^Delivered /);
    expect(all).toContain('22 B · ');
    expect(all).not.toContain('bytes');
    expect(all).toContain(`<!date^${Math.floor(Date.parse(AT) / 1000)}^`);
  });
});

describe('refusals', () => {
  it('when a re-send is refused, then the answer names the approvers, the group and the re-senders, and no setting', () => {
    const refusal = accessRefusal('resend', { approvers: ['UANN', 'UBOB'], usergroup: 'S0PAY', resenders: ['UCARL'] });
    const all = check(buildAnswer(refusal.message), /^Only approvers \(<@UANN>, <@UBOB> or <!subteam\^S0PAY>\) and re-senders \(<@UCARL>\) may re-send files\./);
    expect(all).toContain('Ask one of them');
  });
});

describe('lifecycle failures', () => {
  it.each([ErrorCode.RoleDiffers, 'AccessDenied', 'LimitExceeded', 'SomethingNew'])('when a change failed with %s, then it says what happened and what next, not the code', (code) => {
    const text = changeFailedText({ kind: 'ssh-keys', partnerId: 'acme', code });
    check(text, /^:x: The SSH key change of `acme` failed: /, [code]);
    expect(text).toContain(failureAdvice(code).what);
  });

  it('when offboarding stopped, then it says what happened at which step, what to do, and that an approver approves a new one', () => {
    const text = offboardStoppedText({ partnerId: 'acme', stepLabel: `Delete the role ${HOSTILE}`, code: 'AccessDenied' });
    check(text, /^:x: Offboarding of `acme` stopped at "Delete the role /, ['AccessDenied']);
    expect(text).toContain('Ask the platform team to check the bot role’s rights');
    expect(text).toContain('ask an approver to approve a new offboarding');
    expect(text).not.toMatch(/<!channel>|<@U0EVIL>|<https:/);
  });

  it('when SSH keys are changed in a dry run, then the line says planned and carries no ✅', () => {
    const line = keysChangedLine({ partnerId: 'acme', added: ['SHA256:abc'], removed: [], dryRun: true }).toString();
    expect(line).toMatch(/^:memo: SSH keys of `acme`: change planned, not made/);
    expect(line).not.toMatch(/white_check_mark|✅|DRY_RUN/);
  });

  it('when an offboarding ran in a dry run, then its evidence says planned, not that access is gone', () => {
    const change = {
      id: 'chg_x', partnerId: 'acme', requestedBy: 'UREQ', requestedAt: AT, decision: { status: 'approved', by: 'UAPP', at: AT, via: 'button' },
    } as unknown as ChangeRequest;
    const m = buildOffboardEvidence({ change, startedAt: AT, steps: [{ label: 'Delete the role', state: 'planned' }], checks: [], finishedAt: AT, dryRun: true });
    const all = check(m, /^Offboarding evidence for acme: planned, not made \(dry run\)$/);
    expect(JSON.stringify(m.blocks[0])).toContain('planned, not made');
    expect(all).not.toContain('access is gone');
  });

  it('when the automatic revert restored a partner, then the report says so without naming the setting', () => {
    check(buildAutoRevertReport({ partnerId: 'acme', undone: ['a'], done: ['b'], documents: [], remaining: [] }), /^Restored acme's approved state on its own/);
  });

  it('when an integrity check fails, then the alert names no setting', () => {
    check(integrityAlertText({ noun: 'request', id: 'req_x', partnerId: 'acme', stage: 'provision', problem: 'the seal does not match', unsealed: false }), /^:rotating_light: Integrity check failed/);
  });

  it('when a platform change\'s difference cannot be read, then the alert says why in words, not AWS\'s code', () => {
    const m = buildPlatformChangeAlert(
      { kind: 'access-change', eventId: 'e', call: 'PutBucketPolicy', at: AT, actor: 'arn:aws:iam::1:user/x', byBot: false, target: { type: 'platform', resource: 'the bucket policy' }, parameters: {} },
      { kind: 'unreadable', code: 'AccessDenied' },
    );
    expect(check(m, /was changed outside partnergate/, ['AccessDenied'])).toContain('could not be read: AWS refused the bot');
  });
});
