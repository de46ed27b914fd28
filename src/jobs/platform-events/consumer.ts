/**
 * The platform events consumer (PLATFORM_EVENTS_QUEUE_URL): CloudTrail's management events for
 * IAM, Transfer, the bucket's configuration and the key, delivered by EventBridge to SQS, read by
 * the one SQS loop. Each event is classified (src/domain/platform-events.ts), then:
 *
 * - a change to a partner's role or Transfer user that the bot did not make: the cause is kept
 *   (`P:pe:causes:<partnerId>`, the last 20 for a day, for the report) and a check of that partner
 *   is queued at once, events about one partner coalesced into one check (addEventCheckJob); when
 *   its call can only widen the partner's access whatever its parameters (`onlyWidens`: a managed
 *   policy attached to its role, its boundary deleted), a live partner is QUARANTINED first, before
 *   and without reading AWS (`quarantineOnEvent`: once, however many events say so), and the check's
 *   report gives the difference;
 * - a change to a platform resource that the bot did not make: an alert in the approvals channel
 *   naming who, what and where, with the difference it leaves from the rendered documents (the
 *   platform check of the part it touched, `platformDifference`), and an audit record;
 * - the bot's own change to a partner: a check of it as well (whoever holds the bot's credentials is
 *   on the threat list), but no cause kept and no audit record;
 * - the bot's own platform changes, reads, failed calls, other accounts' or resources' events,
 *   duplicates (the same EventBridge id, remembered a day): logged, nothing else;
 * - a message that is not an event we can read: logged with the reason, and deleted (it would
 *   only come back); it changes nothing;
 * - an IAM Access Analyzer finding on one of our resources: ./access-findings.ts.
 *
 * Pickup events (Transfer's downloads, CloudTrail's GetObject data events) share the queue: they go
 * to ./pickups.ts first (docs/pickups.md).
 *
 * A message is deleted once its event is handled; a failure to queue the check or post the alert
 * leaves it to come back (SQS's visibility timeout, then the dead-letter queue).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import type { Audit, Notify } from '../../actions/ports.js';
import { classifyPlatformEvent, onlyWidens, type AccessChange, type PlatformEventScope } from '../../domain/platform-events.js';
import { classifyAccessFinding } from '../../domain/access-findings.js';
import { buildPlatformChangeAlert, type PlatformDifference } from '../../bot/messages/platform-events.js';
import type { PlatformPart } from '../../domain/drift.js';
import type { Logger } from '../../logger.js';
import { createSqsPoller, type SqsPoller, type SqsPollerDeps } from '../platform/sqs-poller.js';
import { changeCausesKey, quarantineOnEvent, type QuarantineDeps } from '../lifecycle/index.js';
import { handleAccessFinding, type AccessFindingDeps, type FindingOutcome } from './access-findings.js';
import { handlePickupMessage, type PickupDeps } from './pickups.js';

const SEEN_SECONDS = 86_400;
const CAUSES_KEPT = 20;

export interface PlatformEventsDeps extends AccessFindingDeps {
  /** Read, and quarantined on an event that can only widen a partner's access (`quarantineOnEvent`). */
  partners: QuarantineDeps['partners'];
  redis: Redis;
  prefix: string;
  scope: PlatformEventScope;
  /** Queues a check of the partner, coalesced per partner. */
  checkPartner: (partnerId: string) => Promise<void>;
  notify: Notify;
  approvalsChannel: string;
  audit: Audit;
  logger: Logger;
  /** The platform check of the part a platform change touched (src/jobs/lifecycle platformDifference); absent: the alert shows none. */
  platformDifference?: (part: PlatformPart | undefined) => Promise<PlatformDifference>;
}

/** What became of an event: `quarantined` (a live partner, on an event that can only widen its access) and `checking` both queue the partner's check. */
export type EventOutcome = 'quarantined' | 'checking' | 'alerted' | 'by-bot' | 'duplicate' | 'ignored' | 'invalid' | FindingOutcome;

