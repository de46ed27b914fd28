/**
 * The Bolt app: transport from the receiver, listeners registered here, one error handler.
 * Listeners ack first and call one use case; known refusals become ephemeral answers, anything
 * else reaches app.error.
 */
import { createHash } from 'node:crypto';
import { App, type AnyMiddlewareArgs, type AllMiddlewareArgs, type BlockButtonAction, type Receiver, type ViewSubmitAction } from '@slack/bolt';
import { boltLogger } from '../logger.js';
import { ACTIONS, COMMANDS, VIEWS } from './messages/ids.js';
import type { BotDeps } from './deps.js';
import { onboardPartnerCommand } from './listeners/commands/onboard-partner.js';
import { onboardSubmission } from './listeners/views/onboard-submission.js';
import { approvalButton } from './listeners/actions/approval-buttons.js';
import { approvalReaction } from './listeners/events/approval-reaction.js';
import { retryProvisionButton } from './listeners/actions/retry-provision.js';
import { retryVerifyButton } from './listeners/actions/retry-verify.js';
import { resendButton } from './listeners/actions/resend-button.js';
import { resendFileCommand } from './listeners/commands/resend-file.js';
import { partnerStatusCommand } from './listeners/commands/partner-status.js';
import { ackUnhandled } from './ack-unhandled.js';
import { offboardPartnerCommand } from './listeners/commands/offboard-partner.js';
import { offboardSubmission } from './listeners/views/offboard-submission.js';
import { partnerKeysCommand } from './listeners/commands/partner-keys.js';
import { partnerKeysSubmission } from './listeners/views/partner-keys-submission.js';
import { editPartnerButton } from './listeners/actions/edit-partner-button.js';
import { partnerEditSubmission } from './listeners/views/partner-edit-submission.js';
import { reapplyButton } from './listeners/actions/reapply-button.js';

export interface BoltAppOptions {
  botToken: string;
  receiver: Receiver;
  slackApiUrl?: string | undefined;
}

/** Which kind of Slack request this is, and an id under which a replay of it is recognised. */
export function deliveryIdentity(body: Record<string, unknown>): { kind: string; id: string } {
  if (body['type'] === 'event_callback' && typeof body['event_id'] === 'string') return { kind: 'event', id: body['event_id'] };
  const kind = typeof body['command'] === 'string' ? 'command' : typeof body['type'] === 'string' ? String(body['type']) : 'unknown';
  return { kind, id: createHash('sha256').update(JSON.stringify(body)).digest('base64url') };
}

/**
 * A listener that hands the request to the one registered under its id (a command name, a
 * callback_id, an action_id). An id with none is left unacknowledged here: ackUnhandled answers it.
 */
export function byId<Args>(listeners: ReadonlyMap<string, (args: Args) => Promise<void>>, idOf: (args: Args) => string) {
  return async (args: Args): Promise<void> => {
    await listeners.get(idOf(args))?.(args);
  };
}

/** A replayed or redelivered request (same event id, or the very same body) has no second effect. */
function dedupe(deps: BotDeps) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { kind, id } = deliveryIdentity(args.body as unknown as Record<string, unknown>);
    deps.metrics.slackRequests.inc({ kind });
    if (await deps.firstDelivery(kind, id)) return args.next();
    deps.logger.info({ kind, deliveryId: id }, 'duplicate Slack delivery ignored');
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

  app.use(ackUnhandled(deps.logger));
  app.use(dedupe(deps));

  // Bolt runs the matching middleware of every registered listener on every request (about 6 µs
  // each on a 2-core machine: a tenth of a request with twenty listeners). So there is one Bolt
  // listener per kind of request, which finds the listener by its id in a table.
  app.command(/^\//, byId(new Map([
    [COMMANDS.onboardPartner, onboardPartnerCommand(deps)],
    [COMMANDS.resendFile, resendFileCommand(deps)],
    [COMMANDS.partnerStatus, partnerStatusCommand(deps)],
    [COMMANDS.offboardPartner, offboardPartnerCommand(deps)],
    [COMMANDS.partnerKeys, partnerKeysCommand(deps)],
  ]), ({ command }) => command.command));
  app.view<ViewSubmitAction>({ type: 'view_submission' }, byId(new Map([
    [VIEWS.onboard, onboardSubmission(deps)],
    [VIEWS.offboard, offboardSubmission(deps)],
    [VIEWS.partnerKeys, partnerKeysSubmission(deps)],
    [VIEWS.partnerEdit, partnerEditSubmission(deps)],
  ]), ({ view }) => view.callback_id));
  app.action<BlockButtonAction>({ type: 'block_actions' }, byId(new Map([
    [ACTIONS.approve, approvalButton(deps, 'request', 'approve')],
    [ACTIONS.reject, approvalButton(deps, 'request', 'reject')],
    [ACTIONS.retryProvision, retryProvisionButton(deps)],
    [ACTIONS.retryVerify, retryVerifyButton(deps)],
    [ACTIONS.resend, resendButton(deps)],
    [ACTIONS.changeApprove, approvalButton(deps, 'change', 'approve')],
    [ACTIONS.changeReject, approvalButton(deps, 'change', 'reject')],
    [ACTIONS.editPartner, editPartnerButton(deps)],
    [ACTIONS.reapplyDrift, reapplyButton(deps)],
  ]), ({ action }) => action.action_id));
  app.event('reaction_added', approvalReaction(deps));

  app.error(async (error) => {
    deps.logger.error({ err: error.original ?? error, code: error.code }, 'unhandled error in a Slack listener');
  });
  return app;
}
