/**
 * The rights `partnergate doctor` asks IAM about are the rights the rendered bot role grants: every
 * sample is Allowed by the bot's own policy (offline engine), and a sample the role does not grant
 * is told apart — so the doctor's simulation and the renderer cannot drift apart unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { botRightSamples, identityPolicies, renderPlatform, type PolicyDocument } from '../../../../src/aws/policies/index.js';
import { IamEngine } from '../../../../tools/isolation/iam-engine.js';
import { platformFor } from '../../../support/provision-fixtures.js';

const engine = new IamEngine();
const platform = platformFor();
const rendered = renderPlatform(platform);
/** The bot role's managed policies as one document (the same allows and denies). */
const botPolicy: PolicyDocument = { Version: '2012-10-17', Statement: identityPolicies(rendered.botRole).flatMap((p) => p.document.Statement) };

async function decisions(policy: PolicyDocument, samples = botRightSamples(platform, { deliveryQueue: true, platformEventsQueue: true })) {
  return Promise.all(samples.map(async (s) => {
    // KMS needs the key policy too (IAM's simulation reads identity policies only; the engine models both).
    const resource = s.group === 'key' ? { resource: rendered.kmsKeyPolicy } : {};
    const r = await engine.simulate({ identity: [{ name: 'bot', document: policy }], ...resource }, {
      principal: `arn:aws:sts::${platform.accountId}:assumed-role/partnergate-bot/doctor`, action: s.action, resource: s.resource,
      resourceAccount: platform.accountId, context: s.context ?? {},
    });
    return `${s.group}: ${s.action} on ${s.resource}: ${r.decision}`;
  }));
}

describe('the bot rights the doctor checks', () => {
  it('when evaluated against the rendered bot role, then every sample is allowed, in every group', async () => {
    const samples = botRightSamples(platform, { deliveryQueue: true, platformEventsQueue: true });
    expect(new Set(samples.map((s) => s.group))).toEqual(new Set(['bucket', 'key', 'partner roles', 'transfer', 'verifier', 'policy checks', 'queues']));
    for (const line of await decisions(botPolicy)) expect(line).toMatch(/: Allowed$/);
  });

  it('when a queue is not configured, then its rights are not asked for', () => {
    expect(botRightSamples(platform, { deliveryQueue: false, platformEventsQueue: false }).filter((s) => s.group === 'queues')).toEqual([]);
    expect(botRightSamples(platform, { deliveryQueue: true, platformEventsQueue: false }).filter((s) => s.group === 'queues').map((s) => s.resource))
      .toEqual(Array(4).fill(`arn:aws:sqs:eu-west-1:${platform.accountId}:partnergate-deliveries`));
  });

  it('when the role lacks a statement (passing the Transfer role), then exactly those samples are not allowed', async () => {
    const broken: PolicyDocument = { ...botPolicy, Statement: botPolicy.Statement.filter((s) => s.Sid !== 'PassTransferRoleToTransfer') };
    const denied = (await decisions(broken)).filter((l) => !l.endsWith(': Allowed'));
    expect(denied).toEqual([`partner roles: iam:PassRole on ${platform.transferRoleArn}: ImplicitlyDenied`]);
  });
});
