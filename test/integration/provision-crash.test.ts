/**
 * A worker killed mid-provisioning. The first worker runs in a child process
 * (test/support/provision-child.ts, through tsx) against the same Redis and the same fake AWS
 * account — the fake keeps its state in Redis, since a child cannot share the test's
 * aws-sdk-client-mock stubs. The child's fake applies one AWS write and then never answers; the
 * test waits for that moment (a Redis list, no timing) and sends SIGKILL. The job's lock lapses,
 * BullMQ hands the stalled job to a worker in this process, and that worker must finish the
 * partner with every resource created exactly once — including the one whose creation the dead
 * worker never heard back about.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { homeMarkerKey } from '../../src/aws/s3-objects.js';
import { verifyJobId } from '../../src/actions/onboarding/contract.js';
import { startProvisionHarness, type ProvisionHarness } from '../support/provision-harness.js';
import { createTestRedis } from '../../tools/local/redis.js';
import { TEST_APPROVAL_SIGNING_KEY } from '../../tools/local/env.js';

const CHILD = fileURLToPath(new URL('../support/provision-child.ts', import.meta.url));

describe('a provision worker killed mid-provisioning', () => {
  let h: ProvisionHarness;
  let blocker: Redis;

  beforeEach(async () => {
    h = await startProvisionHarness();
    blocker = createTestRedis();
  });
  afterEach(async () => {
    blocker.disconnect();
    await h.close();
  });

  it.each(['CreateUser', 'ImportSshPublicKey', 'PutRolePolicy'])(
    'when it dies right after %s took effect, then a new worker finishes the partner and creates each resource exactly once',
    async (hangAfter) => {
      const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 2 });
      await h.provision({ requestId: request.id, attempt: 1 });

      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: {
          PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: process.env.REDIS_URL,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          PG_PREFIX: h.prefix, PG_S3_ENDPOINT: h.s3.endpoint, PG_HANG_AFTER: hangAfter, PG_LOCK_MS: '1000',
          APPROVAL_SIGNING_KEY: TEST_APPROVAL_SIGNING_KEY,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
      const exited = once(child, 'exit');

      const hung = await blocker.blpop(`${h.prefix}:fakeaws:hung`, 60);
      expect(hung?.[1], stderr).toBe(hangAfter);
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
      expect(await (await h.provisionQueue.getJob(request.id))!.getState()).toBe('active');
      expect(await h.partners.get('acme')).toMatchObject({ status: 'provisioning' });

      h.startWorkers({ settleSeconds: 3600, stall: { provision: { stalledIntervalMs: 200 } } });
      const { state } = await h.settled(h.provisionQueue, request.id);

      expect(state).toBe('completed');
      const all = ['CreateUser', 'ImportSshPublicKey', 'CreateRole', 'PutRolePolicy'];
      expect(await h.fake.calls()).toEqual([
        'CreateUser acme',
        'ImportSshPublicKey acme',
        'CreateRole partnergate-partner-acme',
        'PutRolePolicy partnergate-partner-acme partnergate-read-own-prefix',
      ]);
      // This process's worker read first and sent only what the dead one had not done.
      const sentHere = [...h.fake.transfer.calls(), ...h.fake.iam.calls()]
        .map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''))
        .filter((name) => all.includes(name));
      expect(sentHere).toEqual(all.slice(all.indexOf(hangAfter) + 1));
      expect((await h.fake.user('acme'))?.SshPublicKeys?.map((k) => k.SshPublicKeyBody).sort()).toEqual([...request.sshKeys].sort());
      await expect(h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: homeMarkerKey('acme') }))).resolves.toBeDefined();
      expect(await h.partners.get('acme')).toMatchObject({ status: 'verifying', steps: ['preflight', 'transfer-user', 'ssh-keys', 'partner-role', 'home-marker', 'registry'] });
      expect(await (await h.verifyQueue.getJob(verifyJobId({ requestId: request.id, attempt: 1 })))?.getState()).toBe('delayed');
      await h.slack.waitFor((c) => c.method === 'chat.update' && c.body.text === 'Provisioning acme: done');
    },
  );
});
