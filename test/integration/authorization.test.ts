/**
 * The authorization table at the gate, through the real bot process over signed HTTP: a guest of
 * the workspace (users.info says is_restricted) is refused every command, modal, button and the
 * approval reaction, with an answer that says who may, and nothing happens; full members may ask;
 * approvers may approve. Finding 1 of issue 15.
 */
import { describe, expect, it } from 'vitest';
import { botPerTest, GUEST, requestCard, requestIdOf } from '../support/bot-harness.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { buttonClick, event, onboardSubmission, slashCommand } from '../../tools/local/slack-requests.js';

/** Each test's own log capture: a test counts the lines its own requests logged. */
let logs: LogCapture;
const h = botPerTest(() => [{}, { web: true, worker: true }, { logger: (logs = captureLogs()).logger }]);

const requestKeys = async () => (await h.redis.keys(`${h.config.prefix}:req*`)).sort();
const refusedLine = (capability: string, entry: string) => (l: Record<string, unknown>) =>
  l['msg'] === 'access refused' && l['actor'] === GUEST && l['capability'] === capability && l['entry'] === entry;

describe('the gate in front of every use case', () => {
  it('when a guest runs a command, then it is refused ephemerally, naming who may, and no modal opens', async () => {
    for (const [command, capability] of [['/onboard-partner', 'request'], ['/partner-status', 'view'], ['/offboard-partner', 'request'], ['/partner-keys', 'request'], ['/resend-file', 'resend']] as const) {
      const id = `g${command.slice(1)}`;
      await h.post(slashCommand({ command, text: 'acme', user_id: GUEST, trigger_id: `trig.${id}`, response_url: h.slack.responseUrl(id) }));
      const answer = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === id);
      expect(JSON.stringify(answer.body)).toMatch(/Only (full members of the workspace \(not guests\)|approvers \(<@UAPPROVER1> or <@UAPPROVER2>\) and re-senders) may .*Nothing was done\./);
      expect(JSON.stringify(answer.body)).not.toMatch(/RESENDERS|APPROVERS/);
      await logs.waitFor(refusedLine(capability, `command:${command}`));
    }
    expect(h.slack.calls('views.open')).toEqual([]);
  });

  it('when a guest submits the onboarding modal, then the modal shows the refusal and no request is stored', async () => {
    const res = await h.post(onboardSubmission(GUEST, { displayName: 'Acme', partnerId: 'acme', contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'] }));
    const errors = (res.json as { response_action: string; errors: Record<string, string> }).errors;
    expect((res.json as { response_action: string }).response_action).toBe('errors');
    expect(Object.values(errors)).toEqual([expect.stringContaining('Only full members of the workspace (not guests) may ask for a partner to be onboarded')]);
    expect(await requestKeys()).toEqual([]);
    await logs.waitFor(refusedLine('request', 'modal:onboard_partner_modal'));
  });

  it('when a guest clicks Approve or reacts on a card, then nothing is decided and the guest is told why', async () => {
    await h.post(onboardSubmission('UREQUESTER1', { displayName: 'Acme', partnerId: 'acme', contactEmail: 'ops@acme.example', sshKeys: ed25519PublicKey(), feeds: ['price-lists'] }));
    const card = await requestCard(h);
    const ts = String(card.answer!['ts']);
    const requestId = requestIdOf(card);

    await h.post(buttonClick(GUEST, 'request_approve', requestId, { channel: 'C0APPROVALS', ts }, h.slack.responseUrl('b')));
    await h.post(event({ type: 'reaction_added', user: GUEST, reaction: 'white_check_mark', item: { type: 'message', channel: 'C0APPROVALS', ts }, event_ts: ts }));
    await logs.waitFor(refusedLine('decide', 'button:request_approve'));
    await logs.waitFor(refusedLine('decide', 'reaction:white_check_mark'));
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === GUEST && String(c.body['text']).includes('Only full members'));
    expect(await h.redis.hget(`${h.config.prefix}:req:${requestId}`, 'status')).toBe('pending');
  });

  it('when a full member who is no approver presses Retry, Re-apply or Resend, or runs /resend-file, then the gate refuses it before any use case looks', async () => {
    const member = 'UREQUESTER1';
    const presses = [['provision_retry', 'retry'], ['verify_retry', 'retry'], ['drift_reapply', 'reapply'], ['delivery_resend', 'resend']] as const;
    for (const [action, capability] of presses) {
      await h.post(buttonClick(member, action, 'acme', { channel: 'C0APPROVALS', ts: '1700000000.000100' }, h.slack.responseUrl(action)));
      await logs.waitFor((l) => l['msg'] === 'access refused' && l['actor'] === member && l['capability'] === capability && l['entry'] === `button:${action}`);
    }
    await h.post(slashCommand({ command: '/resend-file', text: 'acme prices.csv', user_id: member, response_url: h.slack.responseUrl('resend-cmd') }));
    const answer = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === 'resend-cmd');
    expect(JSON.stringify(answer.body)).toContain('Only approvers (<@UAPPROVER1> or <@UAPPROVER2>) and re-senders may re-send files. Nothing was done. Ask one of them');
    expect(logs.lines.filter((l) => l['msg'] === 'access refused' && l['actor'] === member)).toHaveLength(presses.length + 1);
  });

  it('when a full member who is no approver asks, then the gate lets the request through to the two-person rule', async () => {
    await h.post(slashCommand({ command: '/onboard-partner', text: 'Acme', user_id: 'UREQUESTER1', trigger_id: 'trig.member' }));
    await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === 'trig.member');
    expect(logs.lines.filter((l) => l['msg'] === 'access refused')).toEqual([]);
  });
});
