import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../../src/config.js';
import { POLICY_SIZE_LIMITS, renderPartner, toCreateUserRequest, type PolicyDocument } from '../../src/aws/policies/index.js';
import { isPartnerId, RESERVED_PARTNER_IDS } from '../../src/domain/partner-id.js';
import { checkPartnerAccountId } from '../../src/domain/aws-account-id.js';
import {
  dependencyCycle,
  deploy,
  evaluateCondition,
  isCreated,
  parseTemplate,
  propertiesOf,
  referenceProblems,
  type CfnTemplate,
  type Deployment,
} from '../../tools/cloudformation/cloudformation.js';
import { externalIdFor } from '../support/iam-fixtures.js';

const PARTNER = 'manifests/partner/partner.yaml';
const partnerTemplate = () => parseTemplate(readFileSync(PARTNER, 'utf8'));

const ACCOUNT = '111122223333';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl partner@example';

interface Platform {
  region: string;
  partition: string;
  bucket: string;
}

const EU: Platform = { region: 'eu-west-1', partition: 'aws', bucket: 'acme-partner-files' };

function platformOf(p: Platform) {
  return loadPlatformConfig({
    AWS_REGION: p.region,
    AWS_ACCOUNT_ID: ACCOUNT,
    DISTRIBUTION_BUCKET: p.bucket,
    KMS_KEY_ARN: `arn:${p.partition}:kms:${p.region}:${ACCOUNT}:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c`,
    TRANSFER_SERVER_ID: 's-0123456789abcdef0',
  });
}

function deployPartner(t: CfnTemplate, partner: Record<string, string>, p: Platform = EU): Deployment {
  const platform = platformOf(p);
  return deploy(
    t,
    { SshPublicKey: SSH_KEY, BucketName: platform.bucket, KmsKeyArn: platform.kmsKeyArn, TransferServerId: platform.transferServerId, ...partner },
    { 'AWS::Region': p.region, 'AWS::Partition': p.partition, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': p.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com' },
  );
}


function holds(d: Deployment, rule: string): boolean {
  const r = d.template.Rules![rule]!;
  if (r.RuleCondition !== undefined && !evaluateCondition(d, r.RuleCondition)) return true;
  return r.Assertions.every((a) => evaluateCondition(d, a.Assert));
}

/** The descriptions of every assertion the deployment fails (empty: the stack accepts the parameters). */
function failedAssertions(d: Deployment): string[] {
  return Object.values(d.template.Rules ?? {}).flatMap((r) =>
    r.RuleCondition !== undefined && !evaluateCondition(d, r.RuleCondition)
      ? []
      : r.Assertions.filter((a) => !evaluateCondition(d, a.Assert)).map((a) => a.AssertDescription ?? '(no description)'));
}

