/**
 * Redis lost and rebuilt delivers nothing twice: files are delivered (real Redis, BullMQ, s3rver
 * with versions emulated and copy tags stored as S3 stores them), every key under the bot's prefix
 * is deleted, `partnergate reconcile --rebuild` rebuilds the registry from the (fake) account's
 * Transfer users and the delivery marks from the copies' provenance tags, and the next poll finds
 * every file again and copies none of them — while a file published afterwards is delivered.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateUserCommand } from '@aws-sdk/client-transfer';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '../../../src/jobs/platform/queues.js';
import { runReconcile } from '../../../src/cli/reconcile.js';
import { deliverJobId, dispatchJobId } from '../../../src/actions/delivery/contract.js';
import { PARTNER_TAG_KEY } from '../../../src/aws/policies/index.js';
import { REQUEST_TAG_KEY } from '../../../src/jobs/onboarding/index.js';
import { deleteKeysUnder } from '../../../tools/local/redis.js';
import { testEnv } from '../../../tools/local/env.js';
import { FakeAws } from '../../support/fake-aws.js';
import { installLifecycleCommands } from '../../support/fake-aws-lifecycle.js';
import { platformFor } from '../../support/provision-fixtures.js';
import { startDeliveryHarness, type DeliveryHarness } from '../../support/delivery-harness.js';
import { capture } from '../../support/cli.js';

let h: DeliveryHarness;
let fake: FakeAws;
let awsNs: string;

beforeEach(async () => {
  h = await startDeliveryHarness();
  // The account lives outside the bot's prefix: losing Redis loses the bot's state, not AWS.
  awsNs = `${h.prefix}-aws`;
  const platform = platformFor({ DISTRIBUTION_BUCKET: h.s3.bucket });
  fake = new FakeAws({ redis: h.redis, ns: awsNs, platform });
  installLifecycleCommands(fake, { redis: h.redis, ns: awsNs, platform });
});
afterEach(async () => {
  fake?.restore();
  await deleteKeysUnder(h.redis, awsNs);
  await h?.close();
});

/** A LIVE partner in the registry and its Transfer user in the account, tagged as provisioning tags it. */
async function partner(id: string, feeds: string[]): Promise<void> {
  await h.addPartner(id, { feeds });
  const requestId = (await h.partners.get(id))!.requestId;
  await fake.clients().transfer.send(new CreateUserCommand({
    ServerId: platformFor().transferServerId, UserName: id, Role: platformFor().transferRoleArn,
    Tags: [{ Key: PARTNER_TAG_KEY, Value: id }, { Key: REQUEST_TAG_KEY, Value: requestId }],
  }));
}

async function delivered(key: string, version: string, partnerId: string): Promise<void> {
  const job = await h.finished('deliver', deliverJobId({ key, versionId: version, partnerId }));
  expect(job.returnvalue).toBe('delivered');
}

/** Until no job waits, runs or is delayed in the delivery and notify queues (a receipt flush is delayed). */
async function quiet(): Promise<void> {
  const notify = new Queue(QUEUE_NAMES.notify, { connection: h.redis, prefix: h.prefix });
  try {
    for (const queues = [h.delivery.queues.dispatch, h.delivery.queues.deliver, notify]; ;) {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('active', 'waiting', 'delayed', 'prioritized')));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await notify.close();
  }
}

/** Everything the bot keeps under its prefix is gone, as with a new, empty Redis. */
async function loseRedis(): Promise<void> {
  await quiet();
  await deleteKeysUnder(h.redis, h.prefix);
  expect(await h.partners.get('acme')).toBeNull();
  expect(await h.redis.keys(`${h.prefix}:dl:*`)).toEqual([]);
}

const rebuild = () => capture((out) => runReconcile(['--rebuild'], testEnv({ PARTNERGATE_PREFIX: h.prefix, DISTRIBUTION_BUCKET: h.s3.bucket }), out, {
  redis: h.redis, aws: fake.clients(), s3: h.s3.client,
}));

const copies = () => h.requests.filter((r) => r.command === 'CopyObjectCommand').map((r) => r.path.slice(r.path.indexOf('/partners/') + 1));

