/**
 * docs/security.md "One SSH key, one partner", through the real bot process (DRY_RUN, signed HTTP,
 * real Redis): a key in another partner's pending request or on another live partner is refused at
 * submission — on the onboarding modal's SSH keys field and on /partner-keys — naming the key and
 * storing nothing; of two submissions racing with one key exactly one is stored; a withdrawal and
 * an offboarding free the key.
 */
import { describe, expect, it } from 'vitest';
import { approveToLive, botPerTest, inThread, requestCard } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { buttonClick, onboardSubmission, radioValue, textValue, viewSubmission } from '../../tools/local/slack-requests.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';
import { fingerprintOf } from '../../src/domain/key-ages.js';

const h = botPerTest({ TRANSFER_SETTLE_SECONDS: '0', POLL_INTERVAL_SECONDS: '86400' });

const body = (key: string) => key.split(' ').slice(0, 2).join(' ');
const errorsOf = (json: unknown) => (json as { errors?: Record<string, string> } | null)?.errors;
const submit = (partnerId: string, sshKeys: string) =>
  h.post(onboardSubmission('UREQUESTER1', { displayName: partnerId, partnerId, contactEmail: `ops@${partnerId}.example`, sshKeys, feeds: ['price-lists'] }));
const cardOf = (partnerId: string) => requestCard(h, `ops@${partnerId}.example`);
const idIn = (call: SlackCall, prefix: 'req' | 'chg') => JSON.stringify(call.body['blocks']).match(new RegExp(`"value":"(${prefix}_[a-z2-7]{26})"`))![1]!;
const stored = async () => ({
  requests: (await h.redis.keys(`${h.config.prefix}:req:req_*`)).length,
  changes: (await h.redis.keys(`${h.config.prefix}:chg:chg_*`)).length,
  index: await h.redis.hgetall(`${h.config.prefix}:sshkeys`),
});

async function onboardLive(partnerId: string, key: string): Promise<string> {
  expect(errorsOf((await submit(partnerId, key)).json)).toBeUndefined();
  return approveToLive(h, await cardOf(partnerId), `a-${partnerId}`);
}

describe('one SSH key, one partner', () => {
  it('when a key is in another partner\'s pending request, then a submission with it (any comment) is refused on the SSH keys field naming the key, nothing is stored, and a withdrawal frees it', async () => {
    const key = ed25519PublicKey('alice@acme');
    const fp = fingerprintOf(body(key))!;
    expect(errorsOf((await submit('acme', key)).json)).toBeUndefined();
    const before = await stored();
    expect(Object.keys(before.index)).toEqual([fp]);

    for (const pasted of [key, `${body(key)} bob@initech`, `  ${body(key)}  `]) {
      const refused = await submit('initech', `${ed25519PublicKey('own')}\n${pasted}`);
      expect(errorsOf(refused.json)).toEqual({
        ssh_keys: `The key \`ssh-ed25519\` \`${fp}\` is already requested for another partner (\`acme\`), pending approval: a key can belong to one partner only, or either could log in as the other. Ask the partner for a key of its own.`,
      });
    }
    expect(await stored()).toEqual(before);
    expect(await h.redis.get(`${h.config.prefix}:pid:initech`)).toBeNull();

    // The requester withdraws acme's request: the key is free for initech.
    const card = await cardOf('acme');
    await h.post(buttonClick('UREQUESTER1', 'request_reject', idIn(card, 'req'), { channel: 'C0APPROVALS', ts: String(card.answer!['ts']) }, h.slack.responseUrl('w')));
    await h.slack.waitFor((c) => c.method === 'chat.update');
    expect((await stored()).index).toEqual({});
    expect(errorsOf((await submit('initech', `${body(key)} bob@initech`)).json)).toBeUndefined();
  });

  it('when two submissions with one key arrive at once, then exactly one is stored and the other is refused on the SSH keys field', async () => {
    const key = ed25519PublicKey();
    const answers = await Promise.all(['acme', 'initech', 'globex', 'umbrella'].map((id) => submit(id, key)));
    const passed = answers.filter((a) => errorsOf(a.json) === undefined);
    expect(passed).toHaveLength(1);
    for (const a of answers.filter((x) => errorsOf(x.json) !== undefined)) {
      expect(errorsOf(a.json)?.['ssh_keys']).toMatch(new RegExp(`^The key \`ssh-ed25519\` \`${fingerprintOf(body(key))!.replace(/[+/]/g, '\\$&')}\` is already requested for another partner`));
    }
    const s = await stored();
    expect(s.requests).toBe(1);
    expect(Object.values(s.index)).toHaveLength(1);
  });

  it('when a key is on a live partner, then a /partner-keys add of it to another partner is refused on add_keys with nothing stored, and once that partner is offboarded the key is free', async () => {
    const key = ed25519PublicKey('acme-laptop');
    const fp = fingerprintOf(body(key))!;
    const acme = await onboardLive('acme', key);
    await onboardLive('initech', ed25519PublicKey('initech'));
    expect((await stored()).index[fp]).toBe('acme');

    const addToInitech = (text: string) => viewSubmission('UREQUESTER1', 'partner_keys_modal', { add_keys: textValue(text) }, JSON.stringify({ partnerId: 'initech' }));
    const before = await stored();
    const refused = await h.post(addToInitech(`${body(key)} copied`));
    expect(refused.json).toEqual({
      response_action: 'errors',
      errors: { add_keys: `The key \`ssh-ed25519\` \`${fp}\` is already registered to another partner (\`acme\`): a key can belong to one partner only, or either could log in as the other. Ask the partner for a key of its own.` },
    });
    expect(await stored()).toEqual(before);
    expect(await h.redis.get(`${h.config.prefix}:chg:open:initech:ssh-keys`)).toBeNull();
    // A new partner cannot have it either.
    expect(errorsOf((await submit('globex', key)).json)?.['ssh_keys']).toMatch(/already registered to another partner \(`acme`\)/);

    // acme is offboarded: its keys are freed, and initech may take this one.
    const offboarded = await h.post(viewSubmission('UREQUESTER1', 'offboard_partner_modal', { partner_id: textValue('acme'), prefix_option: radioValue('keep'), reason: textValue('contract ended') }));
    expect(offboarded.text).toBe('');
    const card = await h.slack.waitFor(inThread(acme, /change_approve/));
    await h.post(buttonClick('UAPPROVER1', 'change_approve', idIn(card, 'chg'), { channel: 'C0APPROVALS', ts: String(card.answer!['ts']) }, h.slack.responseUrl('o')));
    await h.slack.waitFor(inThread(acme, /Offboarding evidence for/), 20_000);
    expect((await stored()).index[fp]).toBeUndefined();
    expect((await h.post(addToInitech(key))).text).toBe('');
    expect((await stored()).index[fp]).toMatch(/^initech:chg_/);
  });
});
