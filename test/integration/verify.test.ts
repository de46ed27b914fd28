/**
 * The verify job end to end: after provisioning, the settle gate, DescribeUser, documents read back,
 * live S3 probes through a policy-evaluating S3 gate in front of s3rver (test/support/fake-aws.ts), and
 * the SFTP probe against a local ssh2 server with logical homes.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteSshPublicKeyCommand, DescribeUserCommand, ImportSshPublicKeyCommand, ResourceNotFoundException } from '@aws-sdk/client-transfer';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ACTIONS } from '../../src/bot/messages/ids.js';
import { PARTNER_TAG_KEY, renderPartner, type PolicyDocument } from '../../src/aws/policies/index.js';
import { specOf } from '../../src/actions/onboarding/plan.js';
import { retryVerification } from '../../src/actions/onboarding/retry-provisioning.js';
import { addProvisionJob } from '../../src/jobs/onboarding/provision.js';
import { verifyJobId } from '../../src/actions/onboarding/contract.js';
import { APPROVER, buttonIn, REQUESTER, startProvisionHarness, type ProvisionHarness } from '../support/provision-harness.js';
import { startSftpServer, type LocalSftp } from '../support/sftp-server.js';
import { accessDenied } from '../support/fake-aws.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';

const blocksText = (c: SlackCall) => JSON.stringify(c.body.blocks);
const verifyButton = (c: SlackCall) => buttonIn(c, ACTIONS.retryVerify);

describe('verify job', () => {
  let h: ProvisionHarness;
  let sftp: LocalSftp | undefined;

  beforeEach(async () => {
    h = await startProvisionHarness();
    sftp = undefined;
  });
  afterEach(async () => {
    await h.close();
    await sftp?.close();
  });

  const startSftp = async (escape = false) => {
    sftp = await startSftpServer({
      keysOf: async (name) => ((await h.fake.user(name))?.SshPublicKeys ?? []).map((k) => k.SshPublicKeyBody ?? ''),
      listHome: async (name) => {
        const out = await h.s3.client.send(new ListObjectsV2Command({ Bucket: h.s3.bucket, Prefix: `partners/${name}/`, Delimiter: '/' }));
        return (out.Contents ?? []).map((o) => o.Key!.slice(`partners/${name}/`.length));
      },
      escape,
    });
    h.fake.hostKeyFingerprints = ['SHA256:someOtherHostKeyOfTheServer0000000000000000', sftp.hostKeyFingerprint];
    return sftp;
  };

  const provisioned = async (o: { partnerId: string; accountId?: string | null; settleSeconds?: number; transferHost?: string; hostKeys?: string[] }) => {
    if (o.hostKeys) h.fake.hostKeyFingerprints = o.hostKeys;
    const request = await h.approvedRequest({ partnerId: o.partnerId, sshKeys: 1, ...(o.accountId !== undefined ? { accountId: o.accountId } : {}) });
    h.startWorkers({ settleSeconds: o.settleSeconds ?? 0, ...(o.transferHost ? { transferHost: o.transferHost } : {}) });
    await addProvisionJob(h.provisionQueue, { requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');
    return request;
  };

  it('when verification starts before TRANSFER_SETTLE_SECONDS have passed, then it waits, and runs once they have', async () => {
    const request = await provisioned({ partnerId: 'acme', settleSeconds: 300 });
    const jobId = verifyJobId({ requestId: request.id, attempt: 1 });
    const job = (await h.verifyQueue.getJob(jobId))!;
    expect(await job.getState()).toBe('delayed');
    const describesAfterProvisioning = h.fake.transfer.commandCalls(DescribeUserCommand).length;

    await job.promote();
    for (;;) {
      const j = (await h.verifyQueue.getJob(jobId))!;
      if (j.attemptsStarted >= 1 && (await j.getState()) === 'delayed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(h.fake.transfer.commandCalls(DescribeUserCommand)).toHaveLength(describesAfterProvisioning);
    expect(h.fake.sts.calls()).toHaveLength(0);
    expect(await h.partners.get('acme')).toMatchObject({ status: 'verifying' });

    h.clock.advance(300_000);
    await (await h.verifyQueue.getJob(jobId))!.promote();
    expect((await h.settled(h.verifyQueue, jobId)).state).toBe('completed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'live', verifiedAt: h.clock.now().toISOString() });
    expect(h.live).toEqual(['acme']);
  });

  it('when everything is as intended, then the probes pass, the temporary SFTP key is deleted and the partner is LIVE', async () => {
    await h.close();
    const logLines: string[] = [];
    h = await startProvisionHarness({ logLines });
    const server = await startSftp();
    const request = await provisioned({ partnerId: 'acme', transferHost: server.endpoint });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('completed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'live', dryRun: false });
    expect(h.live).toEqual(['acme']);
    const checklist = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.text === 'acme is LIVE');
    const text = blocksText(checklist);
    for (const line of [
      ':white_check_mark: Transfer user exists exactly as intended',
      ':white_check_mark: deployed documents pass Access Analyzer',
      ':white_check_mark: as the partner role: list partners/acme/ — allowed',
      ':white_check_mark: as the partner role: read partners/-canary/canary.txt — denied',
      ':white_check_mark: as the SFTP session: list partners/acme (no slash) — denied',
      ':white_check_mark: as the SFTP session: list outbound/ — denied',
      ':white_check_mark: SFTP host key is one of the Transfer server\'s',
      ':white_check_mark: SFTP session cannot leave its home',
      ':white_check_mark: temporary SFTP key deleted',
    ]) expect(text).toContain(line);
    expect(server.logins).toEqual(['acme']);
    expect((await h.fake.user('acme'))?.SshPublicKeys?.map((k) => k.SshPublicKeyBody)).toEqual(request.sshKeys);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(ImportSshPublicKeyCommand, 1);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(DeleteSshPublicKeyCommand, 1);
    const assumed = (await h.fake.calls()).filter((c) => c.startsWith('AssumeRole'));
    expect(assumed).toEqual(['AssumeRole partnergate-verifier', 'AssumeRole partnergate-partner-acme', 'AssumeRole partnergate-transfer']);

    // Secrets never reach the logs: not the ExternalId, not a key (the welcome text carries the ExternalId to Slack only).
    expect(logLines.join('\n')).toContain('partner is LIVE');
    for (const secret of [request.externalId, ...request.sshKeys.map((k) => k.split(' ')[1]!)]) {
      expect(logLines.some((l) => l.includes(secret))).toBe(false);
    }
  });

  it('when Transfer has not settled, then DescribeUser is retried with backoff and verification goes on', async () => {
    const request = await provisioned({ partnerId: 'acme', accountId: null, settleSeconds: 60 });
    h.fake.failNext('DescribeUser',
      new ResourceNotFoundException({ message: 'Unknown user', Message: 'Unknown user', Resource: 'acme', ResourceType: 'User', $metadata: { httpStatusCode: 400 } }),
    );
    h.clock.advance(60_000);
    const jobId = verifyJobId({ requestId: request.id, attempt: 1 });
    await (await h.verifyQueue.getJob(jobId))!.promote();

    const { state, job } = await h.settled(h.verifyQueue, jobId);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(2); // not settled once, then verified
    expect(job.returnvalue).toBe('live');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'live' });
  });

  it('when a managed policy is attached to the partner role, or an inline policy added, before verification, then the read-back fails naming each and the partner is not LIVE', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 0 });
    const role = renderPartner(h.platform, specOf(request)).partnerRole!;
    h.startWorkers({ settleSeconds: 3600 });
    await addProvisionJob(h.provisionQueue, { requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');

    await h.fake.attachManagedPolicy(role.roleName, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', {
      Version: '2012-10-17', Statement: [{ Sid: 'ReadOnly', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }],
    });
    await h.fake.setRolePolicy(role.roleName, 'added-by-hand', { Version: '2012-10-17', Statement: [{ Sid: 'X', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] });
    h.clock.advance(3600_000);
    await (await h.verifyQueue.getJob(verifyJobId({ requestId: request.id, attempt: 1 })))!.promote();

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('failed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'verify_failed' });
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(blocksText(failed)).toContain(
      ':x: partner role as intended (trust, boundary, path, tags, inline policy read back, nothing else attached) — inline policy added-by-hand is not rendered, managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is attached',
    );
  });

  it('when a deployed policy and the role\'s partner tag together let the partner reach the canary, then the probe fails, the partner is VERIFY_FAILED with a Retry button, and a retry after the fix makes it LIVE', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 0 });
    const rendered = renderPartner(h.platform, specOf(request));
    const role = rendered.partnerRole!;
    h.startWorkers({ settleSeconds: 3600 });
    await addProvisionJob(h.provisionQueue, { requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');

    // Someone widened the deployed inline policy to every partner prefix — which alone the second
    // layer holds (the boundary and the bucket policy read the role's tag) — and retagged the role
    // for the canary's prefix: two changes.
    const wide = JSON.parse(JSON.stringify(role.policies[0]!.document).replaceAll('partners/acme/', 'partners/')) as PolicyDocument;
    await h.fake.setRolePolicy(role.roleName, role.policies[0]!.name, wide);
    await h.fake.setRoleTag(role.roleName, PARTNER_TAG_KEY, '-canary');
    h.clock.advance(3600_000);
    await (await h.verifyQueue.getJob(verifyJobId({ requestId: request.id, attempt: 1 })))!.promote();

    const first = await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }));
    expect(first.state).toBe('failed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'verify_failed' });
    expect(h.live).toEqual([]);
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(verifyButton(failed)?.value).toBe(request.id);
    const text = blocksText(failed);
    expect(text).toContain(':x: as the partner role: read partners/-canary/canary.txt — ALLOWED, expected denied');
    expect(text).toContain(':x: as the partner role: list partners/-canary/ — ALLOWED, expected denied');
    expect(text).toContain(`:x: partner role as intended (trust, boundary, path, tags, inline policy read back, nothing else attached) — tag ${PARTNER_TAG_KEY} is \\"-canary\\", not \\"acme\\", inline policy partnergate-read-own-prefix differs`);
    expect(text).toContain(':white_check_mark: as the partner role: list outbound/ — denied');
    // The requester hears it by DM: the first check that failed, what it found, and who can retry.
    const told = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).startsWith(':x: Verification'));
    expect(String(told.body.text)).toMatch(/^:x: Verification of `acme` failed at "partner role as intended .*": tag partnergate:partner-id is .*, and 4 more checks failed\. The partner is not live\.$/);
    expect(blocksText(told)).toContain(`<@${APPROVER}> can press Retry verification`);

    await h.fake.setRolePolicy(role.roleName, role.policies[0]!.name, role.policies[0]!.document);
    await h.fake.setRoleTag(role.roleName, PARTNER_TAG_KEY, 'acme');
    const deps = h.retryDeps();
    await expect(retryVerification(deps, { requestId: request.id, actor: APPROVER })).resolves.toEqual({ ok: true, attempt: 2 });
    await expect(retryVerification(deps, { requestId: request.id, actor: APPROVER })).resolves.toMatchObject({ ok: false });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 2 }))).state).toBe('completed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'live' });
    expect(h.live).toEqual(['acme']);
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).startsWith(':large_green_circle: ') && String(c.body.text).includes('is LIVE'));
  });

  it('when the SFTP session can leave its home, then verification fails and the temporary key is still deleted', async () => {
    const server = await startSftp(true);
    const request = await provisioned({ partnerId: 'acme', accountId: null, transferHost: server.endpoint });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('failed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'verify_failed' });
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(blocksText(failed)).toContain(':x: SFTP session cannot leave its home (/.. is /) — /.. is /partners');
    expect(blocksText(failed)).toContain(':white_check_mark: temporary SFTP key deleted');
    expect(h.fake.transfer).toHaveReceivedCommandTimes(DeleteSshPublicKeyCommand, 1);
    expect((await h.fake.user('acme'))?.SshPublicKeys?.map((k) => k.SshPublicKeyBody)).toEqual(request.sshKeys);
  });

  it('when the SFTP login itself fails, then the temporary key is still deleted', async () => {
    const server = await startSftpServer({ keysOf: async () => [], listHome: async () => [] });
    sftp = server;
    h.fake.hostKeyFingerprints = [server.hostKeyFingerprint];
    const request = await provisioned({ partnerId: 'acme', accountId: null, transferHost: server.endpoint });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('failed');
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(blocksText(failed)).toContain(':x: SFTP login with a temporary key');
    expect(h.fake.transfer).toHaveReceivedCommandTimes(ImportSshPublicKeyCommand, 1);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(DeleteSshPublicKeyCommand, 1);
    expect((await h.fake.user('acme'))?.SshPublicKeys).toHaveLength(1);
  });
  it('when the SFTP endpoint presents a host key the Transfer server does not have, then the probe never logs in and the key is deleted', async () => {
    const server = await startSftp();
    const request = await provisioned({ partnerId: 'acme', accountId: null, transferHost: server.endpoint, hostKeys: ['SHA256:notTheHostKeyThatAnswers0000000000000000000'] });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('failed');
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(blocksText(failed)).toContain(`:x: SFTP host key — ${server.endpoint} presented host key ${server.hostKeyFingerprint}, which is not one of the Transfer server`);
    expect(blocksText(failed)).toContain(':white_check_mark: temporary SFTP key deleted');
    expect(server.logins).toEqual([]);
    expect((await h.fake.user('acme'))?.SshPublicKeys?.map((k) => k.SshPublicKeyBody)).toEqual(request.sshKeys);
  });

  it('when the Transfer server reports no host keys, then the probe does not connect and imports no key', async () => {
    const server = await startSftp();
    const request = await provisioned({ partnerId: 'acme', accountId: null, transferHost: server.endpoint, hostKeys: [] });

    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('failed');
    const failed = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && verifyButton(c) !== undefined);
    expect(blocksText(failed)).toContain(':x: SFTP host key — the Transfer server reports no host keys');
    expect(server.logins).toEqual([]);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(ImportSshPublicKeyCommand, 0);
  });
  it('when the partner is offboarded while its verification runs, then the result is not recorded and the partner stays offboarded', async () => {
    const request = await provisioned({ partnerId: 'acme', accountId: '444455556666', settleSeconds: 300 });
    const jobId = verifyJobId({ requestId: request.id, attempt: 1 });
    // Offboarding lands while the probes run: the first AssumeRole sees it happen, and is denied.
    h.fake.sts.on(AssumeRoleCommand).callsFake(async () => {
      await h.partners.apply('acme', 'offboarded', { updatedAt: h.clock.now().toISOString() });
      throw accessDenied('sts', 'the role is gone');
    });
    h.clock.advance(300_000);
    await (await h.verifyQueue.getJob(jobId))!.promote();
    expect((await h.settled(h.verifyQueue, jobId)).state).toBe('completed');

    expect(await h.partners.get('acme')).toMatchObject({ status: 'offboarded' });
    expect(await h.partners.liveIds()).toEqual([]);
    expect(h.live).toEqual([]);
    await h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('but the partner is now offboarded: the result was not recorded'));
  });
});
