import { describe, expect, it } from 'vitest';
import { byId, gated, type EntryKind } from '../../../src/bot/listeners/gate.js';
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
