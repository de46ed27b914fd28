/**
 * Issue 16 item 4, on the event alone: an AttachRolePolicy on a LIVE partner's role by someone else,
 * read from SQS by the product's platform events loop, quarantines the partner before and without
 * reading AWS (the call can only widen its access, whatever policy it attaches): the alert, in its
 * thread and the approvals channel, says who, the call and the policy; the check the event queued
 * then reports the full difference. A duplicate or a burst quarantines and alerts once. A check that
 * finds the approved state (the change already undone) releases the partner as it releases one
 * quarantined for drift; a partner held by a lapsed access review stays held.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import type { Notify } from '../../../src/actions/ports.js';
import { platformEventScope } from '../../../src/aws/policies/index.js';
import { addEventCheckJob } from '../../../src/jobs/lifecycle/index.js';
import { createPlatformEventsSource } from '../../../src/jobs/platform-events/index.js';
import type { SqsPoller } from '../../../src/jobs/platform/sqs-poller.js';
import { fakeSqsQueue, type FakeSqsQueue } from '../../../tools/local/fake-sqs.js';
import type { SlackCall } from '../../../tools/local/fake-slack.js';
import { until } from '../../support/notify-outbox.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';
import { ADMIN_ARN, attachReadOnly, READ_ONLY, READ_ONLY_ARN } from '../../support/platform-events.js';

const ROLE = 'partnergate-partner-acme';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/partnergate-platform-events';

let t: LifecycleHarness;
let sqs: FakeSqsQueue;
let source: SqsPoller;
/** The IAM GetRole calls on the partner's role made by the time each quarantine alert was queued. */
let getRolesAtAlert: number[];

const getRoles = () => t.h.fake.iam.commandCalls(GetRoleCommand).filter((c) => (c.args[0].input as { RoleName?: string }).RoleName === ROLE).length;
const quarantineAlert = (c: SlackCall) => c.ok && c.method === 'chat.postMessage' && String(c.body['text']).includes('`acme` is QUARANTINED');

beforeEach(async () => {
  t = await startLifecycleHarness();
  sqs = fakeSqsQueue();
  getRolesAtAlert = [];
  const notify: Notify = async (m) => {
    if ('text' in m && String(m.text).includes('`acme` is QUARANTINED')) getRolesAtAlert.push(getRoles());
    return t.h.notify(m);
  };
  source = createPlatformEventsSource({
    sqs: sqs.client, queueUrl: QUEUE_URL, redis: t.h.redis, prefix: t.h.prefix, scope: platformEventScope(t.h.platform), notify, approvalsChannel: 'C0APPROVALS',
    audit: t.audit.audit, logger: t.h.logger, partners: t.h.partners, checkPartner: (partnerId) => addEventCheckJob(t.queues.reconcile, partnerId),
  });
});
afterEach(async () => {
  sqs.restore();
  await t.close();
});

const audited = async (type: string) => (await t.audit.history('acme')).filter((r) => r.type === type);

describe('a call that can only widen a partner’s access, caught by its event', () => {
  it('when AttachRolePolicy arrives through SQS, then the partner is QUARANTINED and alerted before any IAM read, once for a duplicate and a burst; the check then reports the difference', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.h.fake.attachManagedPolicy(ROLE, READ_ONLY_ARN, READ_ONLY);
    t.h.fake.iam.resetHistory();
    const event = attachReadOnly('acme');
    sqs.send(event);
    sqs.send(event); // the same EventBridge id again
    sqs.send(attachReadOnly('acme')); // another event of the burst
    expect(await source.receiveOnce()).toBe(3);
    expect(sqs.deleted).toEqual(['rh-1', 'rh-2', 'rh-3']);

    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    expect(getRolesAtAlert).toEqual([0, 0]); // the thread's and the approvals channel's, before any read of the role
    expect(getRoles()).toBe(0);
    const alerts = await t.h.slack.waitForCount(quarantineAlert, 2);
    const text = String(alerts[0]!.body['text']);
    expect(text).toContain(`\`iam:AttachRolePolicy\` by \`${ADMIN_ARN}\` on IAM role ${ROLE} (policy \`${READ_ONLY_ARN}\`)`);
    expect(text).toContain('A check of what AWS holds follows, with the full difference');
    expect(alerts.filter((c) => c.body['thread_ts']).length).toBe(1);
    expect(await audited('partner.quarantined')).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ items: [`iam:AttachRolePolicy by ${ADMIN_ARN} on IAM role ${ROLE} (${READ_ONLY_ARN})`] }) }),
    ]);

    t.startLifecycleWorkers();
    const report = await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).startsWith('Drift on acme'), 20_000);
    expect(JSON.stringify(report.body['blocks'])).toContain(`IAM role: managed policy ${READ_ONLY_ARN} is attached (partner roles may have none)`);
    expect(getRoles()).toBeGreaterThan(0);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined' });
    expect(t.h.slack.calls('chat.postMessage').filter(quarantineAlert)).toHaveLength(2); // the check did not quarantine again
    expect(await audited('partner.quarantined')).toHaveLength(1);
  });

  it('when the change was undone before the check, then the check finds the approved state and releases the partner', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    t.startLifecycleWorkers();
    sqs.send(attachReadOnly('acme')); // nothing attached in AWS any more
    await source.receiveOnce();
    await t.h.slack.waitForCount(quarantineAlert, 2);
    await t.h.slack.waitFor((c) => c.ok && String(c.body['text']).includes('`acme` is released from quarantine'), 20_000);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'live' });
    expect((await t.audit.history('acme')).map((r) => r.type)).toEqual(expect.arrayContaining(['partner.quarantined', 'partner.released']));
  });

  it('when the partner is held by a lapsed access review, then the event alerts nothing new and the clean check does not release it', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 1 });
    await t.h.partners.apply('acme', 'quarantined', { updatedAt: new Date().toISOString(), reviewHold: 'rev_1' });
    t.startLifecycleWorkers();
    sqs.send(attachReadOnly('acme'));
    await source.receiveOnce();
    const eventCheck = async () => (await t.queues.reconcile.getJobs(['completed'])).some((j) => j.name === 'check' && j.data.partnerId === 'acme');
    await until('the event’s check ran', eventCheck);
    expect(t.h.slack.calls('chat.postMessage').filter(quarantineAlert)).toEqual([]);
    expect(await t.h.partners.get('acme')).toMatchObject({ status: 'quarantined', reviewHold: 'rev_1' });
    expect(t.h.slack.calls('chat.postMessage').filter((c) => String(c.body['text']).includes('released from quarantine'))).toEqual([]);
  });
});
