/**
 * The background AWS work — the drift sweep, the isolation probes, the checks platform events ask
 * for — paced by one token bucket per service (src/domain/aws-pace.ts), shared through Redis by every
 * worker process (src/store/token-buckets.ts).
 *
 * - Every paced call takes a token first. A wait up to `maxWaitMs` is slept; a longer one (the
 *   budget is spent, or a throttle holds the bucket shut) throws BudgetError before anything is
 *   sent, and the job is delayed and carries on where it was (`delayWhenOutOfBudget`).
 * - A retryable AwsError is retried here, after the SDK's own retries, with exponential backoff and
 *   jitter; a throttle also holds the service's bucket shut for the backoff, so every process sharing
 *   it slows down, not only the caller. After `throttleRetries` the error goes to the job's own
 *   backoff (attempts), which resumes from its saved place.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { isThrottling } from '../../aws/aws-error.js';
import { DEFAULT_MAX_WAIT_MS, gcraOf, type PacedService, type PaceRates } from '../../domain/aws-pace.js';
import { AwsError, BudgetError } from '../../domain/errors.js';
import { awsBucketKey, holdBucket, takeToken } from '../../store/token-buckets.js';
import { retryDelayMs } from '../notify/index.js';
import { delayJob } from './delay-job.js';

export interface AwsPacerOptions {
  redis: Redis;
  prefix: string;
  rates: PaceRates;
  /** The longest a call waits for a token before its job is delayed instead. */
  maxWaitMs?: number;
  /** Retries of a retryable AwsError here, each after a backoff (base × 2^n, at most max, jittered). */
  throttleRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Tests: a fake clock (its `now` goes to Redis instead of Redis' TIME) and its sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Counts throttles per service (the aws_throttled_total metric). */
  onThrottled?: (service: PacedService) => void;
}

export interface AwsPacer {
  /** Sends `call` when `service`'s bucket has a token; retries it when AWS throttles; BudgetError when the wait is too long. */
  run<T>(service: PacedService, call: () => Promise<T>): Promise<T>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createAwsPacer(o: AwsPacerOptions): AwsPacer {
  const maxWaitMs = o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const retries = o.throttleRetries ?? 3;
  const sleep = o.sleep ?? realSleep;
  const now = () => o.now?.();
  const take = async (service: PacedService): Promise<void> => {
    const g = gcraOf(o.rates[service]);
    for (;;) {
      const wait = await takeToken(o.redis, awsBucketKey(o.prefix, service), g, now());
      if (wait === 0) return;
      if (wait > maxWaitMs) throw new BudgetError(service, wait);
      await sleep(wait);
    }
  };
  return {
    async run(service, call) {
      for (let attempt = 1; ; attempt += 1) {
        await take(service);
        try {
          return await call();
        } catch (err) {
          if (!(err instanceof AwsError) || !err.retryable || attempt > retries) throw err;
          const backoff = retryDelayMs(attempt, o.backoffBaseMs ?? 1000, o.backoffMaxMs ?? 30_000, o.random);
          if (isThrottling(err)) {
            o.onThrottled?.(service);
            // The next take waits it out (or delays the job): every process sharing the bucket does too.
            await holdBucket(o.redis, awsBucketKey(o.prefix, service), gcraOf(o.rates[service]), backoff, now());
          } else {
            await sleep(backoff);
          }
        }
      }
    },
  };
}

/** Which bucket each call of the lifecycle plane takes from (null: not paced — not part of the sweep or the probes). */
const SERVICE_OF: Record<Exclude<keyof LifecyclePlane, 'dryRun'>, PacedService | null> = {
  describeUser: 'transfer', createUser: 'transfer', importSshPublicKey: 'transfer', deleteSshPublicKey: 'transfer', tagUser: 'transfer',
  hostKeyFingerprints: 'transfer', deleteUser: 'transfer', updateUser: 'transfer', listUsers: 'transfer', listUserTags: 'transfer',
  getRole: 'iam', createRole: 'iam', putRolePolicy: 'iam', getRolePolicy: 'iam', updateAssumeRolePolicy: 'iam', listRolePolicies: 'iam',
  listAttachedRolePolicies: 'iam', tagRole: 'iam', deleteRolePolicy: 'iam', detachRolePolicy: 'iam', deleteRole: 'iam', listPartnerRoles: 'iam', listRoleTags: 'iam',
  assumeRole: 'sts',
  // The platform check's reads, once a sweep (and on a platform event): the bucket's policy and settings, the key's policy and grants, a policy version.
  getBucketPolicy: 's3-control', getBucketSettings: 's3-control', getKeyPolicy: null, listKeyGrants: null, getDefaultPolicyVersion: 'iam',
  checkDocuments: null,
};

/** The same plane, each call taking its service's token first (the sweep's, the probes' and event checks' plane). */
export function pacedLifecyclePlane(cp: LifecyclePlane, pacer: AwsPacer): LifecyclePlane {
  const calls = Object.entries(SERVICE_OF).map(([name, service]) => {
    const fn = (cp[name as keyof typeof SERVICE_OF] as (...args: unknown[]) => Promise<unknown>).bind(cp);
    return [name, service ? (...args: unknown[]) => pacer.run(service, () => fn(...args)) : fn];
  });
  return { ...(Object.fromEntries(calls) as unknown as LifecyclePlane), dryRun: cp.dryRun };
}

/**
 * Runs `work`; when a paced call found its budget spent (BudgetError), `save` records where the job
 * was and the job is delayed until the bucket has room — never dropped.
 */
export async function delayWhenOutOfBudget<T>(
  job: Pick<Job, 'moveToDelayed'>, token: string | undefined, work: () => Promise<T>, save?: () => Promise<void>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof BudgetError)) throw err;
    await save?.();
    return delayJob(job, token, err.retryInMs);
  }
}
