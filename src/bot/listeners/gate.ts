/**
 * Every command, button and modal is registered with the capability it needs
 * (src/domain/authorization.ts); the gate asks before the listener runs. A refusal is answered
 * where the person is — a command's response_url, the button's thread, the modal's first field —
 * and the listener never runs.
 */
import type {
  AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction,
} from '@slack/bolt';
import type { Capability } from '../../domain/authorization.js';
import type { BotDeps } from '../deps.js';
import { buildAnswer } from '../messages/partner-status.js';
import { firstSighting, REPLAY_CHECK_UNAVAILABLE } from '../replay.js';
import { answerRefusal } from './refusal.js';

export interface Gated<Args> {
  may: Capability;
  run: (args: Args) => Promise<void>;
}

export const gated = <Args>(may: Capability, run: (args: Args) => Promise<void>): Gated<Args> => ({ may, run });

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** How each kind of request names its id and its actor, and answers a refusal. */
export interface EntryKind<Args> {
  name: 'command' | 'button' | 'modal';
  idOf(args: Args): string;
  actorOf(args: Args): string;
  refuse(deps: Pick<BotDeps, 'notify' | 'logger'>, args: Args, message: string): Promise<void>;
  /**
   * For a kind whose answer to Slack is an empty ack whatever the gate says: acknowledges at once
   * and gives back the arguments with an ack that is already given. Absent where the answer
   * depends on the verdict (a modal's refusal is shown in the ack).
   */
  answerFirst?(args: Args): Promise<Args>;
  /**
   * Tells the person the request was not run because Redis did not answer the replay check. Absent
   * where the refusal's own answer does not need Redis.
   */
  unavailable?(deps: Pick<BotDeps, 'logger'>, args: Args, message: string): Promise<void>;
}

/**
 * Commands and buttons answer Slack with an empty ack, allowed or refused: every one of their
 * listeners acks first, and so does their refusal. So they are acknowledged before the replay
 * check (a Redis round trip) and before the gate asks: the gate may wait on Slack (users.info for a
 * person not seen in the last ten minutes, the approvers' user group once a minute), and neither
 * wait must hold the answer Slack waits for. The listener then gets an ack that has already been given.
 */
async function answeredFirst<A extends { ack: () => Promise<void> }>(args: A): Promise<A> {
  await args.ack();
  return { ...args, ack: async () => undefined };
}

export const COMMAND: EntryKind<CommandArgs> = {
  name: 'command',
  idOf: ({ command }) => command.command,
  actorOf: ({ command }) => command.user_id,
  async refuse(_deps, { ack, respond }, message) {
    await ack();
    await respond({ response_type: 'ephemeral', ...buildAnswer(message) });
  },
  answerFirst: answeredFirst,
};

export const BUTTON: EntryKind<ButtonArgs> = {
  name: 'button',
  idOf: ({ action }) => action.action_id,
  actorOf: ({ body }) => body.user.id,
  async refuse(deps, { ack, body }, message) {
    await ack();
    const threadTs = (body.message?.['thread_ts'] as string | undefined) ?? body.message?.ts;
    await answerRefusal(deps, { channel: body.channel?.id, user: body.user.id, threadTs, message });
  },
  answerFirst: answeredFirst,
  // The refusal goes through the notify queue, which is in Redis: this answer goes to the response_url.
  async unavailable(deps, { body, respond }, message) {
    if (!body.response_url) return deps.logger.warn({ user: body.user.id }, 'no response_url to say the store is not answering');
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildAnswer(message) });
  },
};

/** A modal keeps its place: the refusal is shown on its first input, and nothing is submitted. */
export const MODAL: EntryKind<ViewArgs> = {
  name: 'modal',
  idOf: ({ view }) => view.callback_id,
  actorOf: ({ body }) => body.user.id,
  async refuse(_deps, { ack, view }, message) {
    // Input blocks are the ones with state; their block ids are the keys of the view's state values.
    const first = Object.keys(view.state.values)[0];
    await ack(first ? { response_action: 'errors', errors: { [first]: message } } : undefined);
  },
};

/**
 * One Bolt listener per kind of request: finds the listener by its id (a command name, an
 * action_id, a callback_id), acknowledges it first where the kind allows (answerFirst), drops a
 * replay (src/bot/replay.ts), asks the gate, and runs it or answers the refusal. An id with none
 * is left unacknowledged here: ackUnhandled answers it. When Redis cannot tell a replay from a
 * first delivery, nothing runs and the person is told so where a refusal would be.
 */
export function byId<Args extends { body: object; ack: () => Promise<void> }>(
  deps: Pick<BotDeps, 'authorize' | 'notify' | 'logger' | 'firstDelivery'>, kind: EntryKind<Args>, listeners: ReadonlyMap<string, Gated<Args>>,
) {
  return async (received: Args): Promise<void> => {
    const id = kind.idOf(received);
    const listener = listeners.get(id);
    if (!listener) return;
    const args = kind.answerFirst ? await kind.answerFirst(received) : received;
    let first: boolean;
    try {
      first = await firstSighting(deps, args.body as Record<string, unknown>);
    } catch (err) {
      deps.logger.error({ err, entry: `${kind.name}:${id}` }, 'the replay check failed (Redis): the request was not run');
      return (kind.unavailable ?? kind.refuse)(deps, args, REPLAY_CHECK_UNAVAILABLE);
    }
    if (!first) return args.ack(); // a replay: answered (again, for a modal) and not run
    const verdict = await deps.authorize({ capability: listener.may, actor: kind.actorOf(args), entry: `${kind.name}:${id}` });
    if (verdict.ok) return listener.run(args);
    await kind.refuse(deps, args, verdict.message);
  };
}
