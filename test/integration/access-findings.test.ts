/**
 * IAM Access Analyzer's findings through the platform events consumer in the worker role's wiring
 * (the container, real Redis and BullMQ, SQS through aws-sdk-client-mock), as EventBridge delivers
 * them: an active finding on a partner role for an account other than the partner's approved one
 * is reported in the partner's thread, audited, and the partner checked; one on the bucket is
 * reported in the approvals channel; the partner's own account is expected and only logged;
 * archived and resolved findings change nothing. Issue 16 item 6.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queuedMessages } from '../support/notify-outbox.js';
import { partnerRecord } from '../support/ports.js';
import { accessAnalyzerFinding, partnerRoleArnOf } from '../support/platform-events.js';
import { startPlatformEventsRig, type PlatformEventsRig } from '../support/platform-events-rig.js';

const PARTNER_ACCOUNT = '444455556666';
const EXTERNAL_ID = 'EXT-abcdefghijklmnopqrstuvwxyz012345';

let t: PlatformEventsRig;
beforeEach(async () => {
  t = await startPlatformEventsRig('aa');
  await t.c.stores.partners.save(partnerRecord({ partnerId: 'acme', accountId: PARTNER_ACCOUNT, threadRef: 'card:req_acme', channel: 'C0PARTNERS' }));
});
afterEach(async () => {
  await t.close();
});

const findingLogs = () => t.logs.lines.filter((l) => String(l['msg']).startsWith('access finding:')).map((l) => String(l['msg']));

describe('IAM Access Analyzer findings', () => {
  it('when an active finding on a partner role names an account other than the partner’s, then the partner’s thread is told (escaped), the partner is checked and the finding audited, its ExternalId nowhere', async () => {
    const event = accessAnalyzerFinding({
      resource: partnerRoleArnOf('acme'), principal: { AWS: '999988887777', Federated: '<!channel>' }, condition: { 'sts:externalid': EXTERNAL_ID },
    });
    expect(await t.deliver(event)).toBe(1);
    const [queued, ...others] = await queuedMessages(t.redis, t.prefix);
    expect(others).toEqual([]);
    expect(queued!.lane).toBe('ref:card:req_acme'); // the partner's thread
    expect(queued!.identity).toContain('IAM role partnergate-partner-acme is reachable from outside the account');
    expect(queued!.identity).toContain(`only the partner's own account ${PARTNER_ACCOUNT} is approved, and AWS 999988887777, Federated &lt;!channel&gt; may`);
    expect(queued!.identity).not.toContain('<!channel>');
    expect(await t.checks()).toEqual([{ name: 'check', data: { partnerId: 'acme' } }]);
    expect(t.audits).toEqual([expect.objectContaining({
      type: 'access.finding', partnerId: 'acme', actor: 'iam-access-analyzer',
      details: expect.objectContaining({ resource: partnerRoleArnOf('acme'), principals: ['AWS 999988887777', 'Federated <!channel>'], conditionKeys: ['sts:externalid'] }),
    })]);
    expect(JSON.stringify([t.audits, t.logs.lines, await queuedMessages(t.redis, t.prefix)])).not.toContain(EXTERNAL_ID);
  });

  it('when an active finding is on the bucket, then the approvals channel is told, even for a partner’s account: none is approved on the bucket', async () => {
    await t.deliver(accessAnalyzerFinding({ resourceType: 'AWS::S3::Bucket', resource: `arn:aws:s3:::${t.c.config.platform.bucket}`, principal: { AWS: PARTNER_ACCOUNT }, action: ['s3:GetObject'] }));
    const [queued] = await queuedMessages(t.redis, t.prefix);
    expect(queued!.lane).toContain('C0APPROVALS');
    expect(queued!.identity).toContain(`the bucket ${t.c.config.platform.bucket} is reachable from outside the account`);
    expect(queued!.identity).toContain('`s3:GetObject`');
    expect(await t.checks()).toEqual([]);
    expect(t.audits).toEqual([expect.objectContaining({ type: 'access.finding', details: expect.objectContaining({ resourceType: 'AWS::S3::Bucket' }) })]);
    expect(t.audits[0]).not.toHaveProperty('partnerId');
  });

  it('when the partner role’s finding names the partner’s own approved account, or a finding is archived or resolved, then nothing is posted, queued or audited; each is logged', async () => {
    const role = partnerRoleArnOf('acme');
    const deleted = await t.deliver(
      accessAnalyzerFinding({ resource: role, principal: { AWS: PARTNER_ACCOUNT }, condition: { 'sts:externalid': EXTERNAL_ID } }),
      accessAnalyzerFinding({ resource: role, principal: { AWS: '999988887777' }, status: 'ARCHIVED' }),
      accessAnalyzerFinding({ resource: role, principal: { AWS: '999988887777' }, status: 'RESOLVED' }),
    );
    expect(deleted).toBe(3);
    expect(await queuedMessages(t.redis, t.prefix)).toEqual([]);
    expect(await t.checks()).toEqual([]);
    expect(t.audits).toEqual([]);
    expect(findingLogs()).toEqual([
      'access finding: the partner’s own approved account, expected',
      'access finding: changes nothing',
      'access finding: changes nothing',
    ]);
  });

  it('when the partner is offboarded, then its account is approved no more: the finding is reported', async () => {
    await t.c.stores.partners.save(partnerRecord({ partnerId: 'acme', accountId: PARTNER_ACCOUNT, status: 'offboarded' }));
    await t.deliver(accessAnalyzerFinding({ resource: partnerRoleArnOf('acme'), principal: { AWS: PARTNER_ACCOUNT } }));
    expect(findingLogs()).toEqual(['access finding: access from outside the account that no one approved']);
    expect(t.audits).toEqual([expect.objectContaining({ type: 'access.finding', details: expect.objectContaining({ why: `no outside account is approved on it, and AWS ${PARTNER_ACCOUNT} may` }) })]);
  });

  it('when the same finding event arrives twice, then it is handled once', async () => {
    const event = accessAnalyzerFinding({ resource: partnerRoleArnOf('acme'), principal: { AWS: '999988887777' } });
    expect(await t.deliver(event, event)).toBe(2);
    expect(t.audits).toHaveLength(1);
    expect(t.logs.lines.filter((l) => l['msg'] === 'platform event: duplicate, skipped')).toEqual([expect.objectContaining({ call: 'access-analyzer:Finding' })]);
  });
});
