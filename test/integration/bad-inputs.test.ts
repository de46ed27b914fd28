/**
 * The bad-input suite: every hostile or malformed input in test/fixtures/bad-inputs/ goes through
 * the real app over signed HTTP (startBot), or through the domain function it targets (outbound
 * keys). Each gets a clear error (the specific message or field is asserted) or is ignored with a
 * log line; afterwards the process still answers, nothing was stored, provisioned or posted beyond
 * the expected answers. The count of inputs is printed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCard, requestIdOf, startBot, type Harness } from '../support/bot-harness.js';
import { ed25519PublicKey } from '../../tools/local/ssh-keys.js';
import { captureLogs, type LogCapture, type LogLine } from '../support/log-capture.js';
import { HOSTILE_SSH_KEYS } from '../support/hostile-ssh-keys.js';
import {
  event,
  interaction,
  onboardSubmission,
  slashCommand,
  type PostResult,
} from '../../tools/local/slack-requests.js';
import { checkObjectKey } from '../../src/domain/outbound-key.js';
import { routeOutboundKey } from '../../src/domain/routing.js';
import { PARTNER_ID_PATTERN } from '../../src/domain/partner-id.js';
import { QUEUE_NAMES } from '../../src/jobs/platform/queues.js';

// ---- the corpus -------------------------------------------------------------------------------

type Fields = Parameters<typeof onboardSubmission>[1];
type Raw = { body: string; type: string };
interface Expect {
  status: number;
  errors?: Record<string, string>;
  ephemeral?: string;
  to?: string;
  log?: string;
  reason?: string;
  ignored?: boolean;
}
interface ModalInput { name: string; fields: Fields; errors: Record<string, string> }
interface SshInput { name: string; sshKeys?: string; generate?: string; error: string }
interface CommandInput { name: string; command: string; text: string; expect: { modal?: boolean; respond?: string } }
interface PayloadInput { name: string; payload?: Record<string, unknown>; raw?: Raw; expect: Expect }
interface EventInput { name: string; event?: Record<string, unknown>; raw?: Raw; expect: Expect }
interface KeyInput { name: string; key: string; route: string; problem?: string }

const corpus = <T>(file: string): T[] =>
  (JSON.parse(readFileSync(new URL(`../fixtures/bad-inputs/${file}`, import.meta.url), 'utf8')) as { inputs: T[] }).inputs;

const partnerIds = corpus<ModalInput>('modal-partner-ids.json');
const modalFields = corpus<ModalInput>('modal-fields.json');
const sshKeys = corpus<SshInput>('ssh-keys.json');
const commands = corpus<CommandInput>('commands.json');
const interactions = corpus<PayloadInput>('interactions.json');
const events = corpus<EventInput>('events.json');
const outboundKeys = corpus<KeyInput>('outbound-keys.json');

const FEEDS = ['price-lists', 'parts-catalogs', 'compliance'];
const REQUESTER = 'UREQUESTER1';
const tried = new Map<string, number>();
const count = (kind: string) => tried.set(kind, (tried.get(kind) ?? 0) + 1);

// ---- the running app --------------------------------------------------------------------------

let h: Harness;
let logs: LogCapture;
let seed: { requestId: string; cardTs: string; posts: number };
let ed25519: string;
/** Ephemeral answers the corpus expects, each to be seen exactly once. */
const expectedEphemerals: { user: string; text: RegExp }[] = [];
let unique = 0;

beforeAll(async () => {
  logs = captureLogs('info');
  h = await startBot({ APPROVERS: 'UAPPROVER1,UAPPROVER2' }, { web: true, worker: true }, { logger: logs.logger });
  ed25519 = ed25519PublicKey();
  // One real, pending request for the buttons and reactions of the corpus to aim at.
  const res = await h.post(onboardSubmission(REQUESTER, {
    displayName: 'Seed Partner', partnerId: 'seed-partner', contactEmail: 'files@seed.example', sshKeys: ed25519, feeds: ['price-lists'],
  }));
  expect(res.status).toBe(200);
  const card = await requestCard(h);
  await drained();
  seed = { requestId: requestIdOf(card), cardTs: String(card.answer!['ts']), posts: h.slack.calls('chat.postMessage').length };
  expect(seed.posts).toBeGreaterThan(1); // the card and its plan thread
});

afterAll(async () => {
  await h?.close();
});

