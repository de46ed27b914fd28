/** The narrow ports use cases depend on; src/main.ts wires the real ones, tests pass small fakes. */
import type { types } from '@slack/bolt';
import type { Logger } from '../logger.js';

export type Block = types.KnownBlock;

export type { NotifyMessage, NotifyPriority, ThreadRef } from '../jobs/notify/notify-message.js';
import type { NotifyMessage } from '../jobs/notify/notify-message.js';

/**
 * Everything bound for Slack goes through here (the notify queue), in order per thread. Several
 * messages given at once (a card and its thread) are queued in one step, in the order given.
 */
export type Notify = (message: NotifyMessage | readonly NotifyMessage[]) => Promise<void>;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
}

export interface UseCaseDeps {
  logger: Logger;
  clock: Clock;
}
