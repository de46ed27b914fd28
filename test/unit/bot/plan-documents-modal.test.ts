/** The modal of the exact documents: whole, within Slack's modal limits, escaped. */
import { describe, expect, it } from 'vitest';
import { createPlanRenderer } from '../../../src/actions/onboarding/plan.js';
import { SECTION_LIMIT } from '../../../src/bot/messages/mrkdwn.js';
import { buildPlanDocumentsModal, MODAL_BLOCK_LIMIT } from '../../../src/bot/views/plan-documents-modal.js';
import type { Plan } from '../../../src/domain/plan.js';
import { testPlatform } from '../../support/iam-fixtures.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';

const KEY = ed25519PublicKey().split(' ').slice(0, 2).join(' ');
const plan = createPlanRenderer(testPlatform())({ partnerId: 'globex', accountId: '444455556666', externalId: 'x'.repeat(43), sshKeys: [KEY], feeds: [] });

type Section = { type: string; text?: { text: string } };
const sections = (view: { blocks: unknown[] }) => view.blocks as Section[];
const unescape = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The code blocks after a document's title, rejoined as the text they show. */
function shown(view: { blocks: unknown[] }, title: string): string {
  const blocks = sections(view);
  const at = blocks.findIndex((b) => b.text?.text === `*${title}*`);
  const out: string[] = [];
  for (const b of blocks.slice(at + 1)) {
    const t = b.text?.text ?? '';
    if (!t.startsWith('```\n')) break;
    out.push(unescape(t.slice(4, -4)));
  }
  return out.join('\n');
}

function within(view: { title: { text: string }; blocks: unknown[] }): void {
  expect(view.title.text.length).toBeLessThanOrEqual(24);
  expect(view.blocks.length).toBeLessThanOrEqual(MODAL_BLOCK_LIMIT);
  for (const b of sections(view)) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(SECTION_LIMIT);
}

describe('the plan documents modal', () => {
  it('when the documents of a request are shown, then each is there in full after the sentence of what it grants', () => {
    const view = buildPlanDocumentsModal({ partnerId: 'globex', submittedHash: plan.hash, plan, current: true });
    expect(view.callback_id).toBe('plan_documents_modal');
    expect(sections(view)[0]!.text!.text).toContain('`globex` can list and read only `partners/globex/`');
    for (const doc of plan.documents) expect(shown(view, doc.title)).toBe(doc.json);
    expect(JSON.stringify(view)).not.toContain('render differently');
    within(view);
  });

  it('when a policy is 10 KB, then it is split into code blocks that together show it whole, within the limits', () => {
    const statements = Array.from({ length: 80 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b/partners/p${i}/*` }));
    const json = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
    expect(json.length).toBeGreaterThan(10_240);
    const big: Plan = { ...plan, documents: [{ title: 'Big policy', json }, ...plan.documents] };
    const view = buildPlanDocumentsModal({ partnerId: 'globex', submittedHash: plan.hash, plan: big, current: true });
    expect(shown(view, 'Big policy')).toBe(json);
    expect(sections(view).filter((b) => b.text?.text.startsWith('```')).length).toBeGreaterThan(4);
    within(view);
  });

  it('when the documents are more than a modal holds, then those left out are counted and the command that prints them named', () => {
    const json = JSON.stringify({ Statement: Array.from({ length: 80 }, (_, i) => ({ Sid: `S${i}`, Resource: 'x'.repeat(100) })) }, null, 2);
    const many: Plan = { ...plan, documents: Array.from({ length: 30 }, (_, i) => ({ title: `Doc ${i}`, json })) };
    const view = buildPlanDocumentsModal({ partnerId: 'globex', submittedHash: plan.hash, plan: many, current: true });
    within(view);
    expect(JSON.stringify(view.blocks.at(-1))).toMatch(/\d+ more documents? did not fit.*partnergate render --partner-id globex/);
  });

  it('when the documents render differently from the plan submitted, then the modal warns before them', () => {
    const view = buildPlanDocumentsModal({ partnerId: 'globex', submittedHash: 'e'.repeat(64), plan, current: false });
    expect(JSON.stringify(view.blocks)).toContain(':warning: These documents render differently from the plan this request was submitted with (plan `eeeeeeeeeeee` then');
  });

  it('when a document carries hostile text, then it shows escaped, and no backtick closes a code block early', () => {
    const json = JSON.stringify({ Sid: '<!channel> ``` <https://evil.example|x> &' }, null, 2);
    const view = buildPlanDocumentsModal({ partnerId: 'globex', submittedHash: plan.hash, plan: { ...plan, documents: [{ title: 'Hostile <!here>', json }] }, current: true });
    const all = JSON.stringify(view.blocks);
    expect(all).not.toMatch(/<!channel>|<!here>|<https:/);
    expect(shown(view, 'Hostile &lt;!here&gt;')).toBe(json.replace(/`/g, "'"));
  });
});
