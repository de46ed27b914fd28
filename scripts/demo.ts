/**
 * `npm run demo` — partnergate end to end on one machine with nothing but Redis:
 * an embedded local S3 (s3rver) as the distribution bucket, the real bot process (`partnergate
 * start`) in DRY_RUN with a short settle time, and a scripted Slack peer that sends the signed
 * requests a workspace would send and answers the bot's Web API calls. It onboards two partners,
 * publishes a partner file and a feed file, shows a failure and a /resend-file, a pickup (Transfer's
 * download event, fed as EventBridge would put it on the platform events queue: a loopback SQS) and,
 * with a 3.6-second pickup deadline (PICKUP_SLA_HOURS=0.001), the reminders and the daily digest for
 * the files nobody picked up, an access review (REVIEW_INTERVAL_DAYS=0.0002, about 17 seconds) kept
 * by its owner with a reason; the approver opens the app's Home tab; and it prints each thread, that
 * Home and the requester's DMs (the decisions, the welcome to forward, the ExternalId on its own,
 * LIVE) as Slack would show them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../tools/local/fake-slack.js';
import { startLocalS3, type LocalS3 } from '../tools/local/s3.js';
import { startFakeSqs, type FakeSqs } from '../tools/local/fake-sqs-server.js';
import { sftpDownload } from '../tools/local/pickup-events.js';
import { deleteKeysUnder } from '../tools/local/redis.js';
import { ed25519PublicKey } from '../tools/local/ssh-keys.js';
import { buttonClick, homeOpened, onboardSubmission, postToBot, slashCommand, textValue, viewSubmission } from '../tools/local/slack-requests.js';
import { renderHome, renderThreads } from './demo/render-threads.js';
import { NODE_FLAGS } from '../src/node-flags.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const APPROVALS = 'C0APPROVALS';
const DELIVERIES = 'C0DELIVERIES';
const PEOPLE = { requester: 'UPRIYA', approver: 'UMARCUS', outsider: 'UGUEST' } as const;
const SECRET = randomBytes(16).toString('hex');
/** The demo's own APPROVAL_SIGNING_KEY, as `openssl rand -hex 32` would make it (never reuse one across deployments). */
const SIGNING_KEY = randomBytes(32).toString('hex');

const say = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

async function redisOrExit(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 2000 });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    process.stderr.write(
      `demo: Redis is not reachable at ${REDIS_URL}.\n` +
        'Start one with `docker compose up -d redis`, or install the distribution package:\n' +
        '  sudo apt-get install redis-server && redis-server --daemonize yes\n' +
        'then run `npm run demo` again (REDIS_URL points elsewhere).\n',
    );
    redis.disconnect();
    process.exit(1);
  }
}