export async function handlePlatformEvent(deps: PlatformEventsDeps, body: string, messageId?: string): Promise<EventOutcome> {
  const event = classifyAccessFinding(body, deps.scope) ?? classifyPlatformEvent(body, deps.scope);
  if (event.kind === 'invalid') {
    deps.logger.warn({ messageId, reason: event.reason }, 'platform event: unreadable, skipped');
    return 'invalid';
  }
  if (event.kind === 'ignored') {
    deps.logger.debug({ messageId, eventId: event.eventId, reason: event.reason }, 'platform event: not ours, skipped');
    return 'ignored';
  }
  const seen = `${deps.prefix}:pe:seen:${event.eventId}`;
  if (await deps.redis.exists(seen)) {
    deps.logger.info({ eventId: event.eventId, call: event.kind === 'access-finding' ? 'access-analyzer:Finding' : event.call }, 'platform event: duplicate, skipped');
    return 'duplicate';
  }
  const outcome = event.kind === 'access-finding' ? await handleAccessFinding(deps, event) : await act(deps, event);
  await deps.redis.set(seen, '1', 'EX', SEEN_SECONDS);
  return outcome;
}

async function act(deps: PlatformEventsDeps, e: AccessChange): Promise<EventOutcome> {
  const log = { eventId: e.eventId, call: e.call, actor: e.actor, resource: e.target.resource };
  if (e.byBot) {
    // Still checked: whoever holds the bot's credentials is on our threat list. The check does not
    // quarantine for what an approved change being applied explains.
    if (e.target.type === 'partner') await deps.checkPartner(e.target.partnerId);
    deps.logger.debug(log, 'platform event: the bot’s own change');
    return 'by-bot';
  }
  const details = { call: e.call, actor: e.actor, at: e.at, resource: e.target.resource, parameters: e.parameters, eventId: e.eventId };
  if (e.target.type === 'partner') {
    const quarantined = onlyWidens(e) && (await quarantineOnEvent(deps, e.target.partnerId, details));
    const key = changeCausesKey(deps.prefix, e.target.partnerId);
    await deps.redis.multi().lpush(key, JSON.stringify(details)).ltrim(key, 0, CAUSES_KEPT - 1).expire(key, SEEN_SECONDS).exec();
    await deps.checkPartner(e.target.partnerId);
    deps.logger.warn(log, quarantined
      ? 'platform event: a partner’s access was widened outside partnergate; quarantined, and checking it'
      : 'platform event: a partner’s access changed outside partnergate; checking it');
    await deps.audit({ type: 'platform.changed', partnerId: e.target.partnerId, actor: e.actor, details });
    return quarantined ? 'quarantined' : 'checking';
  }
  const difference = e.target.type === 'platform' ? await deps.platformDifference?.(e.target.compared) : undefined;
  await deps.notify({ op: 'post', channel: deps.approvalsChannel, ...buildPlatformChangeAlert(e, difference) });
  deps.logger.warn(log, 'platform event: a platform resource changed outside partnergate');
  await deps.audit({ type: 'platform.changed', actor: e.actor, details });
  return 'alerted';
}

export interface PlatformEventsSourceDeps extends PlatformEventsDeps, Omit<SqsPollerDeps, 'what' | 'handle' | 'logger'> {
  /** Pickup events (docs/pickups.md) share the queue: read first, when given. */
  pickups?: PickupDeps | undefined;
}

export function createPlatformEventsSource(deps: PlatformEventsSourceDeps): SqsPoller {
  const logger = deps.logger.child({ module: 'platform-events' });
  const pickups = deps.pickups && { ...deps.pickups, logger: deps.pickups.logger.child({ module: 'pickups' }) };
  // Pickups are safe to handle a batch at once (one Lua step records each); the platform changes
  // (their dedupe is check-then-set) still go one at a time, in order.
  let inOrder: Promise<unknown> = Promise.resolve();
  const handle = async (message: Message): Promise<boolean> => {
    if (pickups && (await handlePickupMessage(pickups, message.Body ?? '', message.MessageId)) !== 'not-pickup') return true;
    const turn = inOrder.then(() => handlePlatformEvent({ ...deps, logger }, message.Body ?? '', message.MessageId));
    inOrder = turn.catch(() => undefined);
    await turn;
    return true;
  };
  return createSqsPoller({ ...deps, what: 'platform events', handle, logger, concurrency: pickups ? 10 : 1, receivers: pickups ? Number(process.env.BENCH_RECEIVERS ?? 1) : 1 });
}
