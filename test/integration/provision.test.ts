/**
 * The provision job end to end: BullMQ on the real Redis, the notify queue posting to a fake Slack,
 * s3rver for the home marker, and the fake AWS control plane (aws-sdk-client-mock, state in Redis).
 */
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateRoleCommand, IAMServiceException } from '@aws-sdk/client-iam';
import { CreateUserCommand, DescribeUserCommand, ThrottlingException, TransferServiceException } from '@aws-sdk/client-transfer';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ACTIONS } from '../../src/bot/messages/ids.js';
import { homeMarkerKey } from '../../src/aws/s3-objects.js';
import { renderPartner } from '../../src/aws/policies/index.js';
import { specOf } from '../../src/actions/onboarding/plan.js';
import { retryProvisioning } from '../../src/actions/onboarding/retry-provisioning.js';
import { addProvisionJob } from '../../src/jobs/onboarding/provision.js';
import { verifyJobId } from '../../src/actions/onboarding/contract.js';
import { REQUEST_TAG_KEY } from '../../src/jobs/onboarding/intended-state.js';
import { APPROVER, buttonIn, CHANNEL, platformFor, REQUESTER, startProvisionHarness, type ProvisionHarness } from '../support/provision-harness.js';
import type { SlackCall } from '../../tools/local/fake-slack.js';

const writes = (calls: string[]) => calls.filter((c) => !c.startsWith('AssumeRole'));
const retryButton = (c: SlackCall) => buttonIn(c, ACTIONS.retryProvision);
/** The welcome: a DM (a post whose channel is the requester) whose text starts "Welcome text". */
const isWelcome = (c: SlackCall) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).startsWith('Welcome text');

