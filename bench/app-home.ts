/**
 * Benchmark 10: the App Home at 10,000 partners (docs/app-home.md). The home worker with its
 * production settings (a 5 s window per person, changes built 1 s after, views.publish paced at one
 * every 700 ms after a burst of 5), in this process, against the fake Slack and the real Redis.
 *
 * 1. `--partners` partner records (two SSH keys, feeds, an account on every other one) are saved
 *    through the registry (one SSH key each), each with a last delivery, a last pickup, a thread; a few overdue files.
 * 2. Opening the tab, `--rounds` times: the snapshot read from the stores (shared by everyone), the
 *    details of the partners one Home lists, the view built, and from the mark to Slack's answer
 *    through the queue — one views.publish each (goal: build < 200 ms).
 * 3. A burst of changes: `--viewers` more people open the tab (the openers of 2 are viewers too), all
 *    on the first page; one of its partners
 *    changes (and the bot says so in Slack) every `--change-ms` for `--seconds`: views.publish calls a
 *    minute, in all and per person.
 *
 *   npm run bench:home  [-- --partners 10000 --rounds 10 --viewers 20 --seconds 60 --change-ms 50]
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import * as webApi from '@slack/web-api';
import { createLogger } from '../src/logger.js';
import { buildHomeView, detailsWanted, homeSelection } from '../src/bot/messages/home.js';
import { homeViewFor, readHomeDetails, readHomeSnapshot, sharedSnapshot } from '../src/actions/home/index.js';
import { createHomeQueue, createHomeWorker, markHome } from '../src/jobs/home/index.js';
import { createNotifySlackClient } from '../src/jobs/notify/index.js';
import { ChangeRequestStore } from '../src/store/change-requests.js';
import { DeliveryStore } from '../src/store/deliveries.js';
import { HomeStore } from '../src/store/home.js';
import { msgrefKey, resolveRefs } from '../src/store/message-refs.js';
import { PartnerStore } from '../src/store/partners.js';
import { DeadlineStore } from '../src/store/pickup-deadlines.js';
import { PickupStore, pickupKeys } from '../src/store/pickups.js';
import { RequestStore } from '../src/store/requests.js';
import { RunStore } from '../src/store/runs.js';
import { approvalSeals, parseApprovalSigningKey } from '../src/domain/approval-seal.js';
import type { PartnerRecord } from '../src/domain/partner.js';
import { startFakeSlack } from '../tools/local/fake-slack.js';
import { createTestRedis, deleteKeysUnder } from '../tools/local/redis.js';
import { testPrefix, TEST_APPROVAL_SIGNING_KEY } from '../tools/local/env.js';
import { ed25519PublicKey } from '../tools/local/ssh-keys.js';
import { percentile, pool, report, round } from './lib.js';

const { values: args } = parseArgs({
  options: {
    partners: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '10' }, viewers: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' }, 'change-ms': { type: 'string', default: '50' },
  },
});
const PARTNERS = Number(args.partners);
const ROUNDS = Number(args.rounds);
const VIEWERS = Number(args.viewers);
const SECONDS = Number(args.seconds);
const CHANGE_MS = Number(args['change-ms']);
const AT = new Date().toISOString();

const slack = await startFakeSlack();
const redis = createTestRedis();
const workerRedis = createTestRedis();
const prefix = testPrefix('bench-home');
const partners = new PartnerStore(redis, prefix);
const parsedKey = parseApprovalSigningKey(TEST_APPROVAL_SIGNING_KEY);
if (!parsedKey.ok) throw new Error(parsedKey.problem);
const seals = approvalSeals(parsedKey.key);
const clock = { now: () => new Date() };
const readDeps = {
  clock, partners, deliveries: new DeliveryStore(redis, prefix),
  lastPickups: (ids: readonly string[]) => new PickupStore(redis, prefix).lastPickupTimes(ids),
  overdueMembers: () => new DeadlineStore(redis, prefix).overdueMembers(),
  requests: new RequestStore(redis, prefix, seals), changes: new ChangeRequestStore(redis, prefix, seals),
  failures: (kind: 'provision' | 'verify', ids: readonly string[]) => new RunStore(redis, prefix).failures(kind, ids),
  threads: (refs: readonly string[]) => resolveRefs(redis, prefix, refs),
  reviewsDue: async () => [],
};
const store = new HomeStore(redis, prefix);
const directories = { approvers: { isApprover: async () => true }, members: { isMember: async () => true } };
const queue = createHomeQueue(redis, prefix);

const record = (n: number, name = `Partner ${n} — a dealer of the northern region`): PartnerRecord => ({
  partnerId: `partner-${String(n).padStart(5, '0')}`, requestId: `req_${n}`, displayName: name, contactEmail: `files-${n}@dealer.example`,
  accountId: n % 2 ? '123456789012' : null, externalId: `ext-${n}-${'x'.repeat(40)}`, feeds: ['price-lists', 'catalogs'], sshKeys: [],
  status: n % 500 === 0 ? 'quarantined' : n % 997 === 0 ? 'provision_failed' : 'live', steps: ['preflight', 'transfer-user', 'ssh-keys', 'registry'],
  threadRef: `card:req_${n}`, channel: 'C0APPROVALS', approvedBy: 'UAPPROVER1', provisionedAt: AT, verifiedAt: AT, provenAt: AT,
  transferUserCreatedAt: AT, dryRun: false, updatedAt: AT,
});

// 1. The registry and what the Home reads beside it.
const seedStarted = Date.now();
const pk = pickupKeys(prefix);
await pool(PARTNERS, 32, async (n) => {
  const r = record(n);
  await partners.save({ ...r, sshKeys: [ed25519PublicKey()] });
  await redis
    .multi()
    .hset(`${prefix}:dl:last-delivered`, r.partnerId, AT)
    .set(pk.last(r.partnerId), JSON.stringify({ at: AT, partnerId: r.partnerId, channel: 'sftp', outcome: 'complete', key: `partners/${r.partnerId}/prices.csv` }))
    .set(msgrefKey(prefix, r.threadRef), JSON.stringify({ channel: 'C0APPROVALS', ts: `17645832${String(n).padStart(2, '0')}.000100` }))
    .exec();
  if (n % 50 === 0) await redis.zadd(`${prefix}:pk:overdue`, Date.now(), `${r.partnerId}\tdh${n}`);
});
const seedMs = Date.now() - seedStarted;

const shared = sharedSnapshot(() => readHomeSnapshot(readDeps), 500);
const worker = createHomeWorker({
  redis: workerRedis, prefix, logger: createLogger('warn'),
  slack: createNotifySlackClient('xoxb-bench', { slackApiUrl: slack.apiUrl, logLevel: webApi.LogLevel.ERROR }),
  // As the container wires it: one snapshot shared by everyone published within 500 ms.
  viewFor: (user) => homeViewFor({ snapshot: shared, details: (wanted) => readHomeDetails(readDeps, wanted), store, ...directories }, user),
});

// 2. Opening the tab.
const readMs: number[] = [];
const detailsMs: number[] = [];
const buildMs: number[] = [];
const openMs: number[] = [];
let blocks = 0;
let bytes = 0;
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  const snapshot = await readHomeSnapshot(readDeps);
  readMs.push(performance.now() - t);
  const viewer = { user: 'UAPPROVER9', member: true, approver: true };
  const state = { idPrefix: null, status: null, page: i };
  t = performance.now();
  const details = await readHomeDetails(readDeps, detailsWanted(snapshot, homeSelection(snapshot, viewer, state)));
  detailsMs.push(performance.now() - t);
  t = performance.now();
  const view = buildHomeView({ snapshot, details, viewer, state, notice: null });
  buildMs.push(performance.now() - t);
  blocks = view.blocks.length;
  bytes = JSON.stringify(view).length;
  const user = `UOPEN${i}`;
  await store.opened(user, Date.now());
  const before = slack.calls('views.publish').length;
  const started = Date.now();
  await markHome({ redis, prefix, queue }, [user], { now: true });
  const call = await slack.waitFor((c) => c.method === 'views.publish' && c.ok && c.body['user_id'] === user, 30_000);
  openMs.push(call.at - started);
  if (slack.calls('views.publish').length - before !== 1) throw new Error('expected one views.publish per open');
  await sleep(800); // under the pace: each open measured on its own
}

// 3. A burst of changes with VIEWERS people looking.
const viewers = Array.from({ length: VIEWERS }, (_, i) => `UVIEW${i}`);
for (const v of viewers) await store.opened(v, Date.now());
await markHome({ redis, prefix, queue }, viewers, { now: true });
await slack.waitForCount((c) => c.method === 'views.publish' && c.ok && String(c.body['user_id']).startsWith('UVIEW'), VIEWERS, 60_000);
await sleep(6000);
const burstStart = Date.now();
let changes = 0;
while (Date.now() - burstStart < SECONDS * 1000) {
  const n = changes % 20; // a partner on the first page: every change is one the viewers see
  await partners.save(record(n, `Partner ${n} renamed ${changes}`));
  await markHome({ redis, prefix, queue }, 'viewers', { now: false }); // what every notify does
  changes += 1;
  await sleep(CHANGE_MS);
}
const burstEnd = Date.now();
await sleep(8000); // what was due at the end goes out (TAIL_MS)
// Every viewer is re-published: the burst's people and the earlier openers (the tab opened within 7 days).
const everyone = await store.viewers(0);
const publishes = slack.calls('views.publish').filter((c) => c.at >= burstStart && c.ok);
const TAIL_MS = 8000;
const minutes = (burstEnd + TAIL_MS - burstStart) / 60_000;
const perMinute: number[] = [];
for (let s = burstStart; s + 60_000 <= burstEnd + TAIL_MS; s += 5000) perMinute.push(publishes.filter((c) => c.at >= s && c.at < s + 60_000).length);
const perViewer = everyone.map((v) => publishes.filter((c) => c.body['user_id'] === v).length);
const limited = slack.calls('views.publish').filter((c) => c.status === 429).length;

report('app-home', {
  partners: PARTNERS, seedSeconds: round(seedMs / 1000),
  open: {
    rounds: ROUNDS, blocks, viewBytes: bytes,
    snapshotReadMs: { p50: round(percentile(readMs, 50)), max: round(Math.max(...readMs)) },
    detailsReadMs: { p50: round(percentile(detailsMs, 50)), max: round(Math.max(...detailsMs)) },
    buildMs: { p50: round(percentile(buildMs, 50), 2), max: round(Math.max(...buildMs), 2) },
    openToPublishedMs: { p50: round(percentile(openMs, 50)), max: round(Math.max(...openMs)) },
    viewsPublishPerOpen: 1,
  },
  burst: {
    viewers: everyone.length, seconds: SECONDS, changes, changesPerSecond: round(changes / ((burstEnd - burstStart) / 1000)),
    viewsPublish: publishes.length, perMinuteAverage: round(publishes.length / minutes), perMinuteMax: perMinute.length ? Math.max(...perMinute) : publishes.length,
    perViewer: { min: Math.min(...perViewer), max: Math.max(...perViewer) }, rateLimited429: limited,
  },
});

await worker.close();
await queue.close();
await deleteKeysUnder(redis, prefix);
await redis.quit();
await workerRedis.quit();
await slack.close();
