import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from '../../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../../tools/local/redis.js';
import { testPrefix } from '../../tools/local/env.js';

describe('fake Slack server', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;

  beforeEach(async () => {
    slack = await startFakeSlack({ usergroups: { S0APPROVERS: ['UAPPROVER1'] } });
    client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('when the Web API client posts blocks, then the call is recorded with parsed blocks and answered like Slack', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const result = await client.chat.postMessage({ channel: 'C1', text: '[not json', blocks, thread_ts: '1.000001' });

    expect(result.ok).toBe(true);
    expect(result.channel).toBe('C1');
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);
    expect(result.message?.thread_ts).toBe('1.000001');
    const [call] = slack.calls('chat.postMessage');
    expect(call?.body).toMatchObject({ channel: 'C1', text: '[not json', blocks, thread_ts: '1.000001' });
    expect(call?.token).toBe('xoxb-test');
  });

  it('when messages are posted, then their ts values are unique and increasing', async () => {
    const a = await client.chat.postMessage({ channel: 'C1', text: 'a' });
    const b = await client.chat.postMessage({ channel: 'C1', text: 'b' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
  });

  it('when views.open, usergroups.users.list and auth.test are called, then they answer plausibly', async () => {
    const opened = await client.views.open({ trigger_id: 't', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } });
    expect(opened.view?.id).toMatch(/^V/);
    expect(slack.calls('views.open')[0]?.body.view).toMatchObject({ type: 'modal' });
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['UAPPROVER1']);
    await expect(client.usergroups.users.list({ usergroup: 'S0OTHER' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
    expect((await client.auth.test()).user_id).toBe('UBOT0001');
  });

  it('when failures are scripted, then the next calls answer 429, 500, ok:false or drop, then succeed', async () => {
    slack.fail('chat.postMessage', { kind: 'rate-limited', retryAfter: 3 });
    slack.fail('chat.postMessage', { kind: 'http', status: 500 });
    slack.fail('chat.postMessage', { kind: 'error', error: 'channel_not_found' });
    slack.fail('chat.postMessage', { kind: 'drop' });
    const post = () => client.chat.postMessage({ channel: 'C1', text: 'x' });

    await expect(post()).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 });
    await expect(post()).rejects.toMatchObject({ code: 'slack_webapi_http_error', statusCode: 500 });
    await expect(post()).rejects.toMatchObject({ code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } });
    await expect(post()).rejects.toMatchObject({ code: 'slack_webapi_request_error' });
    await expect(post()).resolves.toMatchObject({ ok: true });
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 500, 200, 0, 200]);
    expect(slack.accepted('chat.postMessage')).toHaveLength(1);
  });

  it('when a failure matches only one channel, then other channels are unaffected', async () => {
    slack.fail('*', { kind: 'error', error: 'not_in_channel' }, { times: Infinity, match: (c) => c.body.channel === 'CBAD' });
    await expect(client.chat.postMessage({ channel: 'CBAD', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await expect(client.chat.postMessage({ channel: 'CGOOD', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('when a response_url is posted to, then the call is recorded under respond with its id', async () => {
    const waiting = slack.waitFor((c) => c.method === 'respond' && c.respondId === 'abc');
    const res = await fetch(slack.responseUrl('abc'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'done', replace_original: true }),
    });
    expect(res.status).toBe(200);
    expect((await waiting).body).toEqual({ text: 'done', replace_original: true });
  });

  it('when waitFor is not satisfied in time, then it rejects naming what was recorded', async () => {
    await client.auth.test();
    await expect(slack.waitFor((c) => c.method === 'views.open', 50)).rejects.toThrow(/auth\.test/);
  });
});

describe('test Redis helpers', () => {
  it('when keys exist under a prefix, then deleteKeysUnder removes those and no others', async () => {
    const redis = createTestRedis();
    const prefix = testPrefix('redis');
    const other = `${prefix}x`;
    try {
      await redis.mset(`${prefix}:a`, '1', `${prefix}:b:c`, '2', `${other}:a`, '3');
      expect(await deleteKeysUnder(redis, prefix)).toBe(2);
      expect(await redis.exists(`${prefix}:a`, `${prefix}:b:c`)).toBe(0);
      expect(await redis.get(`${other}:a`)).toBe('3');
    } finally {
      await deleteKeysUnder(redis, other);
      await redis.quit();
    }
  });
});
