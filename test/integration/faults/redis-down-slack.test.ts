/**
 * Fault: Redis does not answer while Slack requests arrive (the web half alone, on a redis-server of
 * the test's own, shut down). A command and a button are acknowledged (their replay check comes
 * after the ack) and the person is told, at the response_url, that nothing was run; a modal
 * submission's answer carries the same on its first field. Nothing runs. (docs/architecture.md
 * "The Slack path, in order")
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBot, type Harness } from '../../support/bot-harness.js';
import { startOwnRedis, type OwnRedis } from '../../support/redis-server.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission, slashCommand } from '../../../tools/local/slack-requests.js';
import { REPLAY_CHECK_UNAVAILABLE } from '../../../src/bot/replay.js';

let h: Harness | undefined;
let server: OwnRedis | undefined;
let down = false;
afterEach(async () => {
  if (down) await server?.start(); // so the bot's connections close cleanly
  down = false;
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

describe('fault: Redis down on the Slack path', () => {
  it('when Redis is down, then a command and a button get their ack and a reason at their response_url, a submission the reason on its first field, and nothing runs', async () => {
    server = await startOwnRedis();
    h = await startBot({ REDIS_URL: server.url, APPROVERS: 'UAPPROVER1,UAPPROVER2' }, { web: true, worker: false });
    const bot = h;
    await server.shutdown();
    down = true;

    const command = await bot.post(slashCommand({
      command: '/onboard-partner', text: 'Down Corp', user_id: 'UREQ1', trigger_id: 'trig-down', response_url: bot.slack.responseUrl('command'),
    }));
    const click = await bot.post(buttonClick('UAPPROVER1', 'request_approve', 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', { channel: 'C0APPROVALS', ts: '1700000000.000100' }, bot.slack.responseUrl('button')));
    const submission = await bot.post(onboardSubmission('UREQ1', {
      displayName: 'Down Corp', partnerId: 'down-corp', contactEmail: 'files@down.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'],
    }));

    expect([command.status, command.json, click.status, click.json, submission.status]).toEqual([200, null, 200, null, 200]);
    const errors = (submission.json as { response_action: string; errors: Record<string, string> });
    expect(errors.response_action).toBe('errors');
    expect(Object.values(errors.errors)).toEqual([REPLAY_CHECK_UNAVAILABLE]);
    for (const id of ['command', 'button']) {
      const answer = await bot.slack.waitFor((c) => c.method === 'respond' && c.respondId === id);
      expect([answer.body['response_type'], answer.body['text']]).toEqual(['ephemeral', REPLAY_CHECK_UNAVAILABLE]);
    }
    expect(bot.slack.calls().filter((c) => !['auth.test', 'users.info', 'respond'].includes(c.method))).toEqual([]);
  });
});
