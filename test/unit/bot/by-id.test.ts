import { describe, expect, it } from 'vitest';
import { BUTTON, byId, COMMAND, gated, MODAL, type EntryKind } from '../../../src/bot/listeners/gate.js';
import type { Capability } from '../../../src/domain/authorization.js';
import { useCaseDeps } from '../../support/ports.js';

interface Args { id: string; user: string }

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
    await route({ id: 'b', user: 'UMEMBER' });
    expect(ran).toEqual(['b:b']);
    expect(asked).toEqual([{ capability: 'retry', actor: 'UMEMBER', entry: 'button:b' }]);
  });

  it('when the gate refuses, then the listener does not run and the refusal is answered', async () => {
    ran.length = 0;
    await route({ id: 'a', user: 'UGUEST' });
    expect(ran).toEqual([]);
    expect(refused).toEqual(['a:no']);
  });

  it('when no listener has the id, then nothing runs and nobody is asked (ackUnhandled answers it)', async () => {
    ran.length = 0;
    asked.length = 0;
    await route({ id: 'c', user: 'UMEMBER' });
    await route({ id: '__proto__', user: 'UMEMBER' });
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
    return { deps: { logger: useCaseDeps().logger, notify: async () => {}, authorize }, asked, release: (ok: boolean) => release(ok) };
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
    const args = { command: { command: '/onboard-partner', user_id: 'UFIRSTSEEN' }, ack: async (r?: unknown) => void acks.push(r ?? 'empty'), respond: async () => {} };
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