describe('manifests/partner/partner.yaml as CloudFormation', () => {
  it('when parsed with the intrinsic tags, then every Ref, GetAtt, Sub, condition and DependsOn names something that exists', () => {
    const t = partnerTemplate();
    expect(referenceProblems(t)).toEqual([]);
    expect(dependencyCycle(t)).toBeNull();
  });

  it('when the parameters are read, then the ExternalId is NoEcho and the account is optional', () => {
    const p = partnerTemplate().Parameters!;
    expect(p['ExternalId']).toMatchObject({ NoEcho: true, Default: '' });
    expect(p['PartnerAccountId']).toMatchObject({ Default: '' });
    expect(p['PartnerId']!['Default']).toBeUndefined();
  });

  it('when an id is tried against the PartnerId pattern and rules, then the stack accepts exactly the ids the bot accepts', () => {
    const t = partnerTemplate();
    const pattern = new RegExp(String(t.Parameters!['PartnerId']!['AllowedPattern']));
    const ids = [
      'acme', 'acme-corp', 'a1b', 'a'.repeat(32), '0ab', 'feeds',
      'ab', 'a'.repeat(33), 'Acme', 'acme-', '-canary', 'acme_corp', 'acme.corp', 'acme/corp', 'a*b', 'a?b', '${aws:username}', 'acme corp', 'acmé', '',
    ];
    for (const id of ids) {
      const stackAccepts = pattern.test(id) && holds(deployPartner(t, { PartnerId: id }), 'PartnerIdNotReserved');
      expect({ id, accepted: stackAccepts }).toEqual({ id, accepted: isPartnerId(id) });
    }
    for (const reserved of RESERVED_PARTNER_IDS) expect(holds(deployPartner(t, { PartnerId: reserved }), 'PartnerIdNotReserved')).toBe(false);
  });

  it('when an account is given without an ExternalId, then the stack refuses it', () => {
    const t = partnerTemplate();
    expect(holds(deployPartner(t, { PartnerId: 'acme', PartnerAccountId: '444455556666' }), 'ExternalIdWithAccount')).toBe(false);
    expect(holds(deployPartner(t, { PartnerId: 'acme', PartnerAccountId: '444455556666', ExternalId: externalIdFor('acme') }), 'ExternalIdWithAccount')).toBe(true);
    expect(holds(deployPartner(t, { PartnerId: 'acme' }), 'ExternalIdWithAccount')).toBe(true);
    expect(() => deployPartner(t, { PartnerId: 'acme', PartnerAccountId: '4444-5555-6666' })).toThrow(/AllowedPattern/);
    expect(() => deployPartner(t, { PartnerId: 'acme', ExternalId: 'too-short' })).toThrow(/AllowedPattern/);
  });

  it('when the partner account is the platform\'s own account, then the stack refuses it with a clear reason, as the renderer does', () => {
    const t = partnerTemplate();
    const externalId = externalIdFor('acme');
    for (const accountId of [ACCOUNT, '444455556666', '']) {
      const failed = failedAssertions(deployPartner(t, { PartnerId: 'acme', PartnerAccountId: accountId, ...(accountId ? { ExternalId: externalId } : {}) }));
      expect({ accountId, accepted: failed.length === 0 }).toEqual({ accountId, accepted: checkPartnerAccountId(accountId, ACCOUNT).ok });
    }
    expect(() => renderPartner(platformOf(EU), { partnerId: 'acme', accountId: ACCOUNT, externalId, sshKeys: [], feeds: [] })).toThrow(/own AWS account/);
    const failed = failedAssertions(deployPartner(t, { PartnerId: 'acme', PartnerAccountId: ACCOUNT, ExternalId: externalId }));
    expect(failed).toEqual([expect.stringMatching(/PartnerAccountId .*this platform's own AWS account/)]);
  });

  describe.each([
    ['a partner with an AWS account', 'acme-corp', '444455556666', EU],
    ['the longest id, the longest bucket name, in China', 'a'.repeat(32), '444455556666', { region: 'cn-north-1', partition: 'aws-cn', bucket: `b${'-'.repeat(61)}b` }],
    ['an SFTP-only partner', 'globex', undefined, EU],
  ] as const)('when %s is deployed, the resources are what the bot would create', (_label, partnerId, accountId, where) => {
    const t = partnerTemplate();
    const externalId = externalIdFor(partnerId);
    const d = deployPartner(t, { PartnerId: partnerId, ...(accountId ? { PartnerAccountId: accountId, ExternalId: externalId } : {}) }, where);
    const rendered = renderPartner(platformOf(where), { partnerId, ...(accountId ? { accountId } : {}), externalId, sshKeys: [], feeds: [] });

    it('then the Transfer user is the CreateUser request the bot sends, session policy byte for byte', () => {
      const { SshPublicKeys, ...user } = propertiesOf(d, 'TransferUser');
      expect(user).toEqual(toCreateUserRequest(rendered.transferUser));
      expect(SshPublicKeys).toEqual([SSH_KEY]);
      expect((user['Policy'] as string).length).toBeLessThanOrEqual(POLICY_SIZE_LIMITS.transferSessionPolicy);
      expect(user['HomeDirectoryMappings']).toEqual([{ Entry: '/', Target: `/${where.bucket}/partners/${partnerId}` }]);
    });

    it('then the partner role exists exactly when there is an account, and is the renderer\'s', () => {
      const role = d.template.Resources['PartnerRole']!;
      expect(isCreated(d, role)).toBe(accountId !== undefined);
      expect(isCreated(d, d.template.Outputs!['PartnerRoleArn']!)).toBe(accountId !== undefined);
      if (rendered.partnerRole === null) return;
      const p = propertiesOf(d, 'PartnerRole');
      expect(d.physical('PartnerRole', 'Arn')).toBe(rendered.partnerRole.arn);
      expect({
        roleName: p['RoleName'],
        path: p['Path'],
        permissionsBoundary: p['PermissionsBoundary'],
        trustPolicy: p['AssumeRolePolicyDocument'],
        policies: (p['Policies'] as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>).map((x) => ({ name: x.PolicyName, document: x.PolicyDocument })),
        tags: Object.fromEntries((p['Tags'] as Array<{ Key: string; Value: string }>).map((x) => [x.Key, x.Value])),
      }).toEqual({
        roleName: rendered.partnerRole.roleName,
        path: rendered.partnerRole.path,
        permissionsBoundary: rendered.partnerRole.permissionsBoundary,
        trustPolicy: rendered.partnerRole.trustPolicy,
        policies: rendered.partnerRole.policies,
        tags: rendered.partnerRole.tags,
      });
    });
  });
});
