/** The narrow ports use cases depend on; the composition root (src/container) wires the real ones, tests pass small fakes. */
import type { Logger } from '../logger.js';
import type { AuditInput } from '../domain/audit-record.js';
import type { NotifyMessage } from '../domain/notify-message.js';

export type { Block, NotifyMessage, NotifyPriority, ThreadRef } from '../domain/notify-message.js';
export type { AuditInput, AuditRecord, AuditType } from '../domain/audit-record.js';

/** Records one event in the audit trail; never throws (the trail must not turn a decision into an error). */
export type Audit = (input: AuditInput) => Promise<void>;

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

/** Full members of the workspace: not guests, not deactivated (src/actions/access/directory.ts). */
export interface MemberDirectory {
  isMember(userId: string): Promise<boolean>;
}

export interface UseCaseDeps {
  logger: Logger;
  clock: Clock;
}
