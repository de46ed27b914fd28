/**
 * Pickup deadlines through the worker role's wiring (issue 17 item 3): real Redis, the notify worker
 * on the fake Slack server, Transfer's structured log through CloudWatch Logs (aws-sdk-client-mock,
 * the entries as AWS documents them), an injected clock. A file not picked up by its deadline is
 * looked up in the log first (found: recorded as its pickup; not found: one reminder mentioning the
 * owner, audited); a newer version closes the older deadline; the digest; /partner-status.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { deadlineDeps } from '../../src/container/workers.js';
import { bindUseCases } from '../../src/container/use-cases.js';
import type { Clock } from '../../src/actions/ports.js';
import { postOverdueDigest, sweepDeadlines, type DeadlineDeps } from '../../src/jobs/platform-events/index.js';
import { PickupStore, type DeliveredFile } from '../../src/store/pickups.js';
import { buildPartnerStatus } from '../../src/bot/messages/partner-status.js';
import { until } from '../support/notify-outbox.js';
import { startWorkerRig, type SlackWorkerRig } from '../support/worker-rig.js';
import type { PartnerRecord } from '../../src/domain/partner.js';
import { generateTestKey } from '../unit/domain/ssh-test-keys.js';

const BUCKET = 'partnergate-dist-test';
const DELIVERIES = 'C0DELIVERIES';
const OWNER = 'U0OWNER1';
const T0 = Date.parse('2026-12-06T08:00:00.000Z');
const HOUR = 3_600_000;
const logsMock = mockClient(CloudWatchLogsClient);

let t: SlackWorkerRig;
let now: number;
let deps: DeadlineDeps;
let store: PickupStore;
const clock: Clock = { now: () => new Date(now) };

beforeEach(async () => {
  now = T0;
  t = await startWorkerRig('pkd', {
    slack: true,
    env: { DELIVERIES_CHANNEL: DELIVERIES, DISTRIBUTION_BUCKET: BUCKET, PICKUP_SLA_HOURS: '48', PICKUP_SLA_BY_FEED: 'price-lists=24,compliance=72' },
    overrides: () => ({ logs: new CloudWatchLogsClient({ region: 'eu-west-1' }), clock }),
  });
  deps = { ...deadlineDeps(t.c), pace: async () => undefined };
  store = new PickupStore(t.redis, t.prefix);
});
afterEach(async () => {
  logsMock.reset();
  await t.close();
});

/** A LIVE SFTP partner with its thread's card in Slack; resolves with the card's ts. */
const livePartner = (id: string, over: Partial<PartnerRecord> = {}) => t.livePartner(id, { sshKeys: [`ssh-ed25519 ${generateTestKey('ed25519').base64}`], ...over });

function delivered(partnerId: string, name: string, o: Partial<DeliveredFile> = {}): DeliveredFile {
  return {
    dh: `dh-${partnerId}-${name}-${o.versionId ?? 'v1'}`.padEnd(40, '0'), partnerId, key: `outbound/${partnerId}/${name}`, versionId: 'v1',
    targetKey: `partners/${partnerId}/${name}`, etag: `etag-${name}`, size: 1024, at: new Date(now).toISOString(), feed: 'price-lists', fanout: null, quiet: false, ...o,
  };
}

/** Transfer's structured log entries of one SFTP download, as FilterLogEvents returns them (docs: "Example CloudWatch log entries"). */
function loggedDownload(user: string, key: string, atMs: number, bytesOut: number, session = '9ca9a0e1cec6ad9d') {
  const serverArn = 'arn:aws:transfer:eu-west-1:111122223333:server/s-0123456789abcdef0';
  return {
    logStreamName: `${user}.${session}`, timestamp: atMs, ingestionTime: atMs + 1000, eventId: `ev-${session}-${atMs}`,
    message: JSON.stringify({ path: `/${BUCKET}/${key}`, 'activity-type': 'CLOSE', 'resource-arn': serverArn, 'bytes-out': String(bytesOut), 'session-id': session }),
  };
}

const texts = (ts: string) => t.replies(ts).map((call) => String(call.body['text']));

