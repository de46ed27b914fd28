/**
 * The partner's thread (the request card's thread), as the provision and verify jobs write to it:
 * through the notify queue, in order, as progress (below interactive answers and approval cards).
 * Refs name the messages the jobs update later.
 */
import { cardRef } from '../bot/messages/ids.js';
import type { Notify } from './ports.js';
import type { SlackMessage } from '../bot/messages/provision.js';

export const threadRefs = {
  progress: (requestId: string, attempt: number) => `provision:${requestId}:${attempt}`,
  provisionFailure: (requestId: string, attempt: number) => `provision-failed:${requestId}:${attempt}`,
  verifyResult: (requestId: string, attempt: number) => `verify:${requestId}:${attempt}`,
};

export interface PartnerThread {
  post(message: SlackMessage | { text: string }, ref?: string): Promise<void>;
  update(ref: string, message: SlackMessage): Promise<void>;
}

export function partnerThread(notify: Notify, channel: string, requestId: string): PartnerThread {
  return {
    post: (message, ref) =>
      notify({ op: 'post', channel, thread: { ref: cardRef(requestId) }, priority: 'progress', ...message, ...(ref ? { ref } : {}) }),
    update: (ref, message) => notify({ op: 'update', target: ref, priority: 'progress', ...message }),
  };
}