/** Starts `partnergate start` as its own process; resolves with its Slack events URL. */
async function startBot(env: Record<string, string>, logFile: string): Promise<{ child: ChildProcess; url: string }> {
  const entry = `import('./src/cli.ts').then((m) => m.main(['start']))`;
  const child = spawn(process.execPath, [...NODE_FLAGS, '--openssl-legacy-provider', '--import', 'tsx', '-e', entry], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stderr!.pipe(log);
  let buffer = '';
  for await (const chunk of child.stdout!) {
    log.write(chunk);
    buffer += (chunk as Buffer).toString();
    const match = buffer.match(/"port":(\d+)[^\n]*"msg":"web: listening"/);
    if (match) {
      child.stdout!.pipe(log);
      return { child, url: `http://127.0.0.1:${match[1]}/slack/events` };
    }
  }
  throw new Error(`the bot stopped before listening; see ${logFile}`);
}

async function onboard(slack: FakeSlack, url: string, partner: { name: string; id: string; feeds: string[]; account?: string }): Promise<string> {
  say(`${PEOPLE.requester} types /onboard-partner ${partner.name}`);
  await postToBot(url, slashCommand({ command: '/onboard-partner', text: partner.name, user_id: PEOPLE.requester }), SECRET);
  await slack.waitFor((c) => c.method === 'views.open' && JSON.stringify(c.body['view']).includes(partner.name));
  say(`…and submits the form for ${partner.id}`);
  await postToBot(url, onboardSubmission(PEOPLE.requester, {
    displayName: partner.name, partnerId: partner.id, contactEmail: `files@${partner.id}.example`,
    sshKeys: ed25519PublicKey(`${partner.id}@sftp`), feeds: partner.feeds, ...(partner.account ? { accountId: partner.account } : {}),
  }), SECRET);
  const card = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === APPROVALS && !c.body['thread_ts'] && JSON.stringify(c.body['blocks']).includes(partner.id));
  const ts = String(card.answer!['ts']);
  const requestId = JSON.stringify(card.body['blocks']).match(/"value":"(req_[a-z2-7]{26})"/)![1]!;

  say(`${PEOPLE.requester} tries to approve their own request`);
  await postToBot(url, buttonClick(PEOPLE.requester, 'request_approve', requestId, { channel: APPROVALS, ts }, slack.responseUrl('self')), SECRET);
  await slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body['user'] === PEOPLE.requester && String(c.body['thread_ts']) === ts);

  say(`${PEOPLE.approver} approves`);
  await postToBot(url, buttonClick(PEOPLE.approver, 'request_approve', requestId, { channel: APPROVALS, ts }, slack.responseUrl('ok')), SECRET);
  await slack.waitFor(threadSays(ts, /is LIVE/), 60_000);
  say(`${partner.id} is LIVE`);
  return ts;
}

const threadSays = (ts: string, pattern: RegExp) => (c: SlackCall) =>
  (c.method === 'chat.postMessage' || c.method === 'chat.update') && (c.body['thread_ts'] === ts || c.body['ts'] === ts) &&
  pattern.test(String(c.body['text']) + JSON.stringify(c.body['blocks'] ?? ''));