describe('pickup deadlines', () => {
  it('when a file is not picked up by its feed’s deadline and Transfer’s log shows no download, then one reminder in the thread mentions the owner, audited, counted overdue — once however often the sweep runs', async () => {
    const ts = await livePartner('acme', { owner: OWNER });
    await store.indexDelivery(delivered('acme', 'price-list.csv'));
    logsMock.on(FilterLogEventsCommand).resolves({ events: [], searchedLogStreams: [] });

    expect((await sweepDeadlines(deps)).takenIn).toBe(1);
    now = T0 + 23 * HOUR; // price-lists: 24 h
    expect((await sweepDeadlines(deps)).reminded).toBe(0);
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0);

    now = T0 + 24 * HOUR + 1;
    expect(await sweepDeadlines(deps)).toMatchObject({ reminded: 1, overdue: 1 });
    const [call] = logsMock.commandCalls(FilterLogEventsCommand);
    expect(call!.args[0].input).toMatchObject({
      logGroupName: '/partnergate/sftp', logStreamNamePrefix: 'acme.', startTime: T0, endTime: now,
      filterPattern: `{ ($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE") && $.path = "/${BUCKET}/partners/acme/price-list.csv" }`,
    });
    await until('the reminder', async () => t.replies(ts).length === 1);
    const block = JSON.stringify(t.replies(ts)[0]!.body['blocks']);
    expect(block).toContain(`<@${OWNER}>`);
    expect(block).toContain('`partners/acme/price-list.csv`');
    expect(block).toContain('was not picked up by its deadline');
    expect(block).toContain('Not found in the source of record: Transfer');
    expect(texts(ts)).toEqual(['Not picked up by its deadline: partners/acme/price-list.csv (acme)']);
    expect(t.audits).toEqual([expect.objectContaining({
      type: 'pickup.overdue', partnerId: 'acme',
      details: expect.objectContaining({ targetKey: 'partners/acme/price-list.csv', owner: OWNER, slaHours: 24, sourceOfRecord: expect.objectContaining({ kind: 'not-found' }) }),
    })]);
    expect((await t.c.metrics.pickupsOverdue.get()).values[0]!.value).toBe(1);

    now += HOUR;
    await sweepDeadlines(deps);
    await Promise.all([sweepDeadlines(deps), sweepDeadlines(deps)]);
    await until('the outbox drained', async () => (await t.redis.keys(`${t.prefix}:outbox:*`)).length === 0);
    expect(t.replies(ts)).toHaveLength(1);
    expect(t.audits).toHaveLength(1);
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
  });

  it('when the owner was never set, then the reminder mentions who requested the partner; another feed’s file waits for its own deadline', async () => {
    const ts = await livePartner('acme');
    await t.c.stores.requests.create({
      id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', requestedBy: 'U0REQUESTER', requestedAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + HOUR).toISOString(),
      channel: 'C0APPROVALS', displayName: 'Acme', contactEmail: 'files@acme.example', sshKeys: [], accountId: null, externalId: 'x'.repeat(43),
      feeds: ['compliance'], notes: '', planHash: 'h',
    });
    await store.indexDelivery(delivered('acme', 'audit.pdf', { feed: 'compliance' }));
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await sweepDeadlines(deps);
    now = T0 + 48 * HOUR + 1; // the default, not compliance's 72 h
    expect((await sweepDeadlines(deps)).reminded).toBe(0);
    now = T0 + 72 * HOUR + 1;
    expect((await sweepDeadlines(deps)).reminded).toBe(1);
    await until('the reminder', async () => t.replies(ts).length === 1);
    expect(JSON.stringify(t.replies(ts)[0]!.body['blocks'])).toContain('<@U0REQUESTER>');
  });

  it('when Transfer’s log shows the complete download whose event was lost, then it is recorded as the pickup (SFTP, source log) and no reminder is sent', async () => {
    const ts = await livePartner('acme', { owner: OWNER });
    const file = delivered('acme', 'price-list.csv');
    await store.indexDelivery(file);
    await sweepDeadlines(deps);
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        loggedDownload('acme', 'partners/acme/price-list.csv', T0 + HOUR, 512, 'aaaa0000aaaa0000'), // an interrupted one first
        loggedDownload('acme', 'partners/acme/price-list.csv', T0 + 2 * HOUR, 1024),
        loggedDownload('partnergate-verify-acme', 'partners/acme/price-list.csv', T0 + 3 * HOUR, 1024, 'bbbb'), // a probe's, not the partner's
      ],
    });
    now = T0 + 25 * HOUR;
    expect(await sweepDeadlines(deps)).toMatchObject({ foundInLog: 1, reminded: 0, overdue: 0 });
    const first = await store.firstPickup(file.dh);
    expect(first).toMatchObject({ channel: 'sftp', source: 'log', outcome: 'complete', bytes: 1024, session: '9ca9a0e1cec6ad9d', at: new Date(T0 + 2 * HOUR).toISOString() });
    expect(await store.openDeliveries('acme')).toEqual([]);
    expect(t.audits).toEqual([expect.objectContaining({ type: 'pickup.recorded', details: expect.objectContaining({ source: 'log' }) })]);
    await until('the pickup line', async () => t.replies(ts).length === 1);
    expect(JSON.stringify(t.replies(ts)[0]!.body['blocks'])).toContain("found in Transfer's log; its event was lost");
    now += HOUR;
    expect(await sweepDeadlines(deps)).toMatchObject({ foundInLog: 0, reminded: 0 });
  });

  it('when Transfer’s log shows only a partial download, then the reminder says so; when it cannot be searched, the reminder says that, not "not found"', async () => {
    const ts = await livePartner('acme', { owner: OWNER });
    await store.indexDelivery(delivered('acme', 'a.csv'));
    await store.indexDelivery(delivered('acme', 'b.csv'));
    await sweepDeadlines(deps);
    logsMock.on(FilterLogEventsCommand, { filterPattern: `{ ($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE") && $.path = "/${BUCKET}/partners/acme/a.csv" }` })
      .resolves({ events: [loggedDownload('acme', 'partners/acme/a.csv', T0 + HOUR, 100)] })
      .on(FilterLogEventsCommand, { filterPattern: `{ ($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE") && $.path = "/${BUCKET}/partners/acme/b.csv" }` })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    now = T0 + 25 * HOUR;
    expect(await sweepDeadlines(deps)).toMatchObject({ reminded: 2, overdue: 2 });
    await until('two reminders', async () => t.replies(ts).length === 2);
    const blocks = t.replies(ts).map((r) => JSON.stringify(r.body['blocks']));
    expect(blocks[0]).toContain('only an incomplete download (100 B)');
    expect(blocks[1]).toContain('could not be checked (searching Transfer');
    expect(blocks[1]).toContain('ThrottlingException');
    expect(t.audits.map((a) => (a.details!['sourceOfRecord'] as { kind: string }).kind)).toEqual(['partial', 'unavailable']);
  });

  it('when a newer version of the key is delivered, then the older one’s deadline is closed: no reminder for it, and only the newer is listed as open', async () => {
    const ts = await livePartner('acme', { owner: OWNER });
    const old = delivered('acme', 'price-list.csv', { versionId: 'v1', etag: 'e1' });
    await store.indexDelivery(old);
    await sweepDeadlines(deps);
    now = T0 + 12 * HOUR;
    const newer = delivered('acme', 'price-list.csv', { versionId: 'v2', etag: 'e2', dh: 'dh-newer'.padEnd(40, '0') });
    await store.indexDelivery(newer);
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    expect((await bindUseCases(t.c).partnerStatus({ partnerId: 'acme' }))).toMatchObject({ ok: true, pickups: { openTotal: 1, open: [{ targetKey: 'partners/acme/price-list.csv', deliveredAt: newer.at }] } });

    now = T0 + 24 * HOUR + 1;
    expect(await sweepDeadlines(deps)).toMatchObject({ closed: 1, reminded: 0 });
    expect((await store.openDeliveries('acme')).map((o) => o.dh)).toEqual([newer.dh]);
    now = T0 + 36 * HOUR + 1;
    expect(await sweepDeadlines(deps)).toMatchObject({ reminded: 1 });
    await until('one reminder', async () => t.replies(ts).length === 1);
    expect(t.audits).toEqual([expect.objectContaining({ type: 'pickup.overdue', details: expect.objectContaining({ dh: newer.dh }) })]);
  });

  it('when files are overdue, then the daily digest in DELIVERIES_CHANNEL counts them and lists the oldest, escaped, once a day; a file picked up later leaves it', async () => {
    await livePartner('acme', { owner: OWNER });
    await livePartner('bolt');
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await store.indexDelivery(delivered('acme', '<!channel> *x*.csv'));
    now += 1000;
    await store.indexDelivery(delivered('acme', 'b.csv'));
    await store.indexDelivery(delivered('bolt', 'c.csv'));
    await sweepDeadlines(deps);
    expect(await postOverdueDigest(deps)).toEqual({ posted: false, total: 0 });

    now = T0 + 25 * HOUR;
    expect(await sweepDeadlines(deps)).toMatchObject({ reminded: 3, overdue: 3 });
    expect(await postOverdueDigest(deps)).toEqual({ posted: true, total: 3 });
    expect(await postOverdueDigest(deps)).toEqual({ posted: false, total: 3 });
    const digest = await t.slack.waitFor((call) => call.method === 'chat.postMessage' && call.body['channel'] === DELIVERIES);
    expect(digest.body['thread_ts']).toBeUndefined();
    expect(digest.body['text']).toBe('3 files not picked up by their deadline');
    const blocks = JSON.stringify(digest.body['blocks']);
    expect(blocks).toContain('*3 files not picked up by their deadline*');
    expect(blocks).toContain('By partner: `acme` 2, `bolt` 1');
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).toContain('&lt;!channel&gt;');
    expect((digest.body['blocks'] as unknown[]).length).toBeLessThanOrEqual(50);

    // acme picks up b.csv (its event arrives late): tomorrow's digest has two.
    await store.recordPickup({
      id: 'p-late', eventId: 'e', channel: 'sftp', partnerId: 'acme', targetKey: 'partners/acme/b.csv', etag: 'etag-b.csv', at: new Date(now).toISOString(),
      startedAt: null, bytes: 1024, size: 1024, outcome: 'complete', reason: null, clientIp: null, session: 's',
      delivery: { dh: delivered('acme', 'b.csv').dh, key: 'outbound/acme/b.csv', versionId: 'v1', deliveredAt: new Date(T0).toISOString(), fanout: null },
    }, { line: null, nowMs: now, windowMs: 60_000 });
    now += 24 * HOUR;
    expect(await postOverdueDigest(deps)).toEqual({ posted: true, total: 2 });
    expect((await sweepDeadlines(deps)).overdue).toBe(2);
  });

  it('when /partner-status is asked, then it lists the files not picked up with their deadlines (overdue marked) and the last pickup', async () => {
    await livePartner('acme', { owner: OWNER });
    await store.indexDelivery(delivered('acme', 'late.csv'));
    now = T0 + 30 * HOUR;
    await store.indexDelivery(delivered('acme', 'fresh.csv'));
    const status = await bindUseCases(t.c).partnerStatus({ partnerId: 'acme' });
    if (!status.ok) throw new Error(status.message);
    expect(status.pickups).toMatchObject({ openTotal: 2, last: null, open: [{ targetKey: 'partners/acme/late.csv', overdue: true }, { targetKey: 'partners/acme/fresh.csv', overdue: false, deadlineMs: now + 24 * HOUR }] });
    const blocks = JSON.stringify(buildPartnerStatus(status.partner, status.deliveries, undefined, undefined, status.pickups).blocks);
    expect(blocks).toContain('*Not picked up: 2*');
    expect(blocks).toContain('`partners/acme/late.csv` — OVERDUE since');
    expect(blocks).toContain('`partners/acme/fresh.csv` — due');
    expect(blocks).toContain('*Last pickup*\\nnone yet');
  });
});
