/**
 * The access review messages (src/bot/messages/reviews.ts): within Slack's limits whatever the data
 * (long names, many keys and files), the first line says what happened, outside text escaped (the
 * hostile-string property over every builder is test/unit/properties/slack-messages.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildAnsweredReviewCard, buildReviewCard, buildReviewDm, buildReviewEscalation, buildReviewLapsed, buildReviewReminder,
} from '../../../src/bot/messages/reviews.js';
import { buildReviewKeepModal, readReviewKeepSubmission } from '../../../src/bot/views/review-keep-modal.js';
import type { ReviewEvidence } from '../../../src/domain/reviews.js';
import type { SlackMessage } from '../../../src/bot/messages/blocks.js';

const AT = '2027-03-01T00:00:00.000Z';
const sectionTexts = (m: SlackMessage) => m.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
const withinLimits = (m: SlackMessage) => {
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  for (const t of sectionTexts(m)) expect(t.length).toBeLessThanOrEqual(3000);
};

const evidence = (text: string, n: number): ReviewEvidence => ({
  lastPickups: Array.from({ length: n }, () => ({ at: AT, targetKey: text, channel: 'sftp', outcome: 'complete' })),
  neverPickedUp: { total: n * 1000, oldest: Array.from({ length: n }, () => ({ targetKey: text, deliveredAt: AT })) },
  isolationProvenAt: AT,
  keys: Array.from({ length: n }, (_, i) => ({ type: 'ssh-ed25519', fingerprint: `SHA256:${text}`, ageDays: i * 100, old: i > 3 })),
  keyMaxAgeDays: 365, idleDays: n > 2 ? 90 : null,
});

describe('access review messages', () => {
  it('for any text and any amount of evidence, then the card has at most 50 blocks and 3,000 characters a section', () => {
    fc.assert(fc.property(fc.string({ maxLength: 5000 }), fc.integer({ min: 0, max: 500 }), (text, n) => {
      withinLimits(buildReviewCard({ reviewId: 'acme.1', partnerId: 'acme', displayName: text, dueAt: AT, owner: 'U0OWNER', evidence: evidence(text, n) }));
      withinLimits(buildAnsweredReviewCard({ partnerId: 'acme' }, { outcome: 'keep', by: 'U0OWNER', at: AT, reason: text, nextDueAt: AT }));
      withinLimits(buildReviewEscalation({ partnerId: 'acme', displayName: text, dueAt: AT, owner: null, approvers: Array.from({ length: n }, () => 'UAPPROVER'), usergroup: 'S0APPROVERS', graceDays: 14, lapseAt: AT }));
    }), { seed: 20_010, numRuns: 60 });
  });

  it('when a review opens, then its card says it is due, names the owner, shows the evidence and the idle flag, and carries Keep and Offboard (which asks to confirm)', () => {
    const card = buildReviewCard({ reviewId: 'acme.2', partnerId: 'acme', displayName: 'Acme <!channel>', dueAt: AT, owner: 'U0OWNER', evidence: evidence('prices.csv', 4) });
    const texts = sectionTexts(card);
    expect(texts[0]).toMatch(/^:clipboard: Access review of `acme` \(Acme &lt;!channel&gt;\) is due <!date\^\d+\^.*>: <@U0OWNER>, does it still need its access\?$/);
    expect(texts.join('\n')).toContain(':zzz: *Idle:* nothing picked up for 90 days.');
    expect(texts.join('\n')).toContain('*Files never picked up:* 4000, the oldest:');
    expect(texts.join('\n')).toContain('*SSH keys:* 4, 0 older than 365 days');
    expect(texts.join('\n')).toContain('*Isolation last proven:* <!date^');
    const buttons = card.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string; confirm?: unknown }[] };
    expect(buttons.elements.map((e) => [e.action_id, e.value, e.confirm !== undefined])).toEqual([['review_keep', 'acme.2', false], ['review_offboard', 'acme.2', true]]);
    expect(card.text).toBe('Access review of acme due: keep or offboard?');
  });

  it('when a review is answered, then the first line says the decision and who; no buttons', () => {
    const kept = buildAnsweredReviewCard({ partnerId: 'acme' }, { outcome: 'keep', by: 'U0OWNER', at: AT, reason: 'still <@U1> ships', nextDueAt: AT });
    expect(sectionTexts(kept)[0]).toMatch(/^:white_check_mark: Access review of `acme` answered: \*kept\* by <@U0OWNER>/);
    expect(sectionTexts(kept)[1]).toBe('*Reason:* still &lt;@U1&gt; ships');
    expect(kept.blocks.some((b) => b.type === 'actions')).toBe(false);
    const off = buildAnsweredReviewCard({ partnerId: 'acme' }, { outcome: 'offboard', by: 'U0OWNER', at: AT, reason: '', nextDueAt: AT, offboard: { changeId: 'chg_x' } });
    expect(sectionTexts(off)[0]).toMatch(/^:wave: Access review of `acme` answered: \*offboard\*, chosen by <@U0OWNER>/);
    expect(off.text).toBe('Access review of acme: offboard, chosen by <@U0OWNER>');
  });

  it('then the DM, the reminder, the escalation and the lapse each say what happened first', () => {
    expect(buildReviewDm({ partnerId: 'acme', displayName: 'Acme', dueAt: AT, idleDays: 70, channel: 'C0APPROVALS' }).text).toMatch(/^:clipboard: You own `acme` \(Acme\): its access review is due .* It has picked nothing up for 70 days\.$/);
    expect(buildReviewReminder({ partnerId: 'acme', dueAt: AT, owner: 'U0OWNER', daysLeft: 1 }).text).toMatch(/^:hourglass_flowing_sand: <@U0OWNER>: the access review of `acme` is due in 1 day /);
    const esc = buildReviewEscalation({ partnerId: 'acme', displayName: 'Acme', dueAt: AT, owner: 'U0OWNER', approvers: ['U0A', 'U0B'], usergroup: 'S0APPROVERS', graceDays: 14, lapseAt: AT });
    expect(esc.text).toMatch(/^:rotating_light: Access review of `acme` \(Acme\) is overdue/);
    expect(sectionTexts(esc)[1]).toMatch(/^<@U0A>, <@U0B>, <!subteam\^S0APPROVERS>: please answer it/);
    const lapsed = buildReviewLapsed({ partnerId: 'acme', dueAt: AT, graceDays: 14, paused: true, offboard: { changeId: 'chg_x' } });
    expect(lapsed.text).toMatch(/^:no_entry: Access review of `acme` lapsed: unanswered 14 days past its due date/);
    expect(sectionTexts(lapsed)[1]).toBe('Its deliveries are paused (quarantined): files wait until it is kept. An offboarding request is open in its thread for an approver to decide.');
  });

  it('when the Keep modal is submitted, then its review id and trimmed reason are read back; foreign metadata gives no id', () => {
    const modal = buildReviewKeepModal({ reviewId: 'acme.1', partnerId: 'acme', displayName: 'Acme' });
    expect(modal.callback_id).toBe('review_keep_modal');
    expect(readReviewKeepSubmission({ reason: { value: { type: 'plain_text_input', value: '  still ordering  ' } } }, modal.private_metadata)).toEqual({ reviewId: 'acme.1', reason: 'still ordering' });
    expect(readReviewKeepSubmission({}, 'not json')).toEqual({ reviewId: '', reason: '' });
  });
});
