import { describe, expect, it } from 'vitest';
import { BUTTON, byId, COMMAND, gated, MODAL, type EntryKind } from '../../../src/bot/listeners/gate.js';
import type { Capability } from '../../../src/domain/authorization.js';
import { REPLAY_CHECK_UNAVAILABLE } from '../../../src/bot/replay.js';
import { useCaseDeps } from '../../support/ports.js';

interface Args { id: string; user: string; body: object; ack: () => Promise<void> }
const req = (id: string, user: string): Args => ({ id, user, body: { id, user }, ack: async () => {} });

describe('byId', () => {
  const ran: string[] = [];
  const refused: string[] = [];
  const asked: { capability: Capability; actor: string; entry: string }[] = [];
  const kind: EntryKind<Args> = {
    name: 'button',
    idOf: (a) => a.id,
    actorOf: (a) => a.user,
    refuse: async (_deps, a, message) => void refused.push(`${a.id}:${message}`),
  };
  const deps = {
    logger: useCaseDeps().logger,
    notify: async () => {},
    firstDelivery: async () => true,
    authorize: async (input: { capability: Capability; actor: string; entry: string }) => {
      asked.push(input);
      return input.actor === 'UGUEST' ? { ok: false as const, code: 'not_allowed' as const, message: 'no' } : { ok: true as const };
    },
  };
  const route = byId(deps, kind, new Map([
    ['a', gated('view', async (args: Args) => void ran.push(`a:${args.id}`))],
    ['b', gated('retry', async (args: Args) => void ran.push(`b:${args.id}`))],
  ]));

  it('when a request carries an id with a listener, then the gate is asked for its capability and that listener alone runs', async () => {
    await route(req('b', 'UMEMBER'));
    expect(ran).toEqual(['b:b']);
    expect(asked).toEqual([{ capability: 'retry', actor: 'UMEMBER', entry: 'button:b' }]);
  });

  it('when the gate refuses, then the listener does not run and the refusal is answered', async () => {
    ran.length = 0;
    await route(req('a', 'UGUEST'));
    expect(ran).toEqual([]);
    expect(refused).toEqual(['a:no']);
  });

  it('when no listener has the id, then nothing runs and nobody is asked (ackUnhandled answers it)', async () => {
    ran.length = 0;
    asked.length = 0;
    await route(req('c', 'UMEMBER'));
    await route(req('__proto__', 'UMEMBER'));
    expect(ran).toEqual([]);
    expect(asked).toEqual([]);
  });
});

