/** The full plan of a request, as the first replies in the card's thread. Pure. */
import type { Phrase } from '../../domain/access-summary.js';
import type { Block } from '../../domain/notify-message.js';
import type { Plan } from '../../domain/plan.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { BLOCK_LIMIT, chunkLines, code, composed, joinMrkdwn, mrkdwn, type Mrkdwn } from './mrkdwn.js';

export type PlanMessage = SlackMessage;

/** The access summary's sentence (src/domain/access-summary.ts) as mrkdwn: our words escaped, quoted values as code. */
export function accessSentence(phrase: Phrase): Mrkdwn {
  return joinMrkdwn(phrase.map((s) => (typeof s === 'string' ? s : code(s.code))), '');
}

/** "What approving grants", then the sentence: as many sections as Slack's limit needs (one, unless "other" statements pile up). */
export function accessSections(phrase: Phrase): Block[] {
  return chunkLines([mrkdwn`*What approving grants*`, accessSentence(phrase)]).map((text) => section(text));
}

/** The button that opens the documents approving applies (src/bot/listeners/actions/plan-documents-button.ts). */
export function documentsButton(requestId: string): Block {
  return {
    type: 'actions', block_id: 'plan_documents',
    elements: [{ type: 'button', action_id: ACTIONS.planDocuments, value: requestId, text: { type: 'plain_text', text: 'Show the exact documents' } }],
  };
}

/**
 * The sentence of what approving grants and the button to the literal documents, then one section
 * per chunk of each plan item, split into messages of ≤ 50 blocks. Plan items are mrkdwn the plan
 * renderer (src/actions/onboarding/plan.ts) composes from the rendered documents, with outside text
 * (key comments) in `code`.
 */
export function buildPlanMessages(request: OnboardingRequest, plan: Plan): PlanMessage[] {
  const blocks: Block[] = [...accessSections(plan.access.sentence), documentsButton(request.id)];
  for (const item of plan.items) {
    const lines = [composed(`*${item.action === 'create' ? 'Create' : 'Ensure'}* ${item.resource}`), ...item.details.map((d) => composed(`• ${d}`))];
    for (const chunk of chunkLines(lines)) blocks.push(section(chunk));
  }
  const perMessage = BLOCK_LIMIT - 1;
  const messages: PlanMessage[] = [];
  for (let i = 0; i < blocks.length || i === 0; i += perMessage) {
    const part = messages.length + 1;
    const total = Math.max(1, Math.ceil(blocks.length / perMessage));
    const title = mrkdwn`Plan for ${code(request.partnerId)} (${plan.hash.slice(0, 12)})${total > 1 ? `, part ${part} of ${total}` : ''}`;
    messages.push(slackMessage(mrkdwn`Plan for ${request.partnerId}${total > 1 ? ` (${part}/${total})` : ''}`, [contextBlock(title), ...blocks.slice(i, i + perMessage)]));
  }
  return messages;
}
