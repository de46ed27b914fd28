/**
 * The delivery workers in a process of their own, for the stall tests (run with `node --import tsx`).
 * Built as the worker role builds them (createContainer + deliveryWorkers, from the environment the
 * test passes: the same Redis prefix, s3rver, bucket), with two test edges: the lock and stall
 * settings of PG_STALL (JSON, StallOverrides) and, with PG_HANG=1, an S3 client that hangs for ever
 * once a CopyObject has been applied — the copy is made, nothing after it — and says so on the Redis
 * list `<prefix>:test:hung` (the copy's key). The test then kills the process with SIGKILL.
 */
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container/container.js';
import { deliveryWorkers } from '../../src/container/workers.js';
import { createLogger } from '../../src/logger.js';
import type { StallOverrides } from '../../src/jobs/platform/stalls.js';
import { createLocalS3Client } from '../../tools/local/s3.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`deliver-child: ${name} is required`);
  return v;
};

const config = loadConfig(process.env);
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const s3 = createLocalS3Client(env('PG_S3_ENDPOINT'));
let redis: Redis | undefined;
if (process.env.PG_HANG === '1') {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'CopyObjectCommand') return result;
      await redis!.rpush(`${config.prefix}:test:hung`, String((args.input as { Key?: string }).Key));
      return new Promise<never>(() => undefined);
    },
    { step: 'initialize', name: 'testHangAfterCopy' },
  );
}

const c = createContainer(config, logger, {
  s3,
  workerOptions: {
    stall: JSON.parse(env('PG_STALL')) as StallOverrides,
    delivery: { receiptWindowMs: 20, deliverAttempts: 3, retryBaseMs: 10, retryMaxMs: 50 },
  },
});
redis = c.redis;
deliveryWorkers(c);
process.stdout.write('ready\n');