/** Waits until the notify queue has sent everything queued (no outbox left, no job pending). */
async function drained(): Promise<void> {
  const queue = h.queue(QUEUE_NAMES.notify);
  for (let i = 0; i < 500; i += 1) {
    const pending = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    const outboxes = await h.redis.keys(`${h.config.prefix}:outbox:*`);
    if (Object.values(pending).every((n) => n === 0) && outboxes.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the notify queue did not drain');
}

/** Replaces the placeholders of the corpus with the seeded request's values, everywhere. */
function fill<T>(value: T): T {
  const text = JSON.stringify(value)
    .replaceAll('$REQUEST_ID_UPPER', seed.requestId.toUpperCase())
    .replaceAll('$REQUEST_ID', seed.requestId)
    .replaceAll('$REQUESTER', REQUESTER)
    .replaceAll('$CARD_TS', seed.cardTs)
    .replaceAll('$RESPONSE_URL', h.slack.responseUrl(`bad-${unique}`))
    .replaceAll('$ED25519', ed25519);
  return JSON.parse(text) as T;
}

const validFields = (overrides: Fields): Fields => ({
  displayName: 'Bad Input Partner', partnerId: 'bad-input-partner', contactEmail: 'files@partner.example',
  sshKeys: ed25519, feeds: ['price-lists'], notes: 'from the bad-input suite', ...overrides,
});

/** A modal submission: answered inline with exactly these blocks in error, each message matching. */
async function expectInlineErrors(fields: Fields, errors: Record<string, string>): Promise<void> {
  const res = await h.post(onboardSubmission('UREQ9', fields));
  expect(res.status).toBe(200);
  const answer = res.json as { response_action?: string; errors?: Record<string, string> } | null;
  expect(answer?.response_action).toBe('errors');
  expect(Object.keys(answer!.errors!).sort()).toEqual(Object.keys(errors).sort());
  for (const [block, pattern] of Object.entries(errors)) expect(answer!.errors![block]).toMatch(new RegExp(pattern));
}

/** The HTTP answer and the one effect the corpus names for an interaction or event. */
async function expectOutcome(res: PostResult, e: Expect, logFrom: number): Promise<void> {
  expect(res.status).toBe(e.status);
  if (e.errors) {
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors!).sort()).toEqual(Object.keys(e.errors).sort());
    for (const [block, pattern] of Object.entries(e.errors)) expect(answer.errors![block]).toMatch(new RegExp(pattern));
  } else if (e.status === 200 && res.text !== '') {
    expect(res.json).not.toHaveProperty('response_action'); // nothing but a plain ack
  }
  if (e.log) {
    const pattern = new RegExp(e.log);
    const line = await logs.waitFor((l: LogLine) => pattern.test(String(l.msg ?? '')), logFrom);
    if (e.reason) expect(String(line['reason'])).toMatch(new RegExp(e.reason));
  }
  if (e.ephemeral) {
    const text = new RegExp(e.ephemeral);
    const user = e.to!;
    expectedEphemerals.push({ user, text });
    await h.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === user && text.test(String(c.body['text'])));
  }
}

// ---- the suite --------------------------------------------------------------------------------

describe('bad inputs: onboarding modal submissions', () => {
  it.each(partnerIds.map((i) => [i.name, i] as const))('when the partner id is hostile (%s), then the partner_id block says why', async (_n, input) => {
    count('modal: partner id');
    await expectInlineErrors(validFields({ partnerId: input.fields.partnerId as string }), input.errors);
  });

  it.each(modalFields.map((i) => [i.name, i] as const))('when a field is bad (%s), then exactly that block says why', async (_n, input) => {
    count('modal: other fields');
    await expectInlineErrors(validFields(input.fields), input.errors);
  });

  it.each(sshKeys.map((i) => [i.name, i] as const))('when the SSH keys are of a wrong kind (%s), then ssh_keys says why', async (_n, input) => {
    count('modal: SSH keys');
    const text = input.generate ? HOSTILE_SSH_KEYS[input.generate]!() : input.sshKeys!;
    await expectInlineErrors(validFields({ sshKeys: text }), { ssh_keys: input.error });
  });
});

describe('bad inputs: slash commands', () => {
  it.each(commands.map((i) => [i.name, i] as const))('when a command carries hostile text (%s), then the answer is safe and specific', async (_n, input) => {
    count('commands');
    unique += 1;
    const id = `cmd-${unique}`;
    const res = await h.post(slashCommand({ command: input.command, text: input.text, user_id: 'UAPPROVER1', trigger_id: `trig-${id}`, response_url: h.slack.responseUrl(id) }));
    expect(res.status).toBe(200);
    if (input.expect.modal) {
      const open = await h.slack.waitFor((c) => c.method === 'views.open' && c.body['trigger_id'] === `trig-${id}`);
      const blocks = (open.body['view'] as { blocks: { block_id?: string; element?: { initial_value?: string } }[] }).blocks;
      const suggested = blocks.find((b) => b.block_id === 'partner_id')?.element?.initial_value;
      if (suggested !== undefined) expect(suggested).toMatch(PARTNER_ID_PATTERN);
      expect([...(blocks.find((b) => b.block_id === 'display_name')?.element?.initial_value ?? '')].length).toBeLessThanOrEqual(80);
    } else {
      const answer = await h.slack.waitFor((c) => c.method === 'respond' && c.respondId === id);
      expect(answer.body['response_type']).toBe('ephemeral');
      expect(String(answer.body['text'])).toMatch(new RegExp(input.expect.respond!));
    }
  });
});

