/**
 * Global middleware: a command, action, view or shortcut that no listener acknowledges (an unknown
 * action_id or callback_id, a command the bot does not serve) is acknowledged once every listener
 * has run, with a log line, instead of leaving Slack waiting ~3 s for an ack that never comes.
 * Events need nothing: Bolt acknowledges them before any middleware runs. A listener that fails
 * is left to the app's error handler, not acknowledged here: an empty ack would close a modal as
 * though its submission had worked.
 */
import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { ackState } from './transport/slack-receiver.js';

/**
 * Bolt gives each middleware its own copy of the arguments, so the listeners' ack cannot be
 * watched from here; the HTTP receiver (src/bot/transport/slack-receiver.ts) tells in the context whether
 * the request was answered. Socket Mode carries no such state and needs none (its receiver only
 * warns when nothing acknowledged), so this applies to HTTP mode alone.
 */
export function ackUnhandled(logger: Logger) {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const state = ackState(args.context);
    if (!state || !('ack' in args) || typeof args.ack !== 'function') return args.next();
    const ack = args.ack as () => Promise<void>;
    await args.next();
    if (state.acknowledged()) return; // a listener answered
    await ack();
    const body = args.body as unknown as Record<string, unknown>;
    logger.info(
      { type: String(body['type'] ?? body['command'] ?? 'unknown').slice(0, 60), ids: unhandledIds(body) },
      'no listener for this Slack request: acknowledged and ignored',
    );
  };
}
/** The ids that failed to match, for the log line (excerpts: this is untrusted text). */
function unhandledIds(body: Record<string, unknown>): string[] {
  const cut = (v: unknown) => String(v).slice(0, 60);
  if (typeof body['command'] === 'string') return [cut(body['command'])];
  if (Array.isArray(body['actions'])) return body['actions'].map((a) => cut((a as Record<string, unknown>)?.['action_id']));
  const view = body['view'] as Record<string, unknown> | undefined;
  if (view && typeof view === 'object') return [cut(view['callback_id'])];
  return [cut(body['callback_id'])];
}
