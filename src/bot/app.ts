/**
 * The Bolt app: transport from the receiver, listeners registered here, one error handler.
 * Listeners ack first and call one use case; known refusals become ephemeral answers, anything
 * else reaches app.error.
 */
import { createHash } from 'node:crypto';
import { App, type AnyMiddlewareArgs, type AllMiddlewareArgs, type Receiver } from '@slack/bolt';
import { boltLogger } from '../logger.js';
import { ACTIONS, COMMANDS, VIEWS } from './ids.js';
import type { BotDeps } from './deps.js';
import { onboardPartnerCommand } from './listeners/commands/onboard-partner.js';
import { onboardSubmission } from './listeners/views/onboard-submission.js';
import { decisionButton } from './listeners/actions/decision-buttons.js';
import { reactionAdded } from './listeners/events/reaction-added.js';
import { retryProvisionButton } from './listeners/actions/retry-provision.js';
import { retryVerifyButton } from './listeners/actions/retry-verify.js';
import { resendButton } from './listeners/actions/resend-button.js';
import { resendFileCommand } from './listeners/commands/resend-file.js';
import { partnerStatusCommand } from './listeners/commands/partner-status.js';
import { ackUnhandled } from './ack-unhandled.js';
import { offboardPartnerCommand } from './listeners/commands/offboard-partner.js';
import { offboardSubmission } from './listeners/views/offboard-submission.js';
import { changeButton } from './listeners/actions/change-buttons.js';
import { changeReactionAdded } from './listeners/events/change-reaction.js';
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

  app.use(ackUnhandled(deps.logger, options.receiver));
  app.use(dedupe(deps));

  app.command(COMMANDS.onboardPartner, onboardPartnerCommand(deps));
  app.command(COMMANDS.resendFile, resendFileCommand(deps));
  app.command(COMMANDS.partnerStatus, partnerStatusCommand(deps));
  app.view(VIEWS.onboard, onboardSubmission(deps));
  app.action(ACTIONS.approve, decisionButton(deps, 'approve'));
  app.action(ACTIONS.reject, decisionButton(deps, 'reject'));
  app.action(ACTIONS.retryProvision, retryProvisionButton(deps));
  app.action(ACTIONS.retryVerify, retryVerifyButton(deps));
  app.action(ACTIONS.resend, resendButton(deps));
  app.event('reaction_added', reactionAdded(deps));
  app.command(COMMANDS.offboardPartner, offboardPartnerCommand(deps));
  app.view(VIEWS.offboard, offboardSubmission(deps));
  app.action(ACTIONS.changeApprove, changeButton(deps, 'approve'));
  app.action(ACTIONS.changeReject, changeButton(deps, 'reject'));
  app.event('reaction_added', changeReactionAdded(deps));
  app.command(COMMANDS.partnerKeys, partnerKeysCommand(deps));
  app.view(VIEWS.partnerKeys, partnerKeysSubmission(deps));
  app.action(ACTIONS.editPartner, editPartnerButton(deps));
  app.view(VIEWS.partnerEdit, partnerEditSubmission(deps));
  app.action(ACTIONS.reapplyDrift, reapplyButton(deps));

  app.error(async (error) => {
    deps.logger.error({ err: error.original ?? error, code: error.code }, 'unhandled error in a Slack listener');
  });
  return app;
}
