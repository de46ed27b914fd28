import { describe, expect, it } from 'vitest';
import { inspectSlackBody } from '../../../../src/bot/transport/slack-request-guard.js';

const user = { id: 'U1' };

describe('inspectSlackBody', () => {
  it.each([
    ['null', null, 'null'],
    ['a number', 42, 'number'],
    ['a string', 'x', 'string'],
    ['an array', [], 'array'],
    ['an event that is null', { type: 'event_callback', event: null }, 'event'],
    ['actions that are not objects', { type: 'block_actions', user, actions: ['x'] }, 'actions'],
    ['an interaction without a user', { type: 'block_actions', actions: [{ action_id: 'a' }] }, 'no user'],
    ['a submission without state values', { type: 'view_submission', user, view: { callback_id: 'c' } }, 'state'],
    ['a command with its text twice', { command: '/x', text: ['a', 'b'], user_id: 'U1', channel_id: 'C1', trigger_id: 't' }, 'text'],
  ])('when the signed body is %s, then it is refused with 400', (_name, body, reason) => {
    const verdict = inspectSlackBody(body);
    expect(verdict).toMatchObject({ pass: false, status: 400 });
    expect(verdict.pass ? '' : verdict.reason).toContain(reason);
  });

  it.each([
    ['an empty object', {}],
    ['app_rate_limited', { type: 'app_rate_limited', minute_rate_limited: 1 }],
    ['an unknown interaction type', { type: 'dialog_cancellation', user }],
  ])('when the body is %s, then it is acknowledged and ignored (200)', (_name, body) => {
    expect(inspectSlackBody(body)).toMatchObject({ pass: false, status: 200 });
  });

  it.each([
    ['an event', { type: 'event_callback', event: { type: 'reaction_added' } }],
    ['a command', { command: '/onboard-partner', text: '', user_id: 'U1', channel_id: 'C1', trigger_id: 't' }],
    ['a button click', { type: 'block_actions', user, actions: [{ action_id: 'a' }] }],
    ['a submission', { type: 'view_submission', user, view: { state: { values: {} } } }],
    ['url_verification', { type: 'url_verification', challenge: 'c' }],
  ])('when the body is %s, then it goes on to Bolt', (_name, body) => {
    expect(inspectSlackBody(body)).toEqual({ pass: true });
  });
});
