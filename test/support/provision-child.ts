/**
 * A provision worker in a process of its own, for the crash test (run with `node --import tsx`).
 * It builds the workers as the composition root does, against the same Redis prefix and the same
 * fake AWS account as the test (the fake keeps its state in Redis: ./fake-aws.ts), and hangs for
 * ever right after the AWS write named in PG_HANG_AFTER was applied — the test then kills it with
 * SIGKILL. Its lock is short (PG_LOCK_MS) so that the job is handed back quickly.
 *
 * Env: REDIS_URL, PG_PREFIX, PG_S3_ENDPOINT, PG_HANG_AFTER (comma list), PG_LOCK_MS, APPROVAL_SIGNING_KEY (the test's).
 */
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { systemClock, type Notify } from '../../src/actions/ports.js';
import { createNotifyQueue, enqueueNotify } from '../../src/jobs/notify/notify.js';
import { createQueue, QUEUE_NAMES } from '../../src/jobs/platform/queues.js';
import { createProvisionWorkers } from '../../src/jobs/onboarding/provision-workers.js';
import type { VerifyPayload } from '../../src/actions/onboarding/contract.js';
import { FakeAws } from './fake-aws.js';
import { createLocalS3Client } from '../../tools/local/s3.js';
import { APPROVER, CHANNEL, platformFor } from './provision-fixtures.js';
import { sealsFor } from './seals.js';
import { fixedApprovers } from './ports.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`provision-child: ${name} is required`);
  return v;
};

const prefix = env('PG_PREFIX');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url, { maxRetriesPerRequest: null });
const connection = new Redis(url, { maxRetriesPerRequest: null });
const platform = platformFor();
const fake = new FakeAws({ redis, ns: `${prefix}:fakeaws`, platform, hangAfter: env('PG_HANG_AFTER').split(',') });
const notifyQueue = createNotifyQueue(redis, prefix);
const notify: Notify = (m) => enqueueNotify({ redis, prefix, queue: notifyQueue }, m);
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

createProvisionWorkers({
  connection, redis, prefix, platform,
  transferHost: undefined,
  transferStaticIps: [],
  settleSeconds: 3600,
  approvers: fixedApprovers(APPROVER),
  approverNames: { users: [APPROVER] },
  seals: sealsFor(env('APPROVAL_SIGNING_KEY')),
  approvalsChannel: CHANNEL,
  notify,
  verifyQueue: createQueue<VerifyPayload>(QUEUE_NAMES.verify, redis, prefix),
  aws: fake.clients(),
  s3: createLocalS3Client(env('PG_S3_ENDPOINT')),
  s3ForCredentials: fake.policyGatedS3(env('PG_S3_ENDPOINT')),
  clock: systemClock,
  logger,
  onLive: async () => undefined,
  stall: { provision: { lockDurationMs: Number(env('PG_LOCK_MS')), stalledIntervalMs: Number(env('PG_LOCK_MS')) } },
});
process.stdout.write('ready\n');
