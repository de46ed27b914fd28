/**
 * Replay protection for Slack's deliveries of requests: a redelivered or replayed request (the same
 * event id, or the very same body) has no second effect. One Redis SET NX per request
 * (`firstDelivery`, src/store/deliveries-seen.ts). Where it is asked, relative to the ack:
 * - commands and buttons: just after their ack, before the gate (src/bot/listeners/gate.ts `byId`),
 *   so the answer Slack waits for does not wait on Redis;
 * - modal submissions: before the gate and the ack (the ack carries the outcome);
 * - events: in the app's middleware, after the ack Bolt gives every event before any middleware;
 * - anything else (shortcuts, options, closed modals): in the app's middleware, before any listener.
 */
import { createHash } from 'node:crypto';
import type { BotDeps } from './deps.js';

/** The kinds whose replay check `byId` makes, after the ack where the kind allows: the app's middleware leaves them to it. */
export const CHECKED_BY_ID: ReadonlySet<string> = new Set(['command', 'block_actions', 'view_submission']);

/** Which kind of Slack request this is: `event`, `command`, or the payload's `type`. */
export function deliveryKind(body: Record<string, unknown>): string {
  if (body['type'] === 'event_callback' && typeof body['event_id'] === 'string') return 'event';
  return typeof body['command'] === 'string' ? 'command' : typeof body['type'] === 'string' ? String(body['type']) : 'unknown';
}

/** Which kind of Slack request this is, and an id under which a replay of it is recognised. */
export function deliveryIdentity(body: Record<string, unknown>): { kind: string; id: string } {
  const kind = deliveryKind(body);
  if (kind === 'event') return { kind, id: body['event_id'] as string };
  return { kind, id: createHash('sha256').update(JSON.stringify(body)).digest('base64url') };
}

/** True the first time this delivery is seen; false (and a log line) on a replay. Throws when Redis cannot say. */
export async function firstSighting(deps: Pick<BotDeps, 'firstDelivery' | 'logger'>, body: Record<string, unknown>): Promise<boolean> {
  const { kind, id } = deliveryIdentity(body);
  if (await deps.firstDelivery(kind, id)) return true;
  deps.logger.info({ kind, deliveryId: id }, 'duplicate Slack delivery ignored');
  return false;
}

/**
 * What the person is told when the replay check cannot be made (Redis not answering): the request
 * is not run, since a replay could not be told from a first delivery.
 */
export const REPLAY_CHECK_UNAVAILABLE =
  'partnergate could not reach its store (Redis), so this was not run and nothing changed. Try again in a minute; if it keeps failing, tell the platform team.';