describe('a Redis lost and rebuilt', () => {
  it('when every key under the prefix is gone and reconcile --rebuild ran, then the next poll copies nothing already delivered, and a new file still goes out', async () => {
    await partner('acme', ['price-lists']);
    await partner('globex', ['price-lists']);
    const own = await h.put('outbound/acme/prices (EU).csv', 'sku,price\n1,9.99\n'); // a key tags cannot hold: hashed in its tag
    const feed = await h.put('outbound/feeds/price-lists/2024-q3.csv', 'q3');
    await h.pollNow();
    await delivered('outbound/acme/prices (EU).csv', own, 'acme');
    await delivered('outbound/feeds/price-lists/2024-q3.csv', feed, 'acme');
    await delivered('outbound/feeds/price-lists/2024-q3.csv', feed, 'globex');
    expect(copies()).toHaveLength(3);

    await loseRedis();
    const run = await rebuild();

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('rebuilt 2 partner record(s): acme, globex');
    expect(run.out).toContain('deliveries restored from the partners\' copies: 3 (0 already known; 3 copies of files still under the outbound prefix read)');
    // The requests went with Redis, so the feeds did: the operator sets them again (an edit), as the report asks.
    for (const id of ['acme', 'globex']) await h.partners.update(id, (r) => ({ ...r, feeds: ['price-lists'] }));
    expect(await h.partners.subscribers('price-lists')).toEqual(['acme', 'globex']);
    const postsBefore = h.slack.calls('chat.postMessage').length;

    expect(await h.pollNow()).toMatchObject({ listed: 2, looked: 2, dispatched: 2 });
    for (const [key, versionId] of [['outbound/acme/prices (EU).csv', own], ['outbound/feeds/price-lists/2024-q3.csv', feed]] as const) {
      expect((await h.finished('dispatch', dispatchJobId({ key, versionId }))).returnvalue).toBe('duplicate');
    }
    expect(copies()).toHaveLength(3);

    // The pipeline itself works on the rebuilt registry: a new version of the feed reaches both, once each.
    const next = await h.put('outbound/feeds/price-lists/2024-q3.csv', 'q3, corrected');
    await h.pollNow();
    await delivered('outbound/feeds/price-lists/2024-q3.csv', next, 'acme');
    await delivered('outbound/feeds/price-lists/2024-q3.csv', next, 'globex');
    expect(copies()).toHaveLength(5);
    expect(copies().slice(3).sort()).toEqual(['partners/acme/feeds/price-lists/2024-q3.csv', 'partners/globex/feeds/price-lists/2024-q3.csv']);
    // Nothing about the files delivered before was posted again (no fan-out summary, no receipt).
    const reposted = h.slack.calls('chat.postMessage').slice(postsBefore).filter((c) => JSON.stringify(c.body).includes('prices (EU)'));
    expect(reposted).toEqual([]);

    // A second rebuild finds every mark in place (the corrected version replaced both feed copies).
    expect((await rebuild()).out).toContain('deliveries restored from the partners\' copies: 0 (3 already known; 3 copies');
  });

  it('when a partner\'s copy carries no provenance (put there by hand), then the report names it and the next poll delivers its source, as said', async () => {
    await partner('acme', []);
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/by-hand.csv', Body: 'x' }));
    await h.s3.client.send(new PutObjectCommand({ Bucket: h.s3.bucket, Key: 'partners/acme/gone.csv', Body: 'y' }));
    const version = await h.put('outbound/acme/by-hand.csv', 'x');

    await loseRedis();
    const run = await rebuild();

    expect(run.out).toContain('not restored: partners/acme/by-hand.csv carries no provenance tag naming its source\'s version (copied by hand?): the next poll delivers its source to that partner again');
    expect(run.out).toContain('copies whose source is no longer under the outbound prefix, not read (no poll finds their source again): 1');
    // The home marker and copies of sources that are gone are never read.
    expect(run.out).toContain('deliveries restored from the partners\' copies: 0 (0 already known; 1 copies of files still under the outbound prefix read)');
    await h.pollNow();
    await delivered('outbound/acme/by-hand.csv', version, 'acme');
  });
});