describe('bad inputs: interaction payloads', () => {
  it.each(interactions.map((i) => [i.name, i] as const))('when an interaction is hostile or malformed (%s), then it is refused or ignored', async (_n, input) => {
    count('interactions');
    unique += 1;
    const logFrom = logs.lines.length;
    // A distinct trigger_id per input, so no two inputs are taken for a replay of one another.
    const request = input.raw ? fill(input.raw) : interaction({ ...fill(input.payload!), trigger_id: `trig-bad-${unique}` });
    await expectOutcome(await h.post(request), fill(input.expect), logFrom);
  });
});

describe('bad inputs: Events API bodies', () => {
  it.each(events.map((i) => [i.name, i] as const))('when an event body is hostile or malformed (%s), then it is refused or ignored', async (_n, input) => {
    count('events');
    const logFrom = logs.lines.length;
    const request = input.raw ? fill(input.raw) : event(fill(input.event!));
    await expectOutcome(await h.post(request), fill(input.expect), logFrom);
  });
});

describe('bad inputs: outbound object keys', () => {
  it.each(outboundKeys.map((i) => [i.name, i] as const))('when a dropped key is hostile (%s), then it is unroutable for the stated reason', (_n, input) => {
    count('outbound keys');
    const route = routeOutboundKey(input.key, { outboundPrefix: 'outbound/', feeds: FEEDS });
    expect(route).toMatchObject({ kind: 'unroutable', code: input.route });
    if (input.problem) expect(checkObjectKey(input.key)).toBe(input.problem);
  });
});

describe('bad inputs: afterwards', () => {
  it('when the whole corpus has been sent, then the app still answers, nothing was stored, provisioned or posted beyond the answers', async () => {
    // Still alive, and still doing its job.
    expect((await fetch(h.url.replace('/slack/events', '/healthz'))).status).toBe(200);
    // A key of its own: the seed's is requested for the seed partner (one SSH key, one partner).
    const ok = await h.post(onboardSubmission('UREQ8', validFields({ partnerId: 'after-the-corpus', sshKeys: ed25519PublicKey() })));
    expect(ok.json).toBeNull();
    await requestCard(h, 'after-the-corpus');
    await drained();

    // Stored: the seed and the final valid request only.
    const prefix = h.config.prefix;
    const held = (await h.redis.keys(`${prefix}:pid:*`)).map((k) => k.slice(prefix.length + 5)).sort();
    expect(held).toEqual(['after-the-corpus', 'seed-partner']);
    expect((await h.redis.keys(`${prefix}:req:req_*`)).length).toBe(2);
    expect(await h.redis.keys(`${prefix}:partner:*`)).toEqual([]);
    expect(await h.redis.hget(`${prefix}:req:${seed.requestId}`, 'status')).toBe('pending');

    // Provisioned or delivered: nothing.
    for (const name of [QUEUE_NAMES.provision, QUEUE_NAMES.verify, QUEUE_NAMES.deliver, QUEUE_NAMES.dispatch]) {
      expect(await h.queue(name).getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized')).toBe(0);
    }

    // Posted: the seed's card and thread, the final request's, the expected ephemerals; no update.
    expect(h.slack.calls('chat.postMessage')).toHaveLength(2 * seed.posts); // the final request posts what the seed posted
    expect(h.slack.calls('chat.update')).toEqual([]);
    const ephemerals = h.slack.accepted('chat.postEphemeral');
    expect(ephemerals).toHaveLength(expectedEphemerals.length);
    for (const want of expectedEphemerals) {
      expect(ephemerals.some((c) => c.body['user'] === want.user && want.text.test(String(c.body['text'])))).toBe(true);
    }
    expect(await h.redis.llen(`${prefix}:notify:dead`)).toBe(0);

    // The count.
    const total = [...tried.values()].reduce((a, b) => a + b, 0);
    const inFixtures = [partnerIds, modalFields, sshKeys, commands, interactions, events, outboundKeys].reduce((n, list) => n + list.length, 0);
    expect(total).toBe(inFixtures);
    expect(total).toBeGreaterThanOrEqual(200);
    console.log(`bad-input corpus: ${total} inputs (${[...tried].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  });
});
