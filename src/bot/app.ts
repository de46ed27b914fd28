/**
 * The Bolt app: transport from the receiver, listeners registered here, one error handler.
 * Listeners ack first and call one use case; known refusals become ephemeral answers, anything
 * else reaches app.error.
 */
import { App, type AnyMiddlewareArgs, type AllMiddlewareArgs, type BlockButtonAction, type Receiver, type ViewSubmitAction } from '@slack/bolt';
import { boltLogger } from '../logger.js';
import type { BotDeps } from './deps.js';
import { ackUnhandled } from './ack-unhandled.js';
import { CHECKED_BY_ID, deliveryKind, firstSighting } from './replay.js';
import { actionListeners } from './listeners/actions/index.js';
import { commandListeners } from './listeners/commands/index.js';
import { appHomeOpened } from './listeners/events/app-home-opened.js';
import { reactionListeners } from './listeners/events/index.js';
import { partnerIdOptions } from './listeners/options/index.js';
import { viewListeners } from './listeners/views/index.js';
import { BUTTON, byId, COMMAND, MODAL } from './listeners/gate.js';
import { HOME_ACTIONS } from './messages/ids.js';

export interface BoltAppOptions {
  botToken: string;
  receiver: Receiver;
  slackApiUrl?: string | undefined;
  /** SLACK_TEAM_ID: requests from any other workspace are refused with no effect. */
  teamId?: string | undefined;
}

/**
 * A replayed or redelivered request has no second effect (src/bot/replay.ts). Every request is
 * counted here; commands, buttons and modal submissions are checked by `byId`, after their ack.
 */
function dedupe(deps: BotDeps) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const body = args.body as unknown as Record<string, unknown>;
    const kind = deliveryKind(body);
    deps.metrics.slackRequests.inc({ kind });
    // A search (external select options) changes nothing, and the same text typed twice must be answered twice.
    if (kind === 'block_suggestion' || CHECKED_BY_ID.has(kind) || (await firstSighting(deps, body))) return args.next();
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}

/** The workspace a request comes from: `team_id` (commands, events), `team.id` (buttons, modals), `view.team_id`. */
export function teamOf(body: Record<string, unknown>): string | undefined {
  const team = body['team'] as { id?: unknown } | undefined;
  const view = body['view'] as { team_id?: unknown } | undefined;
  const id = body['team_id'] ?? team?.id ?? view?.team_id;
  return typeof id === 'string' ? id : undefined;
}

/** Only the configured workspace is served: anything else is acknowledged (so Slack stops retrying), counted and logged, and goes no further. */
function pinTeam(teamId: string, deps: BotDeps) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const team = teamOf(args.body as unknown as Record<string, unknown>);
    if (team === teamId) return args.next();
    deps.metrics.slackRequests.inc({ kind: 'foreign_team' });
    deps.logger.warn({ team: team?.slice(0, 32) ?? null }, 'request from another workspace refused');
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}

export function createBoltApp(deps: BotDeps, options: BoltAppOptions): App {
  const app = new App({
    token: options.botToken,
    receiver: options.receiver,
    // No conversation store: no listener reads context.conversation, and its middleware runs on every request.
    convoStore: false,
    logger: boltLogger(deps.logger),
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });

  if (options.teamId) app.use(pinTeam(options.teamId, deps));
  app.use(ackUnhandled(deps.logger));
  app.use(dedupe(deps));

  // Bolt runs the matching middleware of every registered listener on every request (about 6 µs
  // each on a 2-core machine: a tenth of a request with twenty listeners). So there is one Bolt
  // listener per kind of request, which finds the listener by its id in a table and asks the gate.
  app.command(/^\//, byId(deps, COMMAND, commandListeners(deps)));
  app.view<ViewSubmitAction>({ type: 'view_submission' }, byId(deps, MODAL, viewListeners(deps)));
  app.action<BlockButtonAction>({ type: 'block_actions' }, byId(deps, BUTTON, actionListeners(deps)));
  for (const listener of reactionListeners(deps)) app.event('reaction_added', listener);
  app.event('app_home_opened', appHomeOpened(deps));
  app.options(HOME_ACTIONS.filterId, partnerIdOptions(deps));

  app.error(async (error) => {
    deps.logger.error({ err: error.original ?? error, code: error.code }, 'unhandled error in a Slack listener');
  });
  return app;
}