describe('provision job', () => {
  let h: ProvisionHarness;

  beforeEach(async () => {
    h = await startProvisionHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('when an approved request is provisioned, then each resource is created once, tagged, reported, and verification is queued', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 2 });
    h.startWorkers({ settleSeconds: 3600 });
    await h.provision({ requestId: request.id, attempt: 1 });

    const { state } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('completed');
    expect(writes(await h.fake.calls())).toEqual([
      'CreateUser acme',
      'ImportSshPublicKey acme',
      'CreateRole partnergate-partner-acme',
      'PutRolePolicy partnergate-partner-acme partnergate-read-own-prefix',
    ]);
    const user = await h.fake.user('acme');
    expect(user?.SshPublicKeys?.map((k) => k.SshPublicKeyBody).sort()).toEqual([...request.sshKeys].sort());
    expect(user?.Tags).toEqual(expect.arrayContaining([{ Key: 'partnergate:partner-id', Value: 'acme' }, { Key: REQUEST_TAG_KEY, Value: request.id }]));
    expect((await h.fake.role('partnergate-partner-acme'))?.Tags).toEqual(expect.arrayContaining([{ Key: REQUEST_TAG_KEY, Value: request.id }]));
    await expect(h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: homeMarkerKey('acme') }))).resolves.toBeDefined();

    const record = await h.partners.get('acme');
    expect(record).toMatchObject({ status: 'verifying', requestId: request.id, dryRun: false });
    expect(record?.steps).toEqual(['preflight', 'transfer-user', 'ssh-keys', 'partner-role', 'home-marker', 'registry']);
    expect(record?.transferUserCreatedAt).toBe(h.clock.now().toISOString());

    const verify = await h.verifyQueue.getJob(verifyJobId({ requestId: request.id, attempt: 1 }));
    expect(verify?.opts.delay).toBe(3600 * 1000);

    const done = await h.slack.waitFor((c) => c.method === 'chat.update' && String(c.body.text) === 'Provisioning acme: done');
    expect(JSON.stringify(done.body.blocks)).toContain(':white_check_mark: Partner role and its inline policy');
    const welcome = await h.slack.waitFor(isWelcome);
    const welcomeText = JSON.stringify(welcome.body.blocks);
    expect(welcomeText).not.toContain(request.externalId);
    expect(welcomeText).toContain('arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme');
    expect(welcomeText).toContain('user name: `acme`');
    // The ExternalId in a DM of its own; the thread only hears that the welcome was sent, and to whom.
    const secret = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).startsWith('ExternalId'));
    expect(JSON.stringify(secret.body.blocks)).toContain(request.externalId);
    const sent = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL && String(c.body.text).includes('was sent by DM'));
    expect(String(sent.body.text)).toContain(`<@${REQUESTER}>`);
    expect(h.slack.calls('chat.postMessage').filter((c) => c.body.channel === CHANNEL && JSON.stringify(c.body).includes(request.externalId))).toEqual([]);
  });

  it('when TRANSFER_HOST and TRANSFER_STATIC_IPS are set, then the welcome gives the host, port 22, the server\'s host-key fingerprints (read from Transfer) and the static IPs', async () => {
    h.fake.hostKeyFingerprints = ['SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0'];
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1 });
    h.startWorkers({ settleSeconds: 3600, transferHost: 'sftp.acme-prices.example', transferStaticIps: ['203.0.113.10', '203.0.113.11'] });
    await h.provision({ requestId: request.id, attempt: 1 });
    const welcome = await h.slack.waitFor(isWelcome);
    const text = JSON.stringify(welcome.body.blocks);
    expect(text).toContain('host: `sftp.acme-prices.example`, port `22`');
    expect(text).toContain('`SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0`');
    expect(text).toContain('`203.0.113.10`, `203.0.113.11`');
  });

  it('when the host keys cannot be read, then the welcome still goes and says so, and provisioning is not held up', async () => {
    h.fake.failNext('ListHostKeys', new TransferServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not allowed', $metadata: { httpStatusCode: 400 } }));
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1, accountId: null });
    h.startWorkers({ settleSeconds: 3600, transferHost: 'sftp.acme-prices.example' });
    await h.provision({ requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');
    const welcome = await h.slack.waitFor(isWelcome);
    const text = JSON.stringify(welcome.body.blocks);
    expect(text).toContain('could not be read just now');
    expect(text).not.toContain('allow-list');
  });

  it('when the job runs again after it finished, then nothing more is created or posted', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 2 });
    h.startWorkers({ settleSeconds: 3600 });
    await h.provision({ requestId: request.id, attempt: 1 });
    await h.settled(h.provisionQueue, request.id);
    const before = await h.fake.calls();
    await h.slack.waitFor(isWelcome);

    await (await h.provisionQueue.getJob(request.id))!.remove();
    await h.provision({ requestId: request.id, attempt: 1 });
    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');
    expect(await h.fake.calls()).toEqual(before);
    expect(h.slack.calls('chat.postMessage').filter(isWelcome)).toHaveLength(1);
  });

  it('when a step is throttled, then BullMQ retries it and the rerun re-checks the earlier steps without creating them again', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 2 });
    h.fake.failNext('CreateRole',
      new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
    );
    h.startWorkers({ settleSeconds: 3600 });
    await h.provision({ requestId: request.id, attempt: 1 });

    const { state, job } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(2); // the throttled try and the one that finished
    expect(writes(await h.fake.calls())).toEqual([
      'CreateUser acme', 'ImportSshPublicKey acme', 'CreateRole partnergate-partner-acme', 'PutRolePolicy partnergate-partner-acme partnergate-read-own-prefix',
    ]);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(CreateUserCommand, 1);
    expect(h.fake.iam).toHaveReceivedCommandTimes(CreateRoleCommand, 2);
    expect(h.fake.transfer.commandCalls(DescribeUserCommand).length).toBeGreaterThanOrEqual(4);
    await h.slack.waitFor((c) => c.method === 'chat.update' && JSON.stringify(c.body.blocks).includes(':repeat: Partner role and its inline policy — AWS was too busy'));
  });

  it('when AWS denies a step, then the job fails at once, says where and why with a Retry button, and an approver\'s retry finishes it', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1 });
    h.fake.failNext('CreateRole',
      new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized to perform: iam:CreateRole', $metadata: { httpStatusCode: 403 } }),
    );
    h.startWorkers({ settleSeconds: 3600 });
    await h.provision({ requestId: request.id, attempt: 1 });

    const { state, job } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1);
    expect(await h.partners.get('acme')).toMatchObject({ status: 'provision_failed' });
    const failure = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && retryButton(c) !== undefined);
    expect(retryButton(failure)?.value).toBe(`${request.id}:partner-role`);
    expect(JSON.stringify(failure.body.blocks)).not.toContain('AccessDenied');
    expect(JSON.stringify(failure.body.blocks)).toContain('AWS refused the bot. The bot’s role is not allowed to do this');
    expect(JSON.stringify(failure.body.blocks)).toContain('not authorized to perform: iam:CreateRole');
    // The requester hears it by DM: where, why in words, and who can retry.
    const told = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).startsWith(':x: Provisioning'));
    expect(String(told.body.text)).toContain('failed at "Partner role and its inline policy": AWS refused the bot');
    expect(JSON.stringify(told.body.blocks)).toContain(`<@${APPROVER}> can press Retry`);

    const retryDeps = h.retryDeps();
    const [first, second] = await Promise.all([
      retryProvisioning(retryDeps, { requestId: request.id, step: 'partner-role', actor: APPROVER }),
      retryProvisioning(retryDeps, { requestId: request.id, step: 'partner-role', actor: 'UAPPROVER2' }),
    ]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);

    const retried = await h.settled(h.provisionQueue, `${request.id}-retry-2`);
    expect(retried.state).toBe('completed');
    expect(await h.partners.get('acme')).toMatchObject({ status: 'verifying' });
    expect(writes(await h.fake.calls())).toEqual(['CreateUser acme', 'CreateRole partnergate-partner-acme', 'PutRolePolicy partnergate-partner-acme partnergate-read-own-prefix']);
    const updated = await h.slack.waitFor((c) => c.method === 'chat.update' && String(c.body.text).includes('retried'));
    expect(retryButton(updated)).toBeUndefined();
  });

  it('when the plan renders differently from the approved one, then the job refuses and nothing is done on AWS', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', planPlatform: platformFor({ TRANSFER_ROLE_ARN: 'arn:aws:iam::111122223333:role/partnergate/old-transfer' }) });
    h.startWorkers();
    await h.provision({ requestId: request.id, attempt: 1 });

    const { state, job } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('plan_changed');
    for (const stub of [h.fake.transfer, h.fake.iam, h.fake.sts, h.fake.analyzer]) expect(stub.calls()).toHaveLength(0);
    expect(await h.partners.get('acme')).toBeNull();
    const refused = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('refused'));
    expect(String(refused.body.text)).toContain('Nothing was done on AWS');
  });

  it('when the approver is no longer an approver when the job runs, then it refuses and nothing is done on AWS', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme' });
    h.approvers.set.delete(APPROVER);
    h.startWorkers();
    await h.provision({ requestId: request.id, attempt: 1 });

    const { state, job } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('approver_not_approver');
    for (const stub of [h.fake.transfer, h.fake.iam, h.fake.sts, h.fake.analyzer]) expect(stub.calls()).toHaveLength(0);
    await h.slack.waitFor((c) => String(c.body.text).includes('is not an approver any more'));
  });

  it('when partners are provisioned in parallel, then each gets exactly its own resources', async () => {
    const ids = ['acme', 'acme-corp', 'globex', 'initech'];
    const requests = await Promise.all(ids.map((partnerId, i) => h.approvedRequest({ partnerId, sshKeys: 2, accountId: i % 2 ? null : '444455556666' })));
    h.startWorkers({ settleSeconds: 3600, options: { concurrency: 4 } });
    await Promise.all(requests.map((r) => h.provision({ requestId: r.id, attempt: 1 })));
    for (const r of requests) expect((await h.settled(h.provisionQueue, r.id)).state).toBe('completed');

    const calls = writes(await h.fake.calls());
    for (const [i, r] of requests.entries()) {
      expect(calls.filter((c) => c === `CreateUser ${r.partnerId}`)).toHaveLength(1);
      expect(calls.filter((c) => c === `ImportSshPublicKey ${r.partnerId}`)).toHaveLength(1);
      expect(calls.filter((c) => c === `CreateRole partnergate-partner-${r.partnerId}`)).toHaveLength(i % 2 ? 0 : 1);
      const user = await h.fake.user(r.partnerId);
      expect(user?.HomeDirectoryMappings).toEqual([{ Entry: '/', Target: `/${h.platform.bucket}/partners/${r.partnerId}` }]);
      expect(user?.SshPublicKeys?.map((k) => k.SshPublicKeyBody).sort()).toEqual([...r.sshKeys].sort());
      const rendered = renderPartner(h.platform, specOf(r));
      if (rendered.partnerRole) expect(await h.fake.rolePolicy(rendered.partnerRole.roleName, rendered.partnerRole.policies[0]!.name)).toEqual(rendered.partnerRole.policies[0]!.document);
      expect(await h.partners.get(r.partnerId)).toMatchObject({ status: 'verifying', requestId: r.id });
    }
  });

  it('when throttling lasts past the last try, then the failure is final and reported in words (the code stays in the logs)', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 1, accountId: null });
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    h.fake.failNext('CreateUser', throttled(), throttled(), throttled());
    h.startWorkers();
    await addProvisionJob(h.provisionQueue, { requestId: request.id, attempt: 1 }, 3);

    const { state, job } = await h.settled(h.provisionQueue, request.id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(h.fake.transfer).toHaveReceivedCommandTimes(CreateUserCommand, 3);
    const failure = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && retryButton(c) !== undefined);
    expect(retryButton(failure)?.value).toBe(`${request.id}:transfer-user`);
    expect(JSON.stringify(failure.body.blocks)).toContain('AWS was too busy. AWS asked the bot to slow down on every try.');
    expect(JSON.stringify(failure.body.blocks)).not.toContain('ThrottlingException');
  });
});

