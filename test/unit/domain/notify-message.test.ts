import { describe, expect, it } from 'vitest';
import { laneOf, parseNotifyMessage, priorityOf, type LaneLookups, type NotifyMessage } from '../../../src/domain/notify-message.js';
import { ValidationError } from '../../../src/domain/errors.js';

const lookups = (laneOfRef: Record<string, string> = {}, refs: Record<string, string> = {}): LaneLookups => ({
  laneOfRef: async (ref) => laneOfRef[ref],
  refAt: async (channel, ts) => refs[`${channel}/${ts}`],
});

describe('laneOf', () => {
  it('when a message names its lane, then that is its lane', async () => {
    expect(await laneOf({ op: 'post', channel: 'C1', text: 'x', lane: 'mine', thread: { ts: '1.2' } }, lookups())).toBe('mine');
  });

  it('when a top-level post has a ref, then it starts the lane of that ref; without one it shares the channel lane', async () => {
    expect(await laneOf({ op: 'post', channel: 'C1', text: 'x', ref: 'card:r1' }, lookups())).toBe('ref:card:r1');
    expect(await laneOf({ op: 'post', channel: 'C1', text: 'x' }, lookups())).toBe('ch:C1');
  });

  it('when a message names a ref (thread or update target), then it joins the lane where that ref was queued', async () => {
    const l = lookups({ 'step:1': 'ref:card:r1' });
    expect(await laneOf({ op: 'update', target: 'step:1', text: 'x' }, l)).toBe('ref:card:r1');
    expect(await laneOf({ op: 'post', channel: 'C1', thread: { ref: 'step:1' }, text: 'x' }, l)).toBe('ref:card:r1');
    expect(await laneOf({ op: 'update', target: 'unknown', text: 'x' }, l)).toBe('ref:unknown');
  });

  it('when a reply names a thread ts that a ref was posted at, then it joins that ref’s lane; otherwise the thread’s own lane', async () => {
    const l = lookups({ 'card:r1': 'ref:card:r1' }, { 'C1/5.000001': 'card:r1' });
    expect(await laneOf({ op: 'post', channel: 'C1', thread: { ts: '5.000001' }, text: 'x' }, l)).toBe('ref:card:r1');
    expect(await laneOf({ op: 'post', channel: 'C1', thread: { ts: '6.000001' }, text: 'x' }, l)).toBe('th:C1:6.000001');
  });

  it('when an ephemeral has no thread, then it has a lane per channel and user', async () => {
    expect(await laneOf({ op: 'ephemeral', channel: 'C1', user: 'U1', text: 'x' }, lookups())).toBe('eph:C1:U1');
  });
});

describe('parseNotifyMessage and priorityOf', () => {
  it('when a message is well formed, then it is returned and its priority defaults to progress', () => {
    const m: NotifyMessage = { op: 'post', channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] };
    expect(parseNotifyMessage(m)).toEqual(m);
    expect(priorityOf(m)).toBe(5);
    expect(priorityOf({ ...m, priority: 'interactive' })).toBe(1);
    expect(priorityOf({ ...m, priority: 'approval' })).toBe(2);
    expect(priorityOf({ ...m, priority: 'receipt' })).toBe(10);
  });

  it.each([
    [{ op: 'post', text: 'x' }, 'channel'],
    [{ op: 'update', text: 'x' }, 'target'],
    [{ op: 'ephemeral', channel: 'C1', text: 'x' }, 'user'],
    [{ op: 'post', channel: 'C1', text: 'x', thread: { ts: '1', ref: 'r' } }, 'thread'],
    [{ op: 'post', channel: 'C1', text: 'x', priority: 'urgent' }, 'priority'],
    [{ op: 'delete', channel: 'C1', text: 'x' }, 'op'],
  ])('when a message is malformed (%j), then a ValidationError names %s', (value, field) => {
    expect(() => parseNotifyMessage(value)).toThrow(ValidationError);
    expect(() => parseNotifyMessage(value)).toThrow(field);
  });
});
