/**
 * What the notify queue holds in Redis (test/support for the fault suite): every queued message of
 * every lane, in lane order, and a key to recognise each one among the calls the fake Slack saw.
 */
import type { Redis } from 'ioredis';
import type { SlackCall } from '../../tools/local/fake-slack.js';

export interface Queued {
  lane: string;
  /** `post|<text>|<blocks>` or `update|…`: the same message as the call that sends it. */
  identity: string;
}

const identity = (op: string, text: unknown, blocks: unknown) => `${op}|${String(text)}|${JSON.stringify(blocks ?? null)}`;

/** Every message queued now, lane by lane, oldest first. */
export async function queuedMessages(redis: Redis, prefix: string): Promise<Queued[]> {
  const head = `${prefix}:outbox:`;
  const lanes = (await redis.keys(`${head}*`)).map((k) => k.slice(head.length)).sort();
  const out: Queued[] = [];
  for (const lane of lanes) {
    for (const raw of await redis.lrange(`${head}${lane}`, 0, -1)) {
      const { message } = JSON.parse(raw) as { message: { op: string; text: string; blocks?: unknown } };
      out.push({ lane, identity: identity(message.op, message.text, message.blocks) });
    }
  }
  return out;
}

/** The identity of a Slack call, comparable with {@link Queued.identity}. */
export function callIdentity(call: SlackCall): string {
  const op = call.method === 'chat.update' ? 'update' : call.method === 'chat.postEphemeral' ? 'ephemeral' : 'post';
  return identity(op, call.body['text'], call.body['blocks']);
}

/** Polls a condition on stored state (not a timer standing in for an event); rejects after timeoutMs. */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * For each queued message, how many accepted calls carried it; and the lanes whose messages Slack
 * accepted in another order than they were queued (for the test to assert on).
 */
export function deliveredInOrder(queued: readonly Queued[], accepted: readonly SlackCall[]): { counts: number[]; outOfOrder: string[] } {
  const ids = accepted.map(callIdentity);
  const counts = queued.map((q) => ids.filter((id) => id === q.identity).length);
  const outOfOrder: string[] = [];
  const lanes = [...new Set(queued.map((q) => q.lane))];
  for (const lane of lanes) {
    const expected = queued.filter((q) => q.lane === lane).map((q) => q.identity);
    const seen = ids.filter((id) => expected.includes(id));
    if (JSON.stringify(seen) !== JSON.stringify(expected)) outOfOrder.push(lane);
  }
  return { counts, outOfOrder };
}