describe('provision job in DRY_RUN', () => {
  let h: ProvisionHarness;
  beforeEach(async () => {
    h = await startProvisionHarness({ dryRun: true });
  });
  afterEach(async () => {
    await h.close();
  });

  it('when DRY_RUN is on, then no control-plane call is sent, the plan is in the thread, the marker is real, and the partner goes LIVE as dry run', async () => {
    const request = await h.approvedRequest({ partnerId: 'acme', sshKeys: 2 });
    h.startWorkers({ settleSeconds: 3600 });
    await h.provision({ requestId: request.id, attempt: 1 });

    expect((await h.settled(h.provisionQueue, request.id)).state).toBe('completed');
    expect((await h.settled(h.verifyQueue, verifyJobId({ requestId: request.id, attempt: 1 }))).state).toBe('completed');
    for (const stub of [h.fake.transfer, h.fake.iam, h.fake.sts, h.fake.analyzer]) expect(stub.calls()).toHaveLength(0);
    await expect(h.s3.client.send(new HeadObjectCommand({ Bucket: h.s3.bucket, Key: homeMarkerKey('acme') }))).resolves.toBeDefined();
    expect(await h.partners.get('acme')).toMatchObject({ status: 'live', dryRun: true });
    expect(h.live).toEqual(['acme']);

    const progress = await h.slack.waitFor((c) => c.method === 'chat.update' && String(c.body.text) === 'Provisioning acme: planned');
    const text = JSON.stringify(progress.body.blocks);
    expect(text).toContain('a dry run: AWS changes are planned, not made');
    expect(text).toContain(':memo: Transfer user — planned: CreateUser acme');
    expect(text).toContain(':memo: SSH keys — planned: 2 keys: ImportSshPublicKey ×1 after CreateUser');
    expect(text).toContain(':memo: Partner role and its inline policy — planned');
    expect(text).not.toMatch(/:white_check_mark: (Transfer user|SSH keys|Partner role)/);
    const checklist = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text) === 'acme is LIVE');
    expect(JSON.stringify(checklist.body.blocks)).toContain('live probes as the partner (S3, SFTP) — a dry run');
    const live = await h.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === REQUESTER && String(c.body.text).includes('is LIVE in a dry run'));
    expect(String(live.body.text)).toContain('nothing exists on AWS');
  });
});
