import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadPlatformConfig } from '../../src/config.js';
import { STACK_NAMES, type PlatformConfig } from '../../src/aws/policies/platform.js';
import { DELIVERY_QUEUE_NAME, PLATFORM_EVENTS_QUEUE_NAME, renderPlatform, type PolicyDocument, type RenderedRole } from '../../src/aws/policies/index.js';
import { manifestFile, MANIFESTS, renderManifest } from '../../scripts/manifests/manifests.js';
import { dependencyCycle, dependsOn, deploy, isCreated, evaluateCondition, propertiesOf, referenceProblems, type Deployment } from '../../tools/cloudformation/cloudformation.js';
import { ACCOUNT, deployPlatform, envName, outputsAsEnv, outputsOf, platformTemplate, REGIONS, STATIC_IPS } from '../support/platform-stack.js';
import { testEnv } from '../../tools/local/env.js';
import { IamEngine } from '../../tools/isolation/iam-engine.js';
import { ValidationError } from '../../src/domain/errors.js';

const read = (path: string) => readFileSync(path, 'utf8');

/** A role as deployed, with the managed policies it names found among the stack's own (by their deployed ARN). */
function roleAsRendered(d: Deployment, id: string): RenderedRole {
  const p = propertiesOf(d, id);
  const managed = (p['ManagedPolicyArns'] as string[] | undefined ?? []).map((arn) => {
    const policyId = Object.keys(d.template.Resources).find((r) => d.template.Resources[r]!.Type === 'AWS::IAM::ManagedPolicy' && d.physical(r, null) === arn);
    if (!policyId) throw new Error(`${id} names ${arn}, which the stack does not create`);
    expect(dependsOn(d.template, id, policyId), `${id} depends on ${policyId}`).toBe(true);
    const m = propertiesOf(d, policyId);
    return { name: m['ManagedPolicyName'], arn, path: m['Path'], policies: [{ name: m['ManagedPolicyName'], document: m['PolicyDocument'] }] };
  });
  return {
    roleName: p['RoleName'],
    arn: d.physical(id, 'Arn'),
    trustPolicy: p['AssumeRolePolicyDocument'],
    policies: (p['Policies'] as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }> | undefined ?? []).map((x) => ({ name: x.PolicyName, document: x.PolicyDocument })),
    ...(managed.length > 0 ? { managedPolicies: managed } : {}),
  };
}

const ENV_OUTPUTS = [
  'AWS_REGION',
  'AWS_ACCOUNT_ID',
  'DISTRIBUTION_BUCKET',
  'KMS_KEY_ARN',
  'TRANSFER_SERVER_ID',
  'TRANSFER_HOST',
  'DELIVERY_QUEUE_URL',
  'OUTBOUND_PREFIX',
  'TRANSFER_ROLE_ARN',
  'VERIFIER_ROLE_ARN',
  'PERMISSIONS_BOUNDARY_ARN',
  'AUDIT_RETENTION_DAYS',
  'AUDIT_LOCK_MODE',
];

