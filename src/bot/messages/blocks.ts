/** Block Kit pieces made only from mrkdwn of ./mrkdwn.ts, and the message they make. Pure. */
import type { Block } from '../../domain/notify-message.js';
import type { Mrkdwn } from './mrkdwn.js';

export interface SlackMessage {
  /** The fallback: what notifications and phones show. Mrkdwn, escaped as the blocks are. */
  text: string;
  blocks: Block[];
}

export const mrkdwnText = (text: Mrkdwn) => ({ type: 'mrkdwn' as const, text: text.toString() });

export const section = (text: Mrkdwn): Block => ({ type: 'section', text: mrkdwnText(text) });

export const contextBlock = (text: Mrkdwn): Block => ({ type: 'context', elements: [mrkdwnText(text)] });

/** The fallback text and the blocks, both from values escaped once by the builder. */
export const slackMessage = (text: Mrkdwn, blocks: Block[]): SlackMessage => ({ text: text.toString(), blocks });
