/**
 * Private messages: a notify post whose channel is a person's user id (Slack's chat.postMessage
 * opens the app's DM with them). For what only they should read — the welcome, its ExternalId —
 * and what is news to them alone — their request decided, their partner LIVE or failed.
 */
import type { NotifyMessage, NotifyPriority } from './ports.js';
import type { SlackMessage } from '../bot/messages/blocks.js';

/** One DM per person, each person once, in the order given. */
export function directMessages(to: readonly string[], message: SlackMessage, priority: NotifyPriority = 'progress'): NotifyMessage[] {
  return [...new Set(to)].map((user) => ({ op: 'post', channel: user, priority, ...message }));
}

/** Whom a partner's private messages go to: the requester, and its owner when that is someone else. */
export const requesterAndOwner = (requester: string, owner: string | undefined): string[] =>
  owner && owner !== requester ? [requester, owner] : [requester];
