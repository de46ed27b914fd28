/**
 * SLACK_TEAM_ID: the bot serves one workspace. A signed request from another workspace (an app
 * installed twice, or a token shared across workspaces) is acknowledged and has no effect.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest } from '../support/bot-harness.js';
import { buttonClick, slashCommand, type SlackRequest } from '../../tools/local/slack-requests.js';
import { until } from '../support/notify-outbox.js';

const h = botPerTest({ SLACK_TEAM_ID: 'T0TEAM' }, { web: true, worker: false });

/** The same request as sent from another workspace. */
const foreign = (request: SlackRequest): SlackRequest => ({ ...request, body: request.body.replaceAll('T0TEAM', 'T0OTHER') });

describe('one workspace', () => {
  it('when a command comes from another workspace, then it is answered 200 and nothing happens; from ours, the modal opens', async () => {
    const command = slashCommand({ command: '/onboard-partner', text: 'Globex', user_id: 'UREQUESTER1', trigger_id: 'trig-foreign' });
    const refused = await h.post(foreign(command));
    expect(refused.status).toBe(200);
    const served = await h.post(slashCommand({ command: '/onboard-partner', text: 'Globex', user_id: 'UREQUESTER1', trigger_id: 'trig-ours' }));
    expect(served.status).toBe(200);
    await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig-ours');
    expect(h.slack.calls('views.open').map((c) => c.body['trigger_id'])).toEqual(['trig-ours']);
  });

  it('when an approval click comes from another workspace, then nothing is decided or answered; from ours, the refusal is queued', async () => {
    const click = (ts: string) => buttonClick('UAPPROVER2', 'request_approve', 'req_' + 'a'.repeat(26), { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('x'));
    const outbox = () => h.redis.keys(`${h.config.prefix}:outbox:*`);
    expect((await h.post(foreign(click('1.000001')))).status).toBe(200);
    expect((await h.post(click('1.000002'))).status).toBe(200);
    // Ours is answered ("nothing to decide", ephemerally through the queue); the foreign one, sent first, never is.
    await until('our refusal is queued', async () => (await outbox()).length > 0);
    const queued = await Promise.all((await outbox()).map((key) => h.redis.lrange(key, 0, -1)));
    expect(queued.flat()).toHaveLength(1);
    expect(queued.flat()[0]).toContain('1.000002');
  });
});
