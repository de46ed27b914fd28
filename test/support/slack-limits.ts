/** Checks every built message can take: Slack's limits, and what its first line says. */
import { expect } from 'vitest';
import { BLOCK_LIMIT, SECTION_LIMIT } from '../../src/bot/messages/mrkdwn.js';

type AnyBlock = { type: string; text?: { text: string }; elements?: { text?: unknown }[] };

/** At most 50 blocks; every section's text at most 3,000 characters. */
export function expectWithinSlackLimits(message: { blocks: unknown[] }): void {
  expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_LIMIT);
  for (const b of message.blocks as AnyBlock[]) {
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SECTION_LIMIT);
  }
}

/** The first line a reader sees: of the first block's text (or the fallback text, without blocks). */
export function firstLine(message: { text: string; blocks?: unknown[] }): string {
  const first = (message.blocks?.[0] as AnyBlock | undefined);
  const text = first?.text?.text ?? (first?.elements?.[0] as { text?: string } | undefined)?.text ?? message.text;
  return text.split('\n')[0]!;
}
