/**
 * What the HTTP receiver (src/bot/transport/slack-receiver.ts) does with a signed, parsed body before the
 * app sees it: a body Bolt or a listener would choke on is answered there, with a warn log line
 * naming the reason, instead of reaching them.
 * - Bolt 5.1 reads `body.ssl_check` before checking that the parsed body is an object, so a signed
 *   body of `null` (or `payload=null`) rejects a promise nobody awaits; under the CLI's
 *   unhandledRejection handler that ends the process. Such bodies, and the few shapes a listener
 *   trips over after its ack (no user on an interaction, no state on a submission, a command field
 *   missing or repeated, an event or actions that are not objects), are answered 400.
 * - Bodies of no type Bolt routes (`{}`, `{"type":"app_rate_limited"}`) would wait ~3 s for an ack
 *   that never comes and be answered 404: they are acknowledged (200) and ignored.
 */
/** What the guard does with a signed request: hand it to Bolt, refuse it (400), or ack and ignore it (200). */
export type GuardVerdict = { pass: true } | { pass: false; status: 400 | 200; reason: string };

const PASS: GuardVerdict = { pass: true };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Body types Bolt can route (see getTypeAndConversation in @slack/bolt's helpers), and the two it answers itself. */
function routable(body: Record<string, unknown>): boolean {
  if (body['ssl_check'] !== undefined || body['type'] === 'url_verification') return true;
  if (body['event'] !== undefined || body['command'] !== undefined || body['name'] !== undefined || body['actions'] !== undefined) return true;
  return ['block_suggestion', 'dialog_submission', 'shortcut', 'message_action', 'view_submission', 'view_closed'].includes(String(body['type']));
}

const INTERACTIVE = new Set(['block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion', 'interactive_message']);
const COMMAND_FIELDS = ['command', 'text', 'user_id', 'channel_id', 'trigger_id'] as const;

/**
 * Decides from a parsed, signed body. Pure. Besides the shapes Bolt itself needs, it refuses the
 * few a listener would otherwise trip over after its ack: an interaction without its user, a
 * submission without its state, a command field given twice or not at all.
 */
export function inspectSlackBody(body: unknown): GuardVerdict {
  if (!isObject(body)) return refuse(`the body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}, not an object`);
  if (body['event'] !== undefined && !isObject(body['event'])) return refuse('"event" is not an object');
  if (body['actions'] !== undefined && !(Array.isArray(body['actions']) && body['actions'].every(isObject))) {
    return refuse('"actions" is not a list of objects');
  }
  if (body['command'] !== undefined) {
    const bad = COMMAND_FIELDS.find((f) => typeof body[f] !== 'string');
    if (bad) return refuse(`the command's "${bad}" is missing or given more than once`);
  }
  if (INTERACTIVE.has(String(body['type']))) {
    const user = body['user'];
    if (!isObject(user) || typeof user['id'] !== 'string' || user['id'] === '') return refuse('the interaction names no user');
  }
  if (body['type'] === 'view_submission' || body['type'] === 'view_closed') {
    const view = body['view'];
    if (!isObject(view)) return refuse('"view" is not an object');
    if (body['type'] === 'view_submission' && !(isObject(view['state']) && isObject(view['state']['values']))) {
      return refuse('the submitted view has no state values');
    }
  }
  if (!routable(body)) return { pass: false, status: 200, reason: 'no request type the bot handles' };
  return PASS;
}

function refuse(reason: string): GuardVerdict {
  return { pass: false, status: 400, reason };
}
