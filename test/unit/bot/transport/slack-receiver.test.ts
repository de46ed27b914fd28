/**
 * The HTTP receiver with a real Bolt App and the real HTTP server on loopback: what Slack gets back
 * for each kind of request, and that a listener's ack is the answer.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { App, ErrorCode } from '@slack/bolt';
import { startHttpServer, type HttpServer } from '../../../../src/bot/transport/server.js';
import { signatureProblem, SlackHttpReceiver } from '../../../../src/bot/transport/slack-receiver.js';
import { ackUnhandled } from '../../../../src/bot/ack-unhandled.js';
import { boltLogger } from '../../../../src/logger.js';
import { captureLogs } from '../../../support/log-capture.js';
import { interaction, postToBot, sign, slashCommand } from '../../../../tools/local/slack-requests.js';

const SECRET = 'receiver-test-signing-secret';
let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A Bolt app on our receiver, with the ack-unhandled middleware, served on a random port. */
async function startApp(register: (app: App) => void, timeoutMs = 2900) {
  const logs = captureLogs('info');
  const receiver = new SlackHttpReceiver({ signingSecret: SECRET, logger: logs.logger, unhandledRequestTimeoutMillis: timeoutMs });
  const app = new App({
    receiver, logger: boltLogger(logs.logger), convoStore: false,
    authorize: async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'UBOT1' }), // no auth.test call
  });
  app.use(ackUnhandled(logs.logger));
  register(app);
  const errors: unknown[] = [];
  app.error(async (err) => void errors.push(err));
  server = await startHttpServer({ metrics: new Registry(), ready: async () => true, slack: receiver.requestListener }, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${server.port}/slack/events`, logs, errors };
}

const command = (text = '') => slashCommand({ command: '/echo', text, user_id: 'U1', trigger_id: 't1' });
const click = (actionId: string) =>
  interaction({ type: 'block_actions', user: { id: 'U1' }, team: { id: 'T1' }, actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: 'v' }] });

describe('signatureProblem', () => {
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);
  const good = sign('body', SECRET, now / 1000)['x-slack-signature']!;

  it('when the signature is Slack\'s for this body and time, then there is no problem', () => {
    expect(signatureProblem(SECRET, 'body', good, ts, now)).toBeUndefined();
  });

  it.each([
    ['no signature', undefined, ts, 'missing'],
    ['no timestamp', good, undefined, 'missing'],
    ['a timestamp that is not a number', good, 'soon', 'not a number'],
    ['a timestamp six minutes old', good, String(now / 1000 - 360), 'stale'],
    ['another signature version', good.replace('v0=', 'v1='), ts, 'version'],
    ['a signature of another body', `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:other`).digest('hex')}`, ts, 'mismatch'],
    ['a truncated signature', good.slice(0, 20), ts, 'mismatch'],
  ])('when the request has %s, then it is refused (%s)', (_name, signature, timestamp, reason) => {
    expect(signatureProblem(SECRET, 'body', signature, timestamp, now)).toContain(reason);
  });
});

describe('SlackHttpReceiver', () => {
  it('when a listener acks with a body, then that is the JSON answer, once; a second ack throws ReceiverMultipleAckError', async () => {
    let second: unknown;
    const { url } = await startApp((app) =>
      app.command('/echo', async ({ ack, command: c }) => {
        await ack({ text: `echo ${c.text}` });
        second = await ack().catch((err: unknown) => err);
      }),
    );
    const res = await postToBot(url, command('hi'), SECRET);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ text: 'echo hi' });
    await expect.poll(() => (second as { code?: string } | undefined)?.code).toBe(ErrorCode.ReceiverMultipleAckError);
  });

  it('when no listener handles the request, then it is acknowledged (200, empty) with a log line', async () => {
    const { url, logs } = await startApp(() => undefined);
    const res = await postToBot(url, click('nobody_listens'), SECRET);
    expect([res.status, res.text]).toEqual([200, '']);
    expect(logs.lines.some((l) => /no listener for this Slack request/.test(String(l.msg)))).toBe(true);
  });

  it('when a listener fails before acking, then the error reaches the app and Slack gets 404 after the timeout, not an empty ack', async () => {
    const { url, errors } = await startApp((app) => app.action('boom', async () => {
      throw new Error('listener failed');
    }), 50);
    const res = await postToBot(url, click('boom'), SECRET);
    expect(res.status).toBe(404);
    expect(errors).toHaveLength(1);
  });

  it('when the request is unsigned, forged or stale, then the answer is 401 and no listener runs', async () => {
    let ran = 0;
    const { url, logs } = await startApp((app) => app.command('/echo', async ({ ack }) => void (ran += 1, await ack())));
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: command().body });
    const forged = await postToBot(url, command(), 'another-secret');
    const stale = await postToBot(url, command(), SECRET, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect([unsigned.status, forged.status, stale.status, ran]).toEqual([401, 401, 401, 0]);
    const reasons = logs.lines.filter((l) => l.msg === 'Slack request refused').map((l) => String(l['reason']));
    expect(reasons).toEqual([expect.stringContaining('missing'), expect.stringContaining('mismatch'), expect.stringContaining('stale')]);
    expect(JSON.stringify(logs.lines)).not.toContain(SECRET);
  });

  it('when the body is signed but not JSON, then the answer is 400 with "Malformed request body"', async () => {
    const { url, logs } = await startApp(() => undefined);
    const res = await postToBot(url, { body: '{"type":', type: 'application/json' }, SECRET);
    expect(res.status).toBe(400);
    expect(logs.lines.some((l) => l.msg === 'Malformed request body')).toBe(true);
  });

  it('when the signed body is a shape a listener would choke on, then it is refused (400) or ignored (200) before the app', async () => {
    const { url, logs } = await startApp(() => undefined);
    const refused = await postToBot(url, { body: 'null', type: 'application/json' }, SECRET);
    const ignored = await postToBot(url, { body: '{"type":"app_rate_limited"}', type: 'application/json' }, SECRET);
    expect([refused.status, ignored.status]).toEqual([400, 200]);
    expect(logs.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['Slack request refused', 'Slack request ignored']));
  });

  it('when Slack checks SSL (unsigned) or verifies the URL (signed), then it gets its answer', async () => {
    const { url } = await startApp(() => undefined);
    const ssl = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=x' });
    const challenge = await postToBot(url, { body: JSON.stringify({ type: 'url_verification', challenge: 'c-123' }), type: 'application/json' }, SECRET);
    expect(ssl.status).toBe(200);
    expect(challenge.json).toEqual({ challenge: 'c-123' });
  });

  it('when the body is larger than the limit, then the answer is 413', async () => {
    const logs = captureLogs('info');
    const receiver = new SlackHttpReceiver({ signingSecret: SECRET, logger: logs.logger, bodyLimit: 100 });
    server = await startHttpServer({ metrics: new Registry(), ready: async () => true, slack: receiver.requestListener }, 0, '127.0.0.1');
    const res = await postToBot(`http://127.0.0.1:${server.port}/slack/events`, { body: JSON.stringify({ pad: 'x'.repeat(200) }), type: 'application/json' }, SECRET);
    expect(res.status).toBe(413);
  });
});