async function main(): Promise<void> {
  const redis = await redisOrExit();
  const work = await mkdtemp(join(tmpdir(), 'partnergate-demo-'));
  const logFile = join(work, 'bot.log');
  const prefix = `pgdemo-${randomBytes(4).toString('hex')}`;
  let s3: LocalS3 | undefined;
  let slack: FakeSlack | undefined;
  let bot: ChildProcess | undefined;
  let sqs: FakeSqs | undefined;
  try {
    sqs = await startFakeSqs();
    s3 = await startLocalS3({ buckets: ['partnergate-demo'] });
    slack = await startFakeSlack();
    say(`local S3 at ${s3.endpoint} (bucket partnergate-demo), Slack peer at ${slack.apiUrl}, Redis prefix ${prefix}`);
    const started = await startBot({
      SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-demo', SLACK_API_URL: slack.apiUrl, PORT: '0',
      APPROVALS_CHANNEL: APPROVALS, DELIVERIES_CHANNEL: DELIVERIES, APPROVERS: PEOPLE.approver,
      REDIS_URL, PARTNERGATE_PREFIX: prefix, LOG_LEVEL: 'info', APPROVAL_SIGNING_KEY: SIGNING_KEY,
      AWS_REGION: 'eu-west-1', AWS_ACCOUNT_ID: '111122223333', DISTRIBUTION_BUCKET: 'partnergate-demo',
      KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000',
      TRANSFER_SERVER_ID: 's-0123456789abcdef0', DRY_RUN: 'true', TRANSFER_SETTLE_SECONDS: '1', POLL_INTERVAL_SECONDS: '1',
      AWS_ENDPOINT_URL_S3: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Proof of pickup: the platform events queue on loopback, and a 3.6-second pickup deadline.
      PLATFORM_EVENTS_QUEUE_URL: sqs.queueUrl, AWS_ENDPOINT_URL_SQS: sqs.endpoint, PICKUP_SLA_HOURS: '0.001',
      // Access reviews every ~17 s, so that one comes due during the demo (docs/reviews.md).
      REVIEW_INTERVAL_DAYS: '0.0002',
    }, logFile);
    bot = started.child;
    const url = started.url;
    say(`the bot runs as its own process (pid ${bot.pid}), DRY_RUN, logs in ${logFile}`);

    const acme = await onboard(slack, url, { name: 'Acme Dealers', id: 'acme', feeds: ['price-lists'] });
    const globex = await onboard(slack, url, { name: 'Globex Parts', id: 'globex', feeds: ['price-lists', 'compliance'], account: '444455556666' });

    say('the pricing pipeline drops outbound/acme/welcome/contract.pdf and outbound/feeds/price-lists/2026-12.csv');
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'outbound/acme/welcome/contract.pdf', Body: '%PDF-1.7 demo contract' }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'outbound/feeds/price-lists/2026-12.csv', Body: 'sku,price\nA-100,12.50\n' }));
    await slack.waitFor(threadSays(acme, /contract\.pdf/), 30_000);
    say('acme downloads the contract over SFTP at once: Transfer sends "SFTP Server File Download Completed" to EventBridge, whose rule puts it on the platform events queue');
    const contract = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'partners/acme/welcome/contract.pdf' }));
    sqs.send([JSON.stringify(sftpDownload({
      user: 'acme', path: `/${s3.bucket}/partners/acme/welcome/contract.pdf`, bytes: contract.ContentLength, etag: contract.ETag,
      end: new Date().toISOString(), start: new Date(Date.now() - 1500).toISOString(),
    }))]);
    await slack.waitFor(threadSays(acme, /picked up/), 30_000);
    await slack.waitFor(threadSays(acme, /2026-12\.csv/), 30_000);
    await slack.waitFor(threadSays(globex, /2026-12\.csv/), 30_000);
    const copy = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'partners/globex/feeds/price-lists/2026-12.csv' }));
    say(`partners/globex/feeds/price-lists/2026-12.csv holds: ${JSON.stringify(await copy.Body!.transformToString())}`);

    say('a file vanishes between its publication and its delivery: the delivery fails');
    const deliver = new Queue('deliver', { connection: redis, prefix });
    await deliver.pause();
    const failing = 'outbound/globex/catalogs/parts-2026.pdf';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: failing, Body: '%PDF-1.7 parts catalog' }));
    const queued = async () => {
      const counts = await deliver.getJobCounts('wait', 'prioritized');
      return (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0) > 0;
    };
    for (let i = 0; i < 300 && !(await queued()); i++) await new Promise((r) => setTimeout(r, 100));
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: failing }));
    await deliver.resume();
    await slack.waitFor(threadSays(globex, /parts-2026\.pdf[\s\S]*(fail|missing)|(fail|missing)[\s\S]*parts-2026\.pdf/i), 60_000);
    await deliver.close();

    say('the pipeline restores the file; an outsider, then an approver, type /resend-file globex catalogs/parts-2026.pdf');
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: failing, Body: '%PDF-1.7 parts catalog' }));
    await postToBot(url, slashCommand({ command: '/resend-file', text: `globex catalogs/parts-2026.pdf`, user_id: PEOPLE.outsider, response_url: slack.responseUrl('outsider') }), SECRET);
    const refused = await slack.waitFor((c) => c.method === 'respond' && c.respondId === 'outsider');
    const before = slack.calls().filter(threadSays(globex, /parts-2026\.pdf/)).length;
    await postToBot(url, slashCommand({ command: '/resend-file', text: `globex catalogs/parts-2026.pdf`, user_id: PEOPLE.approver, response_url: slack.responseUrl('approver') }), SECRET);
    const accepted = await slack.waitFor((c) => c.method === 'respond' && c.respondId === 'approver');
    await slack.waitForCount(threadSays(globex, /parts-2026\.pdf/), before + 1, 30_000);

    say('nobody picks up the other files: 3.6 s after each delivery its deadline has passed. The minute\'s deadline sweep runs now (instead of at the minute), then the day\'s digest');
    await new Promise((r) => setTimeout(r, 4000));
    const deadlines = new Queue('pickup-deadlines', { connection: redis, prefix });
    await deadlines.add('sweep', {});
    await slack.waitFor(threadSays(globex, /not picked up by its deadline/), 30_000);
    await slack.waitFor(threadSays(acme, /not picked up by its deadline/), 30_000);
    await deadlines.add('digest', {});
    await slack.waitFor((c) => c.method === 'chat.postMessage' && c.body['channel'] === DELIVERIES && /not picked up/.test(String(c.body['text'])), 30_000);
    await deadlines.close();

    say(`access reviews: the review sweep runs now (instead of at the minute), takes the partners in, then opens their reviews; ${PEOPLE.requester}, acme's owner, keeps acme with a reason`);
    const reviews = new Queue('access-reviews', { connection: redis, prefix });
    for (const jobId of ['demo-intake', 'demo-open']) {
      await reviews.add('sweep', {}, { jobId });
      for (let i = 0; i < 300 && !(await reviews.getJob(jobId))?.finishedOn; i++) await new Promise((r) => setTimeout(r, 100));
    }
    await reviews.close();
    const reviewCard = await slack.waitFor(threadSays(acme, /Access review of `acme`/), 30_000);
    const reviewAt = { channel: APPROVALS, ts: String(reviewCard.answer!['ts']) };
    await postToBot(url, buttonClick(PEOPLE.requester, 'review_keep', 'acme.1', reviewAt, slack.responseUrl('keep')), SECRET);
    const keepModal = await slack.waitFor((c) => c.method === 'views.open' && JSON.stringify(c.body['view']).includes('review_keep_modal'));
    const reviewMeta = (keepModal.body['view'] as { private_metadata: string }).private_metadata;
    await postToBot(url, viewSubmission(PEOPLE.requester, 'review_keep_modal', { reason: textValue('Acme still orders from every price list.') }, reviewMeta), SECRET);
    await slack.waitFor((c) => c.method === 'chat.update' && c.body['ts'] === reviewAt.ts, 30_000);
    // Posts to one channel are paced (about one a second): wait for the kept line and globex's card, still open.
    await slack.waitFor(threadSays(acme, /Access review of acme: kept/), 30_000);
    await slack.waitFor(threadSays(globex, /Access review of `globex`/), 30_000);
    say('the approver opens the app\'s Home tab: the platform at a glance');
    await postToBot(url, homeOpened(PEOPLE.approver), SECRET);
    const home = await slack.waitFor((c) => c.method === 'views.publish' && c.ok && c.body['user_id'] === PEOPLE.approver, 30_000);

    process.stdout.write('\n════════ What Slack shows ════════\n\n');
    process.stdout.write(renderThreads(slack.calls()) + '\n');
    process.stdout.write(renderHome(PEOPLE.approver, home.body['view']) + '\n\n');
    process.stdout.write(`(only visible to @${PEOPLE.outsider}) ${JSON.stringify(refused.body['text'] ?? refused.body)}\n`);
    process.stdout.write(`(only visible to @${PEOPLE.approver}) ${JSON.stringify(accepted.body['text'] ?? accepted.body)}\n`);
    await writeFile(join(work, 'slack-calls.json'), JSON.stringify(slack.calls(), null, 2));
    say(`done. Every Web API call the bot made is in ${join(work, 'slack-calls.json')}`);
  } finally {
    if (bot && bot.exitCode === null) {
      bot.kill('SIGTERM');
      await once(bot, 'exit');
    }
    await slack?.close();
    await s3?.close();
    await sqs?.close();
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