describe('manifests are generated from the renderer', () => {
  it.each(MANIFESTS.map((m) => [m.path, m] as const))('when %s is rendered again in memory, then it is what is on disk (run npm run manifests)', (_path, m) => {
    expect(renderManifest(m)).toBe(read(manifestFile(m)));
  });

  it('when a generated block is edited by hand, then rendering again restores it (so the check above notices)', () => {
    const m = MANIFESTS[0]!;
    const current = read(manifestFile(m));
    const edited = current.replace('Sid: DenyInsecureTransport\n            Effect: Deny\n            Principal: "*"\n            Action: s3:*', 'Sid: DenyInsecureTransport\n            Effect: Allow\n            Principal: "*"\n            Action: s3:*');
    expect(edited).not.toBe(current);
    expect(renderManifest(m, edited)).toBe(current);
  });

  it('when a marker is removed, then rendering refuses instead of leaving the block out', () => {
    const m = MANIFESTS[0]!;
    const current = read(manifestFile(m));
    const withoutBegin = current.replace(/^ *# BEGIN GENERATED bucket-policy.*\n/m, '');
    expect(() => renderManifest(m, withoutBegin)).toThrow(/END GENERATED bucket-policy without its BEGIN/);
    const withoutBoth = withoutBegin.replace(/^ *# END GENERATED bucket-policy\n/m, '');
    expect(() => renderManifest(m, withoutBoth)).toThrow(/no place for the generated block\(s\) bucket-policy/);
  });

  it('when a marker names no block or appears twice, then rendering refuses', () => {
    const m = MANIFESTS[0]!;
    const current = read(manifestFile(m));
    expect(() => renderManifest(m, `${current}\n# BEGIN GENERATED no-such-block\n# END GENERATED no-such-block\n`)).toThrow(/no generated block is named no-such-block/);
    expect(() => renderManifest(m, `${current}\n# BEGIN GENERATED bucket-policy\n# END GENERATED bucket-policy\n`)).toThrow(/appears twice/);
  });
});

describe('manifests/platform.yaml as CloudFormation', () => {
  it('when parsed with the intrinsic tags, then every Ref, GetAtt, Sub and DependsOn names something that exists', () => {
    const t = platformTemplate();
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(referenceProblems(t)).toEqual([]);
  });

  it('when resources reference each other, then there is no cycle', () => {
    expect(dependencyCycle(platformTemplate())).toBeNull();
  });

  it('when a role trusts another role of the stack, then that role is created first (IAM checks principals exist)', () => {
    const t = platformTemplate();
    const d = deployPlatform(t);
    const roles = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => id);
    const arnOf = new Map(roles.map((id) => [d.physical(id, 'Arn'), id]));
    const problems: string[] = [];
    let checked = 0;
    for (const id of roles) {
      const trust = propertiesOf(d, id)['AssumeRolePolicyDocument'] as PolicyDocument;
      for (const s of trust.Statement) {
        const principals = typeof s.Principal === 'object' ? [s.Principal.AWS ?? []].flat() : [];
        for (const p of principals) {
          const other = arnOf.get(p);
          if (other === undefined) continue;
          checked += 1;
          if (!dependsOn(t, id, other)) problems.push(`${id} trusts ${other} but may be created before it`);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2); // verifier → bot, Transfer → verifier
    expect(problems).toEqual([]);
  });

  it.each(REGIONS)('when deployed in $region, then the bot role trusts ECS tasks of this account and region only, as narrow as ECS allows (no cluster: AWS does not support one there)', async (r) => {
    const d = deployPlatform(platformTemplate(), r);
    const trust = propertiesOf(d, 'BotRole')['AssumeRolePolicyDocument'] as PolicyDocument;
    expect(trust.Statement).toEqual([
      {
        Sid: 'EcsTasksOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:${r.partition}:ecs:${r.region}:${ACCOUNT}:*` },
        },
      },
    ]);
    const engine = new IamEngine();
    const assume = (principal: string, context: Record<string, string>, identity: Array<{ name: string; document: PolicyDocument }> = []) =>
      engine.simulate({ identity, resource: trust }, { principal, action: 'sts:AssumeRole', resource: d.physical('BotRole', 'Arn'), resourceAccount: ACCOUNT, context });
    const task = (cluster: string, account = ACCOUNT, region = r.region) => ({
      'aws:SourceAccount': account,
      'aws:SourceArn': `arn:${r.partition}:ecs:${region}:${account}:task/${cluster}/0123456789abcdef0123456789abcdef`,
    });
    expect((await assume('ecs-tasks.amazonaws.com', task('partnergate'))).decision).toBe('Allowed');
    expect((await assume('ecs-tasks.amazonaws.com', task('another-team'))).decision).toBe('Allowed');
    expect((await assume('ecs-tasks.amazonaws.com', task('partnergate', '444455556666'))).decision).not.toBe('Allowed');
    expect((await assume('ecs-tasks.amazonaws.com', task('partnergate', ACCOUNT, r.partition === 'aws-cn' ? 'cn-northwest-1' : 'ap-southeast-2'))).decision).not.toBe('Allowed');
    expect((await assume('ecs-tasks.amazonaws.com', {})).decision).not.toBe('Allowed');
    const admin = { name: 'admin', document: { Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }] } satisfies PolicyDocument };
    const adminRole = `arn:${r.partition}:iam::${ACCOUNT}:role/admin`;
    expect((await assume(`arn:${r.partition}:sts::${ACCOUNT}:assumed-role/admin/someone`, { 'aws:PrincipalArn': adminRole, 'aws:PrincipalAccount': ACCOUNT }, [admin])).decision).not.toBe('Allowed');
  });

  it.each(REGIONS)('when BotRunsAsRole names a role and the stack is deployed in $region, then the bot role trusts that role of this account alone and no ECS task, as the renderer says', async (r) => {
    const t = platformTemplate();
    const d = deployPlatform(t, r, { BotRunsAsRole: 'eks/partnergate-bot-pod' });
    const runsAs = `arn:${r.partition}:iam::${ACCOUNT}:role/eks/partnergate-bot-pod`;
    const trust = propertiesOf(d, 'BotRole')['AssumeRolePolicyDocument'] as PolicyDocument;
    expect(trust.Statement).toEqual([{ Sid: 'TheRoleTheBotRunsAs', Effect: 'Allow', Principal: { AWS: runsAs }, Action: 'sts:AssumeRole' }]);
    const platform = { ...loadPlatformConfig(outputsAsEnv(d)), botRunsAsRole: 'eks/partnergate-bot-pod' };
    expect(roleAsRendered(d, 'BotRole')).toEqual(renderPlatform(platform).botRole);
    // The parameter changes the trust and nothing else of the role.
    const { trustPolicy: _ecsTrust, ...asEcsTask } = roleAsRendered(deployPlatform(t, r), 'BotRole');
    const { trustPolicy: _roleTrust, ...asNamedRole } = roleAsRendered(d, 'BotRole');
    expect(asNamedRole).toEqual(asEcsTask);

    const engine = new IamEngine();
    const assume = (principal: string, context: Record<string, string>, identity: Array<{ name: string; document: PolicyDocument }> = []) =>
      engine.simulate({ identity, resource: trust }, { principal, action: 'sts:AssumeRole', resource: d.physical('BotRole', 'Arn'), resourceAccount: ACCOUNT, context });
    const session = (role: string, arn: string, account = ACCOUNT) =>
      [`arn:${r.partition}:sts::${account}:assumed-role/${role}/bot`, { 'aws:PrincipalArn': arn, 'aws:PrincipalAccount': account }] as const;
    expect((await assume(...session('partnergate-bot-pod', runsAs))).decision).toBe('Allowed');
    const task = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:${r.partition}:ecs:${r.region}:${ACCOUNT}:task/partnergate/0123456789abcdef0123456789abcdef` };
    expect((await assume('ecs-tasks.amazonaws.com', task)).decision).not.toBe('Allowed');
    const admin = { name: 'admin', document: { Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }] } satisfies PolicyDocument };
    expect((await assume(...session('admin', `arn:${r.partition}:iam::${ACCOUNT}:role/admin`), [admin])).decision).not.toBe('Allowed');
    expect((await assume(...session('partnergate-bot-pod', `arn:${r.partition}:iam::444455556666:role/eks/partnergate-bot-pod`, '444455556666'), [admin])).decision).not.toBe('Allowed');
  });

  it('when BotRunsAsRole is given, then the template accepts what the renderer accepts: empty, or a role of this account outside partnergate/', () => {
    const t = platformTemplate();
    const base = loadPlatformConfig(outputsAsEnv(deployPlatform(t)));
    for (const role of ['', 'partnergate-bot-host', 'eks/partnergate-bot', 'partnergate-ops/bot', 'a/b/c/bot_1+=,.@-', 'a'.repeat(64)]) {
      expect(() => deployPlatform(t, REGIONS[0], { BotRunsAsRole: role }), role).not.toThrow();
      if (role !== '') expect(() => renderPlatform({ ...base, botRunsAsRole: role }), role).not.toThrow();
    }
    const refused = [
      'partnergate/partnergate-verifier', 'partnergate/partners/partnergate-partner-acme', 'partnergate/partnergate-bot',
      'arn:aws:iam::444455556666:role/admin', '/eks/bot', 'eks/', 'bot role', '*', 'a'.repeat(65),
    ];
    for (const role of refused) {
      expect(() => deployPlatform(t, REGIONS[0], { BotRunsAsRole: role }), role).toThrow(/AllowedPattern/);
      expect(() => renderPlatform({ ...base, botRunsAsRole: role }), role).toThrow(ValidationError);
    }
  });

  it.each(REGIONS)('when deployed in $region, then the Outputs are a valid configuration for the bot', (r) => {
    const d = deployPlatform(platformTemplate(), r);
    const env = outputsAsEnv(d);
    for (const name of ENV_OUTPUTS) expect(Object.keys(env)).toContain(name);
    for (const [key, o] of Object.entries(d.template.Outputs ?? {})) {
      if (ENV_OUTPUTS.includes(envName(key))) expect(o.Description?.startsWith(envName(key))).toBe(true);
    }
    const config = loadConfig(testEnv(env));
    expect(config.platform).toMatchObject({
      region: r.region,
      partition: r.partition,
      accountId: ACCOUNT,
      bucket: 'acme-partner-files',
      kmsKeyArn: `arn:${r.partition}:kms:${r.region}:${ACCOUNT}:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c`,
      transferServerId: 's-0123456789abcdef0',
      outboundPrefix: 'drop/',
    });
    expect(config.transferHost).toBe(`s-0123456789abcdef0.server.transfer.${r.region}.${r.suffix}`);
    expect(config.deliveryQueueUrl).toBe(`https://sqs.${r.region}.${r.suffix}/${ACCOUNT}/${DELIVERY_QUEUE_NAME}`);
  });

  it('when the role ARNs are left out of the environment, then the bot derives the ARNs the stack creates', () => {
    const d = deployPlatform(platformTemplate());
    const { TRANSFER_ROLE_ARN, VERIFIER_ROLE_ARN, PERMISSIONS_BOUNDARY_ARN, ...rest } = outputsAsEnv(d);
    const derived = loadPlatformConfig(rest);
    expect([derived.transferRoleArn, derived.verifierRoleArn, derived.permissionsBoundaryArn]).toEqual([TRANSFER_ROLE_ARN, VERIFIER_ROLE_ARN, PERMISSIONS_BOUNDARY_ARN]);
    expect(derived.botRoleArn).toBe(d.physical('BotRole', 'Arn'));
  });

  describe.each(REGIONS)('when deployed in $region, the documents are the renderer\'s for the deployed values', (r) => {
    const d = deployPlatform(platformTemplate(), r);
    const platform: PlatformConfig = loadPlatformConfig(outputsAsEnv(d));
    const rendered = renderPlatform(platform);

    it('then the bucket policy is the renderer\'s, on the distribution bucket', () => {
      const p = propertiesOf(d, 'DistributionBucketPolicy');
      expect(p['Bucket']).toBe(platform.bucket);
      expect(p['PolicyDocument']).toEqual(rendered.bucketPolicy);
    });

    it('then the key policy is the renderer\'s', () => {
      expect(propertiesOf(d, 'PlatformKey')['KeyPolicy']).toEqual(rendered.kmsKeyPolicy);
    });

    it.each([
      ['BotRole', 'botRole'],
      ['VerifierRole', 'verifierRole'],
      ['TransferRole', 'transferRole'],
    ] as const)('then %s is the renderer\'s %s: name, path, trust, inline and managed policies', (id, key) => {
      expect(roleAsRendered(d, id)).toEqual(rendered[key]);
    });

    it('then the permissions boundary is the renderer\'s, at the ARN partner roles name', () => {
      const b = rendered.permissionsBoundary;
      expect(d.physical('PartnerPermissionsBoundary', null)).toBe(b.arn);
      expect(propertiesOf(d, 'PartnerPermissionsBoundary')['PolicyDocument']).toEqual(b.policies[0]!.document);
    });
  });

  it('when the bucket is read, then it is versioned, private, owner-enforced and SSE-KMS with the platform key and Bucket Keys', () => {
    const d = deployPlatform(platformTemplate());
    const b = propertiesOf(d, 'DistributionBucket');
    expect(b['BucketName']).toBe('acme-partner-files');
    expect(b['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    expect(b['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(b['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(b['BucketEncryption']).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: d.physical('PlatformKey', 'Arn') }, BucketKeyEnabled: true },
      ],
    });
    expect(d.template.Resources['DistributionBucket']!.DeletionPolicy).toBe('Retain');
    expect(d.template.Resources['PlatformKey']!.DeletionPolicy).toBe('Retain');
    expect(propertiesOf(d, 'PlatformKey')['EnableKeyRotation']).toBe(true);
    expect(propertiesOf(d, 'PlatformKeyAlias')['TargetKeyId']).toBe(d.physical('PlatformKey', null));
  });

  it('when the bucket is read, then its settings are what the platform check compares with (the renderer\'s bucket settings)', () => {
    const d = deployPlatform(platformTemplate());
    const b = propertiesOf(d, 'DistributionBucket');
    const { bucketSettings } = renderPlatform(loadPlatformConfig(outputsAsEnv(d)));
    expect(b['PublicAccessBlockConfiguration']).toEqual(bucketSettings.publicAccessBlock);
    expect(b['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: bucketSettings.objectOwnership }] });
    const [rule] = (b['BucketEncryption'] as { ServerSideEncryptionConfiguration: Array<{ ServerSideEncryptionByDefault: Record<string, unknown>; BucketKeyEnabled: boolean }> }).ServerSideEncryptionConfiguration;
    expect(rule!.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: bucketSettings.encryption.algorithm, KMSMasterKeyID: bucketSettings.encryption.kmsKeyArn });
    expect(rule!.BucketKeyEnabled).toBe(bucketSettings.encryption.bucketKeyEnabled);
  });

  it('when the lifecycle rules are read, then outbound files expire, old versions expire where files come and go, and incomplete uploads are aborted', () => {
    const d = deployPlatform(platformTemplate());
    const rules = propertiesOf(d, 'DistributionBucket')['LifecycleConfiguration']['Rules'] as Array<Record<string, any>>;
    expect(rules.every((x) => x['Status'] === 'Enabled')).toBe(true);
    const outbound = rules.filter((x) => x['ExpirationInDays'] !== undefined);
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!['Prefix']).toBe('drop/');
    expect(Number(outbound[0]!['ExpirationInDays'])).toBeGreaterThan(0);
    const noncurrent = rules.filter((x) => x['NoncurrentVersionExpiration'] !== undefined);
    expect(noncurrent.map((x) => x['Prefix']).sort()).toEqual(['archive/', 'drop/', 'partners/']);
    for (const x of noncurrent) expect(Number(x['NoncurrentVersionExpiration']['NoncurrentDays'])).toBeGreaterThan(0);
    const multipart = rules.find((x) => x['AbortIncompleteMultipartUpload'] !== undefined)!;
    expect(multipart['Prefix']).toBeUndefined();
    expect(multipart['AbortIncompleteMultipartUpload']['DaysAfterInitiation']).toBeGreaterThan(0);
  });

  it('when any rule would expire or remove versions, then it never applies to audit/ (its overwritten and deleted versions are evidence)', () => {
    const d = deployPlatform(platformTemplate());
    const rules = propertiesOf(d, 'DistributionBucket')['LifecycleConfiguration']['Rules'] as Array<Record<string, any>>;
    const removing = rules.filter((x) => x['ExpirationInDays'] !== undefined || x['ExpirationDate'] !== undefined || x['NoncurrentVersionExpiration'] !== undefined
      || x['NoncurrentVersionExpirationInDays'] !== undefined || x['ExpiredObjectDeleteMarker'] !== undefined);
    expect(removing.length).toBeGreaterThan(0);
    for (const x of removing) {
      expect(x['Filter'], `${x['Id']}: a Filter is not checked here`).toBeUndefined();
      expect(typeof x['Prefix'], `${x['Id']} applies to the whole bucket`).toBe('string');
      expect('audit/2026/11/28/20261128T093000000Z-0a1b2c3d4e5f.jsonl'.startsWith(x['Prefix']), `${x['Id']} reaches audit/`).toBe(false);
    }
  });

  it('when AuditRetentionDays is 0 (the default), then the bucket has no Object Lock; when set, Object Lock is on with no default retention, and the Outputs tell the bot', () => {
    const t = platformTemplate();
    const off = deployPlatform(t);
    expect(propertiesOf(off, 'DistributionBucket')['ObjectLockEnabled']).toBeUndefined();
    expect(propertiesOf(off, 'DistributionBucket')['ObjectLockConfiguration']).toBeUndefined();
    expect(loadConfig(testEnv(outputsAsEnv(off))).auditLock).toBeNull();

    const pseudo = { 'AWS::Region': 'eu-west-1', 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
    const generated = { PlatformKey: { Ref: '0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c' }, TransferServer: { ServerId: 's-0123456789abcdef0' }, TrailBucket: { Ref: 'trail' } };
    const on = deploy(t, { BucketName: 'acme-partner-files', AuditRetentionDays: '2557', AuditLockMode: 'COMPLIANCE' }, pseudo, generated);
    const bucket = propertiesOf(on, 'DistributionBucket');
    expect(bucket['ObjectLockEnabled']).toBe(true);
    // No Rule: a default retention would lock partner files and outbound drops too.
    expect(bucket['ObjectLockConfiguration']).toEqual({ ObjectLockEnabled: 'Enabled' });
    expect(loadConfig(testEnv(outputsAsEnv(on))).auditLock).toEqual({ mode: 'COMPLIANCE', days: 2557 });
    expect(t.Parameters!['AuditLockMode']!['AllowedValues']).toEqual(['GOVERNANCE', 'COMPLIANCE']);
  });

  it('when the bucket notification is read, then ObjectCreated under the outbound prefix goes to the delivery queue, after the queue policy exists', () => {
    const t = platformTemplate();
    const d = deployPlatform(t);
    const n = propertiesOf(d, 'DistributionBucket')['NotificationConfiguration'];
    expect(Object.keys(n)).toEqual(['QueueConfigurations']);
    expect(n['QueueConfigurations']).toEqual([
      { Event: 's3:ObjectCreated:*', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'drop/' }] } }, Queue: d.physical('DeliveryQueue', 'Arn') },
    ]);
    expect(dependsOn(t, 'DistributionBucket', 'DeliveryQueuePolicy')).toBe(true);
  });

  it('when the queues are read, then the delivery queue has the name the bot reads and a dead-letter queue', () => {
    const d = deployPlatform(platformTemplate());
    const q = propertiesOf(d, 'DeliveryQueue');
    expect(q['QueueName']).toBe(DELIVERY_QUEUE_NAME);
    expect(q['RedrivePolicy']['deadLetterTargetArn']).toBe(d.physical('DeliveryDeadLetterQueue', 'Arn'));
    expect(q['RedrivePolicy']['maxReceiveCount']).toBeGreaterThan(0);
    expect(d.physical('DeliveryDeadLetterQueue', 'Arn')).not.toBe(d.physical('DeliveryQueue', 'Arn'));
  });

  it('when S3 sends an event, then the queue policy lets only the distribution bucket of this account in, and only over TLS', async () => {
    const d = deployPlatform(platformTemplate());
    const p = propertiesOf(d, 'DeliveryQueuePolicy');
    const queueArn = d.physical('DeliveryQueue', 'Arn');
    expect(p['Queues']).toEqual([d.physical('DeliveryQueue', null)]);
    const engine = new IamEngine();
    const send = (context: Record<string, string>, principal = 's3.amazonaws.com') =>
      engine.simulate({ identity: [], resource: p['PolicyDocument'] }, { principal, action: 'sqs:SendMessage', resource: queueArn, resourceAccount: ACCOUNT, context });
    const ours = { 'aws:SourceArn': 'arn:aws:s3:::acme-partner-files', 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' };
    expect((await send(ours)).decision).toBe('Allowed');
    expect((await send({ ...ours, 'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket' })).decision).not.toBe('Allowed');
    expect((await send({ ...ours, 'aws:SourceAccount': '444455556666' })).decision).not.toBe('Allowed');
    expect((await send({ ...ours, 'aws:SecureTransport': 'false' })).decision).toBe('ExplicitlyDenied');
    expect((await send({ 'aws:SecureTransport': 'true' }, 'arn:aws:iam::444455556666:root')).decision).not.toBe('Allowed');
  });

  it('when the platform events are read, then one rule sends write API calls of IAM, Transfer, S3 and KMS to the queue the bot reads, which only that rule may send to, over TLS', async () => {
    const d = deployPlatform(platformTemplate());
    const q = propertiesOf(d, 'PlatformEventsQueue');
    expect(q['QueueName']).toBe(PLATFORM_EVENTS_QUEUE_NAME);
    expect(q['RedrivePolicy']['deadLetterTargetArn']).toBe(d.physical('PlatformEventsDeadLetterQueue', 'Arn'));
    const rule = propertiesOf(d, 'PlatformEventsRule');
    expect(rule['EventPattern']).toEqual({
      source: ['aws.iam', 'aws.transfer', 'aws.s3', 'aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['iam.amazonaws.com', 'transfer.amazonaws.com', 's3.amazonaws.com', 'kms.amazonaws.com'], readOnly: [false] },
    });
    expect(rule['Targets']).toEqual([expect.objectContaining({ Arn: d.physical('PlatformEventsQueue', 'Arn') })]);
    const p = propertiesOf(d, 'PlatformEventsQueuePolicy');
    const queueArn = d.physical('PlatformEventsQueue', 'Arn');
    const engine = new IamEngine();
    const send = (context: Record<string, string>, principal = 'events.amazonaws.com') =>
      engine.simulate({ identity: [], resource: p['PolicyDocument'] }, { principal, action: 'sqs:SendMessage', resource: queueArn, resourceAccount: ACCOUNT, context });
    const ours = { 'aws:SourceArn': d.physical('PlatformEventsRule', 'Arn'), 'aws:SecureTransport': 'true' };
    expect((await send(ours)).decision).toBe('Allowed');
    expect((await send({ ...ours, 'aws:SourceArn': `arn:aws:events:eu-west-1:${ACCOUNT}:rule/another-rule` })).decision).not.toBe('Allowed');
    expect((await send(ours, 's3.amazonaws.com')).decision).not.toBe('Allowed');
    expect((await send({ ...ours, 'aws:SecureTransport': 'false' })).decision).toBe('ExplicitlyDenied');
    expect(d.physical('PlatformEventsQueue', null)).toBeTruthy();
    const findings = { 'aws:SourceArn': d.physical('AccessAnalyzerFindingsRule', 'Arn'), 'aws:SecureTransport': 'true' };
    expect((await send(findings)).decision).toBe('Allowed');
    expect((await send(findings, 's3.amazonaws.com')).decision).not.toBe('Allowed');
  });

  it('when Access Analyzer is read, then the stack creates one account analyzer (unless told the account has one) and a rule sends its findings on roles, buckets and keys to the platform events queue', () => {
    const t = platformTemplate();
    const d = deployPlatform(t);
    expect(t.Resources['AccountAccessAnalyzer']).toMatchObject({ Type: 'AWS::AccessAnalyzer::Analyzer', Condition: 'CreateAnalyzer', Properties: { Type: 'ACCOUNT' } });
    expect(isCreated(d, t.Resources['AccountAccessAnalyzer']!)).toBe(true);
    expect(isCreated(deployPlatform(t, REGIONS[0], { CreateAccessAnalyzer: 'false' }), t.Resources['AccountAccessAnalyzer']!)).toBe(false);
    const rule = propertiesOf(d, 'AccessAnalyzerFindingsRule');
    expect(rule['EventPattern']).toEqual({
      source: ['aws.access-analyzer'], 'detail-type': ['Access Analyzer Finding'], detail: { resourceType: ['AWS::IAM::Role', 'AWS::S3::Bucket', 'AWS::KMS::Key'] },
    });
    expect(rule['Targets']).toEqual([expect.objectContaining({ Arn: d.physical('PlatformEventsQueue', 'Arn') })]);
  });

  it('when pickups are read, then one rule sends this server\'s SFTP downloads and one the partners\' successful GetObjects under partners/ (not the Transfer role\'s) to the platform events queue, which takes them from those rules only', async () => {
    const d = deployPlatform(platformTemplate());
    const queueArn = d.physical('PlatformEventsQueue', 'Arn');
    const downloads = propertiesOf(d, 'PickupDownloadsRule');
    expect(downloads['EventPattern']).toEqual({
      source: ['aws.transfer'],
      'detail-type': ['SFTP Server File Download Completed', 'SFTP Server File Download Failed'],
      detail: { 'server-id': [d.physical('TransferServer', 'ServerId')] },
    });
    const pulls = propertiesOf(d, 'PickupPullsRule');
    expect(pulls['EventPattern']).toEqual({
      source: ['aws.s3'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['s3.amazonaws.com'], eventName: ['GetObject'], errorCode: [{ exists: false }],
        requestParameters: { bucketName: ['acme-partner-files'], key: [{ prefix: 'partners/' }] },
        userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [d.physical('TransferRole', 'Arn')] }] } } },
      },
    });
    for (const rule of [downloads, pulls]) expect(rule['Targets']).toEqual([expect.objectContaining({ Arn: queueArn })]);
    const p = propertiesOf(d, 'PlatformEventsQueuePolicy');
    const engine = new IamEngine();
    const send = (sourceArn: string) =>
      engine.simulate({ identity: [], resource: p['PolicyDocument'] }, {
        principal: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: queueArn, resourceAccount: ACCOUNT, context: { 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' },
      });
    for (const id of ['PlatformEventsRule', 'PickupDownloadsRule', 'PickupPullsRule']) expect((await send(d.physical(id, 'Arn'))).decision).toBe('Allowed');
    expect((await send(`arn:aws:events:eu-west-1:${ACCOUNT}:rule/another-rule`)).decision).not.toBe('Allowed');
  });

  it('when the SFTP server is read, then it has service-managed identities, SFTP only, a security policy and logging to its own log group', () => {
    const d = deployPlatform(platformTemplate());
    const s = propertiesOf(d, 'TransferServer');
    expect(s).toMatchObject({ IdentityProviderType: 'SERVICE_MANAGED', Protocols: ['SFTP'], Domain: 'S3', SecurityPolicyName: 'TransferSecurityPolicy-2024-01' });
    expect(s['LoggingRole']).toBe(d.physical('TransferLoggingRole', 'Arn'));
    expect(propertiesOf(d, 'TransferLogGroup')['LogGroupName']).toBe('/aws/transfer/s-0123456789abcdef0');
    const trust = propertiesOf(d, 'TransferLoggingRole')['AssumeRolePolicyDocument'] as PolicyDocument;
    expect(trust.Statement.map((x) => x.Principal)).toEqual([{ Service: 'transfer.amazonaws.com' }]);
    const logging = propertiesOf(d, 'TransferLoggingPolicy');
    expect(logging['Roles']).toEqual([d.physical('TransferLoggingRole', null)]);
    expect(logging['PolicyDocument']['Statement']).toEqual([
      expect.objectContaining({ Effect: 'Allow', Resource: d.physical('TransferLogGroup', 'Arn') }),
    ]);
    expect(logging['PolicyDocument']['Statement'][0]['Action']).not.toContain('logs:CreateLogGroup');
    // Structured (JSON) session logs to the fixed group the bot role may search (pickup deadlines).
    expect(s['StructuredLogDestinations']).toEqual([d.physical('TransferSessionLogGroup', 'Arn')]);
    expect(propertiesOf(d, 'TransferSessionLogGroup')['LogGroupName']).toBe(STACK_NAMES.transferLogGroup);
  });

  describe('the SFTP endpoint partners\' firewalls can allow-list', () => {
    const t = platformTemplate();
    const VPC = { TransferEndpointType: 'VPC', TransferVpcId: 'vpc-0123456789abcdef0' };
    const created = (d: Deployment) => Object.entries(t.Resources).filter(([, r]) => isCreated(d, r)).map(([id]) => id);
    const rule = (name: string, parameters: Record<string, string>) =>
      t.Rules![name]!.Assertions.every((a) => {
        const d = deployPlatform(t, REGIONS[0], parameters);
        const applies = t.Rules![name]!.RuleCondition === undefined || evaluateCondition(d, t.Rules![name]!.RuleCondition);
        return !applies || evaluateCondition(d, a.Assert);
      });

    it('when deployed with the defaults, then the endpoint is PUBLIC: no addresses, no security group, no record, no static IPs output, and TRANSFER_HOST is the server\'s own name', () => {
      const d = deployPlatform(t);
      const s = propertiesOf(d, 'TransferServer');
      expect(s['EndpointType']).toBe('PUBLIC');
      expect(s).not.toHaveProperty('EndpointDetails');
      expect(s['Tags']).toEqual([{ Key: 'partnergate:component', Value: 'sftp' }]);
      expect(created(d).filter((id) => /^Transfer(Address|SecurityGroup|HostRecord)/.test(id))).toEqual([]);
      const outputs = outputsOf(d);
      expect(outputs).not.toHaveProperty('TransferStaticIps');
      expect(outputs['TransferHost']).toBe('s-0123456789abcdef0.server.transfer.eu-west-1.amazonaws.com');
      expect(loadConfig(testEnv(outputsAsEnv(d))).transferStaticIps).toEqual([]);
    });

    it.each([1, 2, 3])('when deployed as VPC in %i subnet(s), then each subnet gets one Elastic IP, the server names them in order, and TRANSFER_STATIC_IPS lists them for the bot', (n) => {
      const subnets = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2', 'subnet-0ccccccccccccccc3'].slice(0, n);
      const d = deployPlatform(t, REGIONS[0], { ...VPC, TransferSubnetIds: subnets.join(',') });
      const s = propertiesOf(d, 'TransferServer');
      expect(s['EndpointType']).toBe('VPC');
      expect(s['EndpointDetails']).toEqual({
        VpcId: 'vpc-0123456789abcdef0',
        SubnetIds: subnets,
        AddressAllocationIds: subnets.map((_, i) => `eipalloc-0000000000000000${i + 1}`),
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      });
      expect(created(d).filter((id) => id.startsWith('TransferAddress'))).toEqual(subnets.map((_, i) => `TransferAddress${i + 1}`));
      for (let i = 1; i <= n; i++) expect(propertiesOf(d, `TransferAddress${i}`)['Domain']).toBe('vpc');
      const env = outputsAsEnv(d);
      expect(env['TRANSFER_STATIC_IPS']).toBe(STATIC_IPS.slice(0, n).join(','));
      expect(t.Outputs!['TransferStaticIps']!.Description?.startsWith('TRANSFER_STATIC_IPS')).toBe(true);
      expect(loadConfig(testEnv(env)).transferStaticIps).toEqual(STATIC_IPS.slice(0, n));
    });

    it('when deployed as VPC, then the security group admits TCP 22 from each CIDR given (up to five) and nothing else', () => {
      const ingress = (cidrs: string) =>
        propertiesOf(deployPlatform(t, REGIONS[0], { ...VPC, TransferSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1', TransferAllowedCidrs: cidrs }), 'TransferSecurityGroup')['SecurityGroupIngress'] as Array<Record<string, unknown>>;
      const rule = (cidr: string) => ({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: cidr, Description: 'SFTP' });
      expect(ingress('0.0.0.0/0')).toEqual([rule('0.0.0.0/0')]);
      const five = ['198.51.100.0/24', '203.0.113.7/32', '192.0.2.0/28', '198.51.100.200/32', '192.0.2.128/25'];
      for (let n = 1; n <= 5; n++) expect(ingress(five.slice(0, n).join(','))).toEqual(five.slice(0, n).map(rule));
      expect(propertiesOf(deployPlatform(t, REGIONS[0], { ...VPC, TransferSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1' }), 'TransferSecurityGroup')['VpcId']).toBe('vpc-0123456789abcdef0');
    });

    it('when VPC is chosen without a VPC id or subnets, then the stack\'s rule refuses it; PUBLIC needs neither', () => {
      expect(rule('TransferVpcEndpointIsPlaced', {})).toBe(true);
      expect(rule('TransferVpcEndpointIsPlaced', { ...VPC, TransferSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1' })).toBe(true);
      expect(rule('TransferVpcEndpointIsPlaced', { ...VPC })).toBe(false);
      expect(rule('TransferVpcEndpointIsPlaced', { TransferEndpointType: 'VPC', TransferSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1' })).toBe(false);
      expect(() => deployPlatform(t, REGIONS[0], { TransferVpcId: 'my-vpc' })).toThrow(/AllowedPattern/);
    });

    it.each(REGIONS)('when a host name and its zone are given in $region, then a CNAME points it at the server\'s endpoint, the server carries Transfer\'s custom-hostname tags, and TRANSFER_HOST is that name', (r) => {
      const d = deployPlatform(t, r, { TransferHostName: 'sftp.acme-prices.example', TransferHostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      expect(created(d)).toContain('TransferHostRecord');
      expect(propertiesOf(d, 'TransferHostRecord')).toEqual({
        HostedZoneId: 'Z0123456789ABCDEFGHIJ', Name: 'sftp.acme-prices.example', Type: 'CNAME', TTL: '300',
        ResourceRecords: [`s-0123456789abcdef0.server.transfer.${r.region}.${r.suffix}`],
      });
      expect(propertiesOf(d, 'TransferServer')['Tags']).toEqual([
        { Key: 'partnergate:component', Value: 'sftp' },
        { Key: 'transfer:customHostname', Value: 'sftp.acme-prices.example' },
        { Key: 'transfer:route53HostedZoneId', Value: '/hostedzone/Z0123456789ABCDEFGHIJ' },
      ]);
      const env = outputsAsEnv(d);
      expect(env['TRANSFER_HOST']).toBe('sftp.acme-prices.example');
      expect(loadConfig(testEnv(env)).transferHost).toBe('sftp.acme-prices.example');
      // Without a host name: no record, no custom-hostname tags (the defaults' test above).
      expect(created(deployPlatform(t, r))).not.toContain('TransferHostRecord');
    });

    it('when only one of the host name and its zone is given, or the name is not a DNS name, then the stack refuses it', () => {
      expect(rule('TransferHostNameHasItsZone', {})).toBe(true);
      expect(rule('TransferHostNameHasItsZone', { TransferHostName: 'sftp.acme-prices.example', TransferHostedZoneId: 'Z0123456789ABCDEFGHIJ' })).toBe(true);
      expect(rule('TransferHostNameHasItsZone', { TransferHostName: 'sftp.acme-prices.example' })).toBe(false);
      expect(rule('TransferHostNameHasItsZone', { TransferHostedZoneId: 'Z0123456789ABCDEFGHIJ' })).toBe(false);
      for (const bad of ['SFTP.Example.com', 'sftp', 'sftp..example.com', '-sftp.example.com', 'sftp.example.com.']) {
        expect(() => deployPlatform(t, REGIONS[0], { TransferHostName: bad, TransferHostedZoneId: 'Z0123456789ABCDEFGHIJ' }), bad).toThrow(/AllowedPattern/);
      }
    });

    it('when a VPC endpoint and a host name are both chosen, then the record, the tags and the static IPs are all there', () => {
      const d = deployPlatform(t, REGIONS[0], { ...VPC, TransferSubnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2', TransferHostName: 'sftp.acme-prices.example', TransferHostedZoneId: 'Z0123456789ABCDEFGHIJ' });
      expect(outputsOf(d)).toMatchObject({ TransferHost: 'sftp.acme-prices.example', TransferStaticIps: STATIC_IPS.slice(0, 2).join(',') });
      expect(created(d)).toEqual(expect.arrayContaining(['TransferAddress1', 'TransferAddress2', 'TransferSecurityGroup', 'TransferHostRecord']));
      expect(referenceProblems(t)).toEqual([]);
    });
  });

  it('when CloudTrail is read, then a logging trail records data events of the bucket\'s objects, and write management events for the platform events rule, into its own bucket, which only that trail may write', async () => {
    const t = platformTemplate();
    const d = deployPlatform(t);
    const trail = propertiesOf(d, 'DataEventsTrail');
    expect(trail['IsLogging']).toBe(true);
    expect(trail['S3BucketName']).toBe(d.physical('TrailBucket', null));
    expect(trail['AdvancedEventSelectors']).toEqual([
      {
        Name: expect.any(String),
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::acme-partner-files/'] },
        ],
      },
      {
        Name: 'partner pulls (pickups)',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'eventName', Equals: ['GetObject'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::acme-partner-files/partners/'] },
        ],
      },
      { Name: expect.any(String), FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
    ]);
    expect(dependsOn(t, 'DataEventsTrail', 'TrailBucketPolicy')).toBe(true);
    const trailArn = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/${trail['TrailName']}`;
    const bucketPolicy = propertiesOf(d, 'TrailBucketPolicy');
    expect(bucketPolicy['Bucket']).toBe(d.physical('TrailBucket', null));
    const engine = new IamEngine();
    const put = (sourceArn: string, secure = 'true') =>
      engine.simulate(
        { identity: [], resource: bucketPolicy['PolicyDocument'] },
        {
          principal: 'cloudtrail.amazonaws.com',
          action: 's3:PutObject',
          resource: `${d.physical('TrailBucket', 'Arn')}/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/log.json.gz`,
          resourceAccount: ACCOUNT,
          context: { 'aws:SourceArn': sourceArn, 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SecureTransport': secure },
        },
      );
    expect((await put(trailArn)).decision).toBe('Allowed');
    expect((await put(`arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/another-trail`)).decision).not.toBe('Allowed');
    expect((await put(trailArn, 'false')).decision).toBe('ExplicitlyDenied');
    const tb = propertiesOf(d, 'TrailBucket');
    expect(tb['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  });

  it('when the outbound prefix is partners/, archive/ or audit/, then the stack refuses it (as the bot\'s configuration does)', () => {
    const t = platformTemplate();
    const rule = t.Rules!['OutboundPrefixIsNotAPartnerArea']!;
    const holds = (prefix: string) => evaluateCondition(deploy(t, { BucketName: 'acme-partner-files', OutboundPrefix: prefix }, {}), rule.Assertions[0]!.Assert);
    expect(holds('outbound/')).toBe(true);
    for (const prefix of ['partners/', 'archive/', 'audit/']) {
      expect(holds(prefix)).toBe(false);
      expect(() => loadPlatformConfig({ ...testEnv(), OUTBOUND_PREFIX: prefix })).toThrow(/OUTBOUND_PREFIX/);
    }
  });

  it('when a bucket name is accepted by the template, then the bot\'s configuration accepts it too', () => {
    const pattern = new RegExp(String(platformTemplate().Parameters!['BucketName']!['AllowedPattern']));
    for (const name of ['abc', 'acme-partner-files', 'a'.repeat(63), 'ab', 'Acme', 'a.b.c', '-abc', 'abc-', 'a'.repeat(64)]) {
      if (pattern.test(name)) expect(() => loadPlatformConfig({ ...testEnv(), DISTRIBUTION_BUCKET: name })).not.toThrow();
    }
    expect(pattern.test('acme-partner-files')).toBe(true);
    expect(pattern.test('Acme')).toBe(false);
  });
});
