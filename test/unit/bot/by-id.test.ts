import { describe, expect, it } from 'vitest';
import { byId } from '../../../src/bot/app.js';

describe('byId', () => {
  const ran: string[] = [];
  const route = byId(new Map([
    ['a', async (args: { id: string }) => void ran.push(`a:${args.id}`)],
    ['b', async (args: { id: string }) => void ran.push(`b:${args.id}`)],
  ]), (args) => args.id);

  it('when a request carries an id with a listener, then that listener alone runs, with the same arguments', async () => {
    await route({ id: 'b' });
    expect(ran).toEqual(['b:b']);
  });

  it('when no listener has the id, then nothing runs (ackUnhandled answers it)', async () => {
    ran.length = 0;
    await route({ id: 'c' });
    await route({ id: '__proto__' });
    expect(ran).toEqual([]);
  });
});
