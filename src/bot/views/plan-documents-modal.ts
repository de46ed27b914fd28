/**
 * "Show the exact documents": what approving a request applies, in full, in a modal — the sentence
 * of what it grants, then every document as provisioning writes it (src/actions/onboarding/plan.ts
 * `planDocuments`), each split into code blocks within Slack's limits (3,000 characters a section,
 * 100 blocks a modal). Pure.
 */
import type { types } from '@slack/bolt';
import type { Block } from '../../domain/notify-message.js';
import type { Plan } from '../../domain/plan.js';
import { contextBlock, section } from '../messages/blocks.js';
import { VIEWS } from '../messages/ids.js';
import { code, codeBlocks, mrkdwn } from '../messages/mrkdwn.js';
import { accessSections } from '../messages/plan.js';

/** Slack's limit of blocks in a modal. */
export const MODAL_BLOCK_LIMIT = 100;

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

export function buildPlanDocumentsModal(input: { partnerId: string; submittedHash: string; plan: Plan; current: boolean }): types.ModalView {
  const { partnerId, plan } = input;
  const head: Block[] = [
    ...accessSections(plan.access.sentence),
    ...(input.current
      ? []
      : [section(mrkdwn`:warning: These documents render differently from the plan this request was submitted with (plan ${code(input.submittedHash.slice(0, 12))} then, ${code(plan.hash.slice(0, 12))} now), so the provision job will refuse it. Ask the requester to submit it again.`)]),
    contextBlock(mrkdwn`Below, every document approving applies for ${code(partnerId)}, exactly as provisioning writes it (plan ${code(plan.hash.slice(0, 12))}). The ExternalId is left out: the requester receives it privately. The bucket policy, the key policy, the shared Transfer role and the permissions boundary are the same for every partner and this approval does not change them (${code('partnergate render --platform')} prints them).`),
  ];
  const blocks = [...head];
  for (const [i, doc] of plan.documents.entries()) {
    const own = [section(mrkdwn`*${doc.title}*`), ...codeBlocks(doc.json.split('\n')).map((c) => section(c))];
    if (blocks.length + own.length > MODAL_BLOCK_LIMIT - 1) {
      const left = plan.documents.length - i;
      blocks.push(contextBlock(mrkdwn`${left} more document${left === 1 ? '' : 's'} did not fit in this window: ${code(`partnergate render --partner-id ${partnerId}`)} prints every document.`));
      break;
    }
    blocks.push(...own);
  }
  return { type: 'modal', callback_id: VIEWS.planDocuments, title: text('Plan documents'), close: text('Close'), blocks: blocks as types.ModalView['blocks'] };
}
