/**
 * What the notify queue carries: the message shapes, their priorities, and the lane (the thread a
 * message belongs to) that keeps messages in order. See docs/architecture.md "Notify".
 */
import { z } from 'zod';
import type { types } from '@slack/bolt';
import { ValidationError } from './errors.js';

export type SlackBlock = types.KnownBlock | types.Block;
/** A Block Kit block as our builders make them. */
export type Block = types.KnownBlock;

/** A thread: a ts, or the ref of a message posted through the queue (resolved when sending). */
export type ThreadRef = { ts: string } | { ref: string };

/** Lower goes first: interactive answers, then approval cards, then progress lines, then receipts. */
export const NOTIFY_PRIORITIES = { interactive: 1, approval: 2, progress: 5, receipt: 10 } as const;
export type NotifyPriority = keyof typeof NOTIFY_PRIORITIES;

interface Common {
  text: string;
  blocks?: SlackBlock[];
  /** Default `progress`. */
  priority?: NotifyPriority;
  /** Overrides the derived lane: messages with the same lane go out in order. */
  lane?: string;
}

export type NotifyMessage =
  | (Common & { op: 'post'; channel: string; thread?: ThreadRef; ref?: string })
  | (Common & { op: 'update'; target: string })
  | (Common & { op: 'ephemeral'; channel: string; user: string; thread?: ThreadRef });

const nonEmpty = z.string().min(1).max(1000);
const thread = z.union([z.object({ ts: nonEmpty }).strict(), z.object({ ref: nonEmpty }).strict()]);
const common = {
  text: z.string().max(40_000),
  blocks: z.array(z.object({ type: z.string() }).passthrough()).max(50).optional(),
  priority: z.enum(['interactive', 'approval', 'progress', 'receipt']).optional(),
  lane: nonEmpty.optional(),
};

const messageSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('post'), channel: nonEmpty, thread: thread.optional(), ref: nonEmpty.optional(), ...common }).strict(),
  z.object({ op: z.literal('update'), target: nonEmpty, ...common }).strict(),
  z.object({ op: z.literal('ephemeral'), channel: nonEmpty, user: nonEmpty, thread: thread.optional(), ...common }).strict(),
]);

/** Checks a message's shape (a programming error when it fails: nothing is queued). */
export function parseNotifyMessage(value: unknown): NotifyMessage {
  const result = messageSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ValidationError(`notify message: ${issue.path.join('.') || 'message'} ${issue.message}`, issue.path.join('.'));
  }
  return result.data as NotifyMessage;
}

export function priorityOf(message: NotifyMessage): number {
  return NOTIFY_PRIORITIES[message.priority ?? 'progress'];
}

/** What the lane of a message depends on, looked up in Redis by the caller. */
export interface LaneLookups {
  /** The lane in which the message named `ref` was queued, if known. */
  laneOfRef(ref: string): Promise<string | undefined>;
  /** The ref of the message at channel/ts, if it was posted through the queue. */
  refAt(channel: string, ts: string): Promise<string | undefined>;
}

/**
 * The lane of a message: its thread. A message with a ref starts the lane `ref:<ref>` unless it is
 * itself in a thread; replies, updates and ephemerals that name a ref join the lane where that ref
 * was queued, so they always follow it. Other top-level posts share their channel's lane.
 */
export async function laneOf(message: NotifyMessage, lookups: LaneLookups): Promise<string> {
  if (message.lane !== undefined) return message.lane;
  const ofRef = async (ref: string) => (await lookups.laneOfRef(ref)) ?? `ref:${ref}`;
  const ofThread = async (channel: string, t: ThreadRef) => {
    if ('ref' in t) return ofRef(t.ref);
    const ref = await lookups.refAt(channel, t.ts);
    return ref !== undefined ? ofRef(ref) : `th:${channel}:${t.ts}`;
  };
  switch (message.op) {
    case 'update':
      return ofRef(message.target);
    case 'post':
      if (message.thread) return ofThread(message.channel, message.thread);
      return message.ref !== undefined ? `ref:${message.ref}` : `ch:${message.channel}`;
    case 'ephemeral':
      if (message.thread) return ofThread(message.channel, message.thread);
      return `eph:${message.channel}:${message.user}`;
  }
}