describe('byId: commands and buttons are acknowledged before the gate asks', () => {
  /** A gate whose answer waits until released, as one waiting on users.info does. */
  function pendingGate() {
    let release: (ok: boolean) => void = () => {};
    const asked: string[] = [];
    const authorize = (input: { actor: string }) => {
      asked.push(input.actor);
      return new Promise<{ ok: true } | { ok: false; code: 'not_allowed'; message: string }>((resolve) => {
        release = (ok) => resolve(ok ? { ok: true } : { ok: false, code: 'not_allowed', message: 'no' });
      });
    };
    return { deps: { logger: useCaseDeps().logger, notify: async () => {}, firstDelivery: async () => true, authorize }, asked, release: (ok: boolean) => release(ok) };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('when a command waits on the gate, then Slack already has its ack, and the listener\'s own ack answers nothing more', async () => {
    const gate = pendingGate();
    const acks: unknown[] = [];
    const listenerAck: unknown[] = [];
    const route = byId(gate.deps, COMMAND, new Map([
      ['/onboard-partner', gated('request', async (args: Parameters<typeof COMMAND.idOf>[0]) => {
        listenerAck.push(await args.ack());
      })],
    ]));
    const args = { command: { command: '/onboard-partner', user_id: 'UFIRSTSEEN' }, body: { command: '/onboard-partner' }, ack: async (r?: unknown) => void acks.push(r ?? 'empty'), respond: async () => {} };
    const done = route(args as never);
    await settle();
    expect(gate.asked).toEqual(['UFIRSTSEEN']);
    expect(acks).toEqual(['empty']);
    gate.release(true);
    await done;
    expect(listenerAck).toEqual([undefined]);
    expect(acks).toEqual(['empty']);
  });

  it('when a button waits on the gate and is refused, then it was acknowledged once, before the verdict', async () => {
    const gate = pendingGate();
    const acks: unknown[] = [];
    const ran: string[] = [];
    const route = byId(gate.deps, BUTTON, new Map([['request_approve', gated('decide', async () => void ran.push('listener'))]]));
    const args = {
      action: { action_id: 'request_approve' }, body: { user: { id: 'UGUEST' }, channel: { id: 'C1' }, message: { ts: '1.1' } },
      ack: async () => void acks.push('empty'),
    };
    const done = route(args as never);
    await settle();
    expect(acks).toEqual(['empty']);
    gate.release(false);
    await done;
    expect(ran).toEqual([]);
    expect(acks).toEqual(['empty']);
  });

  it('when a modal is submitted, then the gate is asked before the ack, which carries a refusal', () => {
    expect(MODAL.answerFirst).toBeUndefined();
    expect(COMMAND.answerFirst).toBeTypeOf('function');
    expect(BUTTON.answerFirst).toBeTypeOf('function');
  });
});

describe('byId: the replay check comes after the ack of a command or button, before its gate', () => {
  /** A replay check whose answer waits until released, as one waiting on a busy Redis does. */
  function pendingReplayCheck() {
    let settle: (answer: boolean | Error) => void = () => {};
    const seen: string[] = [];
    const firstDelivery = (kind: string) => {
      seen.push(kind);
      return new Promise<boolean>((resolve, reject) => {
        settle = (answer) => (answer instanceof Error ? reject(answer) : resolve(answer));
      });
    };
    return { firstDelivery, seen, settle: (answer: boolean | Error) => settle(answer) };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  function world(check: ReturnType<typeof pendingReplayCheck>) {
    const events: string[] = [];
    const deps = {
      logger: useCaseDeps().logger, notify: async () => void events.push('notify'), firstDelivery: check.firstDelivery,
      authorize: async () => {
        events.push('gate');
        return { ok: true as const };
      },
    };
    const ack = async (response?: unknown) => void events.push(response === undefined ? 'ack' : `ack ${JSON.stringify(response)}`);
    const respond = async (message: { text?: string }) => void events.push(`respond ${message.text}`);
    return { events, deps, ack, respond };
  }

  it('when a command waits on the replay check, then Slack already has its ack; when it is a replay, then neither the gate nor the listener runs', async () => {
    const check = pendingReplayCheck();
    const w = world(check);
    const route = byId(w.deps, COMMAND, new Map([['/onboard-partner', gated('request', async () => void w.events.push('listener'))]]));
    const done = route({ command: { command: '/onboard-partner', user_id: 'U1' }, body: { command: '/onboard-partner' }, ack: w.ack, respond: w.respond } as never);
    await settle();
    expect(w.events).toEqual(['ack']);
    expect(check.seen).toEqual(['command']);
    check.settle(false);
    await done;
    expect(w.events).toEqual(['ack']);
  });

  it('when a button is delivered for the first time, then it is acknowledged, checked, gated and run, in that order', async () => {
    const check = pendingReplayCheck();
    const w = world(check);
    const route = byId(w.deps, BUTTON, new Map([['request_approve', gated('decide', async () => void w.events.push('listener'))]]));
    const done = route({ action: { action_id: 'request_approve' }, body: { user: { id: 'U1' } }, ack: w.ack, respond: w.respond } as never);
    await settle();
    expect(w.events).toEqual(['ack']);
    check.settle(true);
    await done;
    expect(w.events).toEqual(['ack', 'gate', 'listener']);
  });

  it('when Redis does not answer the replay check of a command, then it was acknowledged, nothing runs, and the person is told why', async () => {
    const check = pendingReplayCheck();
    const w = world(check);
    const route = byId(w.deps, COMMAND, new Map([['/onboard-partner', gated('request', async () => void w.events.push('listener'))]]));
    const done = route({ command: { command: '/onboard-partner', user_id: 'U1' }, body: { command: '/onboard-partner' }, ack: w.ack, respond: w.respond } as never);
    await settle();
    check.settle(new Error('Connection is closed.'));
    await done;
    expect(w.events).toEqual(['ack', `respond ${REPLAY_CHECK_UNAVAILABLE}`]);
  });

  it('when Redis does not answer the replay check of a button, then the answer goes to its response_url, not through the notify queue (Redis)', async () => {
    const check = pendingReplayCheck();
    const w = world(check);
    const route = byId(w.deps, BUTTON, new Map([['request_approve', gated('decide', async () => void w.events.push('listener'))]]));
    const done = route({
      action: { action_id: 'request_approve' }, body: { user: { id: 'U1' }, channel: { id: 'C1' }, response_url: 'https://hooks.slack.test/r' }, ack: w.ack, respond: w.respond,
    } as never);
    await settle();
    check.settle(new Error('Connection is closed.'));
    await done;
    expect(w.events).toEqual(['ack', `respond ${REPLAY_CHECK_UNAVAILABLE}`]);
  });

  it('when a modal is submitted, then the replay check comes before the ack; a replay is acknowledged empty, and Redis not answering is shown on the first field', async () => {
    const modal = (check: ReturnType<typeof pendingReplayCheck>) => {
      const w = world(check);
      const route = byId(w.deps, MODAL, new Map([['onboard_submit', gated('request', async () => void w.events.push('listener'))]]));
      const view = { callback_id: 'onboard_submit', state: { values: { partner_id: {}, contact: {} } } };
      return { w, done: route({ view, body: { type: 'view_submission', user: { id: 'U1' }, view }, ack: w.ack } as never) };
    };
    const replayed = pendingReplayCheck();
    const a = modal(replayed);
    await settle();
    expect(a.w.events).toEqual([]);
    replayed.settle(false);
    await a.done;
    expect(a.w.events).toEqual(['ack']);

    const down = pendingReplayCheck();
    const b = modal(down);
    await settle();
    down.settle(new Error('Connection is closed.'));
    await b.done;
    expect(b.w.events).toEqual([`ack ${JSON.stringify({ response_action: 'errors', errors: { partner_id: REPLAY_CHECK_UNAVAILABLE } })}`]);
  });
});
