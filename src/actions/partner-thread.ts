/**
 * The partner's thread (the request card's thread), as the jobs write to it: through the notify
 * queue, in order, as progress (below interactive answers and approval cards). Refs name the
 * messages the jobs update later.
 */
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

/** `threadRef`: the notify ref of the thread's first message (the request card, `cardRef(requestId)`). */
export function partnerThread(notify: Notify, channel: string, threadRef: string): PartnerThread {
  return {
    post: (message, ref) =>
      notify({ op: 'post', channel, thread: { ref: threadRef }, priority: 'progress', ...message, ...(ref ? { ref } : {}) }),
    update: (ref, message) => notify({ op: 'update', target: ref, priority: 'progress', ...message }),
  };
}
