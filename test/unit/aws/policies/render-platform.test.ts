import { describe, expect, it } from 'vitest';
import { identityPolicies, policySize, POLICY_SIZE_LIMITS, renderPlatform } from '../../../../src/aws/policies/index.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { list, statement, testPlatform } from '../../../support/iam-fixtures.js';

const platform = testPlatform();
const docs = renderPlatform(platform);
const bucket = 'arn:aws:s3:::partnergate-dist-test';
const acct = '111122223333';
const partnerRoles = `arn:aws:iam::${acct}:role/partnergate/partners/*`;
/** Every statement of the bot role, whichever of its managed policies holds it (IAM evaluates them as one). */
const botPolicy = { Version: '2012-10-17' as const, Statement: identityPolicies(docs.botRole).flatMap((p) => p.document.Statement) };

describe('renderPlatform', () => {
  it('when rendered, then it has the bucket and key policies and the four platform identities', () => {
    expect(Object.keys(docs).sort()).toEqual(['botRole', 'bucketPolicy', 'bucketSettings', 'kmsKeyPolicy', 'permissionsBoundary', 'transferRole', 'verifierRole']);
    expect(docs.botRole.arn).toBe(`arn:aws:iam::${acct}:role/partnergate/partnergate-bot`);
    expect(docs.verifierRole.roleName).toBe('partnergate-verifier');
    expect(docs.permissionsBoundary).toMatchObject({ name: 'partnergate-partner-boundary', arn: platform.permissionsBoundaryArn });
  });

  describe('the bucket policy', () => {
    const bp = docs.bucketPolicy;
    it('then it grants nothing and refuses plain HTTP for the bucket and its objects', () => {
      expect(bp.Statement.every((s) => s.Effect === 'Deny')).toBe(true);
      expect(statement(bp, 'DenyInsecureTransport')).toMatchObject({
        Principal: '*', Action: 's3:*', Resource: [bucket, `${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });
    it('then uploads naming another key or encryption are refused only when they name one', () => {
      expect(statement(bp, 'DenyUploadsNamingAnotherKey').Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': platform.kmsKeyArn },
      });
      expect(statement(bp, 'DenyUploadsNamingAnotherEncryption').Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      });
      expect(statement(bp, 'DenyCustomerProvidedKeys').Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
      });
    });
    describe('then a principal under the partner role path, whatever its own policies', () => {
      const onPath = { 'aws:PrincipalArn': partnerRoles };
      const home = 'partners/${aws:PrincipalTag/partnergate:partner-id}/';
      it('is refused everything in the bucket without its partner tag', () => {
        expect(statement(bp, 'PartnerRolesWithoutTheirTag')).toEqual({
          Sid: 'PartnerRolesWithoutTheirTag', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket, `${bucket}/*`],
          Condition: { ArnLike: onPath, Null: { 'aws:PrincipalTag/partnergate:partner-id': 'true' } },
        });
      });
      it('is refused anything but reading objects and listing', () => {
        expect(statement(bp, 'PartnerRolesOnlyRead')).toEqual({
          Sid: 'PartnerRolesOnlyRead', Effect: 'Deny', Principal: '*', NotAction: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
          Resource: [bucket, `${bucket}/*`], Condition: { ArnLike: onPath },
        });
      });
      it('reads only under the home its tag names, and lists only that home (a listing without a prefix included)', () => {
        expect(statement(bp, 'PartnerRolesReadOnlyTheirHome')).toEqual({
          Sid: 'PartnerRolesReadOnlyTheirHome', Effect: 'Deny', Principal: '*', Action: ['s3:GetObject', 's3:GetObjectVersion'],
          NotResource: `${bucket}/${home}*`, Condition: { ArnLike: onPath },
        });
        expect(statement(bp, 'PartnerRolesListOnlyTheirHome')).toEqual({
          Sid: 'PartnerRolesListOnlyTheirHome', Effect: 'Deny', Principal: '*', Action: 's3:ListBucket', Resource: bucket,
          Condition: { ArnLike: onPath, StringNotLike: { 's3:prefix': [home, `${home}*`] } },
        });
      });
      it('and no other principal: every partner-role refusal is conditioned on the partner path', () => {
        const partnerStatements = bp.Statement.filter((s) => s.Sid.startsWith('PartnerRoles'));
        expect(partnerStatements).toHaveLength(4);
        expect(partnerStatements.every((s) => s.Condition?.ArnLike?.['aws:PrincipalArn'] === partnerRoles)).toBe(true);
      });
    });
  });

  describe('the KMS key policy', () => {
    const kp = docs.kmsKeyPolicy;
    it('then the account administers the key through IAM and platform principals use it only through S3', () => {
      expect(statement(kp, 'AccountAdministersKeyThroughIam')).toMatchObject({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` } });
      const deny = statement(kp, 'PlatformPrincipalsOnlyThroughS3');
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'kms:*' });
      expect(deny.Condition!.StringNotEquals).toEqual({ 'kms:ViaService': 's3.eu-west-1.amazonaws.com' });
      expect(deny.Condition!.ArnLike!['aws:PrincipalArn']).toEqual([partnerRoles, platform.transferRoleArn, platform.verifierRoleArn]);
    });
    it('then the bot uses it only through S3 too, and may read the key policy and grants besides (the platform check compares them)', () => {
      expect(statement(kp, 'BotOnlyThroughS3OrReadingThisPolicy')).toEqual({
        Sid: 'BotOnlyThroughS3OrReadingThisPolicy', Effect: 'Deny', Principal: '*', NotAction: ['kms:GetKeyPolicy', 'kms:ListGrants'], Resource: '*',
        Condition: { ArnLike: { 'aws:PrincipalArn': platform.botRoleArn }, StringNotEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      });
      expect(statement(botPolicy, 'ReadBucketAndKeyPolicies')).toEqual({
        Sid: 'ReadBucketAndKeyPolicies', Effect: 'Allow',
        Action: ['s3:GetBucketPolicy', 's3:GetBucketPublicAccessBlock', 's3:GetBucketOwnershipControls', 's3:GetEncryptionConfiguration', 'kms:GetKeyPolicy', 'kms:ListGrants'],
        Resource: [bucket, platform.kmsKeyArn],
      });
    });
  });

  describe('the Transfer role', () => {
    it('then only Transfer for this account and server, and the verifier, may assume it', () => {
      const trust = docs.transferRole.trustPolicy;
      expect(trust.Statement).toHaveLength(2);
      expect(statement(trust, 'TransferForPlatformServer')).toEqual({
        Sid: 'TransferForPlatformServer', Effect: 'Allow', Principal: { Service: 'transfer.amazonaws.com' }, Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': acct },
          ArnLike: { 'aws:SourceArn': [platform.transferServerArn, `arn:aws:transfer:eu-west-1:${acct}:user/s-0123456789abcdef0/*`] },
        },
      });
      expect(statement(trust, 'VerifierProbes').Principal).toEqual({ AWS: platform.verifierRoleArn });
    });
    it('then its permissions are read of partners/ that each session policy narrows', () => {
      const doc = docs.transferRole.policies[0]!.document;
      expect(statement(doc, 'ListPartnerPrefixes').Condition).toEqual({ StringLike: { 's3:prefix': ['partners/', 'partners/*'] } });
      expect(statement(doc, 'ReadPartnerPrefixes').Resource).toBe(`${bucket}/partners/*`);
    });
  });

  describe('the permissions boundary', () => {
    it('then it caps a role at reading the home its partner tag names and decrypting through S3', () => {
      const doc = docs.permissionsBoundary.policies[0]!.document;
      expect(doc.Statement.flatMap((s) => list(s.Action)).sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
      expect(statement(doc, 'ReadTaggedPartnerHome').Resource).toBe(`${bucket}/partners/\${aws:PrincipalTag/partnergate:partner-id}/*`);
      expect(statement(doc, 'ListTaggedPartnerHome').Condition).toEqual({
        StringLike: { 's3:prefix': ['partners/${aws:PrincipalTag/partnergate:partner-id}/', 'partners/${aws:PrincipalTag/partnergate:partner-id}/*'] },
      });
      expect(statement(doc, 'DecryptTaggedPartnerHomeViaS3').Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
      expect(doc.Statement.every((s) => s.Effect === 'Allow' && s.NotAction === undefined && s.NotResource === undefined)).toBe(true);
    });
  });

  describe('the bot role', () => {
    it('then it changes roles only under the partner path and only with the boundary', () => {
      const manage = statement(botPolicy, 'ManagePartnerRolesWithBoundary');
      expect(manage.Resource).toBe(partnerRoles);
      expect(manage.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': platform.permissionsBoundaryArn } });
      expect(statement(botPolicy, 'DenyRolesWithoutBoundary')).toMatchObject({
        Effect: 'Deny', Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': platform.permissionsBoundaryArn } },
      });
    });
    it('then it can neither drop the boundary, attach managed policies nor version policies', () => {
      const deny = statement(botPolicy, 'DenyBoundaryRemovalAndManagedPolicies');
      expect(deny.Effect).toBe('Deny');
      expect(list(deny.Action)).toEqual(expect.arrayContaining([
        'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary', 'iam:AttachRolePolicy', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion',
      ]));
    });
    it('then it reads the Transfer and verifier roles and the boundary (the platform check), and may change none of them', () => {
      expect(statement(botPolicy, 'ReadPlatformRolesAndBoundary')).toMatchObject({
        Effect: 'Allow', Resource: [platform.transferRoleArn, platform.verifierRoleArn, platform.permissionsBoundaryArn],
      });
      expect(list(statement(botPolicy, 'ReadPlatformRolesAndBoundary').Action).every((a) => /^iam:(Get|List)/.test(a))).toBe(true);
    });
    it('then it cannot change itself, the verifier, the Transfer role or the boundary', () => {
      const deny = statement(botPolicy, 'DenyChangesToPlatformIdentities');
      expect(list(deny.Resource)).toEqual([
        platform.botRoleArn, platform.verifierRoleArn, platform.transferRoleArn, platform.permissionsBoundaryArn,
        ...['identities', 'transfer', 'data'].map((n) => `arn:aws:iam::${acct}:policy/partnergate/partnergate-bot-${n}`),
      ]);
      expect(list(deny.Action)).toEqual(expect.arrayContaining(['iam:Put*', 'iam:Update*', 'iam:Attach*', 'iam:Delete*']));
    });
    it('then it passes only the Transfer role and only to Transfer, and refuses every other pass explicitly', () => {
      const pass = botPolicy.Statement.filter((s) => list(s.Action).includes('iam:PassRole'));
      expect(pass).toEqual([
        {
          Sid: 'PassTransferRoleToTransfer', Effect: 'Allow', Action: 'iam:PassRole', Resource: platform.transferRoleArn,
          Condition: { StringEquals: { 'iam:PassedToService': 'transfer.amazonaws.com' } },
        },
        { Sid: 'DenyPassingAnyRoleButTransfer', Effect: 'Deny', Action: 'iam:PassRole', NotResource: platform.transferRoleArn },
        {
          Sid: 'DenyPassingRolesToOtherServices', Effect: 'Deny', Action: 'iam:PassRole', Resource: '*',
          Condition: { StringNotEquals: { 'iam:PassedToService': 'transfer.amazonaws.com' } },
        },
      ]);
    });
    it('then it can make no IAM user, group or credential', () => {
      const deny = statement(botPolicy, 'DenyIamUsersGroupsAndCredentials');
      expect(deny).toMatchObject({ Effect: 'Deny', Resource: '*' });
      expect(list(deny.Action)).toEqual(expect.arrayContaining([
        'iam:CreateUser', 'iam:PutUserPolicy', 'iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:PutGroupPolicy', 'iam:AddUserToGroup',
        'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile',
      ]));
    });
    it('then it manages Transfer users on the platform server only', () => {
      expect(statement(botPolicy, 'CreateUsersOnPlatformServer').Resource).toBe(platform.transferServerArn);
      expect(statement(botPolicy, 'ManageUsersOnPlatformServer').Resource).toBe(`arn:aws:transfer:eu-west-1:${acct}:user/s-0123456789abcdef0/*`);
    });
    it('then it assumes only the verifier, never a partner or the Transfer role', () => {
      const assume = botPolicy.Statement.filter((s) => list(s.Action).includes('sts:AssumeRole'));
      expect(assume.filter((s) => s.Effect === 'Allow').map((s) => s.Resource)).toEqual([platform.verifierRoleArn]);
      expect(assume.filter((s) => s.Effect === 'Deny')).toEqual([
        { Sid: 'DenyAssumingAnyRoleButVerifier', Effect: 'Deny', Action: 'sts:AssumeRole', NotResource: platform.verifierRoleArn },
      ]);
    });
    it('then it copies outbound → partners/ and cannot change the bucket or key policy', () => {
      expect(statement(botPolicy, 'ReadOutbound').Resource).toBe(`${bucket}/outbound/*`);
      expect(statement(botPolicy, 'DeliverToPartnerPrefixes').Resource).toBe(`${bucket}/partners/*`);
      expect(list(statement(botPolicy, 'DenyBucketAndKeyPolicyChanges').Action)).toEqual(
        expect.arrayContaining(['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 'kms:PutKeyPolicy', 'kms:CreateGrant']),
      );
    });
  });

  describe('the bot role and the audit trail', () => {
    const audit = `${bucket}/audit/*`;
    it('then it writes under audit/ only with If-None-Match: * (new objects), and reads and locks records there', () => {
      expect(statement(botPolicy, 'AppendAuditRecords')).toEqual({
        Sid: 'AppendAuditRecords', Effect: 'Allow', Action: 's3:PutObject', Resource: audit, Condition: { StringEquals: { 's3:if-none-match': '*' } },
      });
      expect(statement(botPolicy, 'ReadAndLockAuditRecords')).toEqual({
        Sid: 'ReadAndLockAuditRecords', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObjectRetention'], Resource: audit,
      });
    });
    it('then an overwrite, a removal, a retention bypass or an ACL, tag or hold change under audit/ is refused explicitly', () => {
      expect(statement(botPolicy, 'DenyAuditOverwrites')).toEqual({
        Sid: 'DenyAuditOverwrites', Effect: 'Deny', Action: 's3:PutObject', Resource: audit, Condition: { StringNotEquals: { 's3:if-none-match': '*' } },
      });
      expect(statement(botPolicy, 'DenyAuditRemoval')).toEqual({
        Sid: 'DenyAuditRemoval', Effect: 'Deny', Resource: audit,
        Action: ['s3:DeleteObject*', 's3:PutObjectAcl', 's3:PutObjectTagging', 's3:PutObjectVersion*', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention'],
      });
      expect(list(statement(botPolicy, 'DenyBucketAndKeyPolicyChanges').Action)).toEqual(
        expect.arrayContaining(['s3:PutLifecycleConfiguration', 's3:PutBucketVersioning', 's3:PutBucketObjectLockConfiguration']),
      );
    });
    it('then no other statement allows an object action under audit/', () => {
      const others = botPolicy.Statement.filter((s) => s.Effect === 'Allow' && !['AppendAuditRecords', 'ReadAndLockAuditRecords'].includes(s.Sid!));
      expect(others.filter((s) => list(s.Resource ?? []).some((r) => r === audit || r === `${bucket}/*` || r === '*') && list(s.Action).some((a) => a.startsWith('s3:')))).toEqual([]);
    });
  });

  describe('the bot role\'s trust', () => {
    it('then, as an ECS task (no botRunsAsRole), it trusts the ECS tasks service for tasks of this account and region, naming no cluster', () => {
      expect(docs.botRole.trustPolicy.Statement).toEqual([
        {
          Sid: 'EcsTasksOfThisAccount', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': acct }, ArnLike: { 'aws:SourceArn': `arn:aws:ecs:eu-west-1:${acct}:*` } },
        },
      ]);
    });

    it('then, running as a named role, it trusts that role of this account alone, and nothing else of the platform changes', () => {
      const asRole = renderPlatform({ ...platform, botRunsAsRole: 'eks/partnergate-bot-pod' });
      expect(asRole.botRole.trustPolicy.Statement).toEqual([
        { Sid: 'TheRoleTheBotRunsAs', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:role/eks/partnergate-bot-pod` }, Action: 'sts:AssumeRole' },
      ]);
      expect({ ...asRole, botRole: { ...asRole.botRole, trustPolicy: docs.botRole.trustPolicy } }).toEqual(docs);
    });

    it.each([
      'partnergate/partnergate-verifier', 'partnergate/partners/partnergate-partner-acme', 'partnergate/partnergate-bot',
      `arn:aws:iam::444455556666:role/admin`, '/eks/bot', 'eks/', '', 'bot role', '*', 'a'.repeat(65),
    ])('then a role to run as of %j is refused: not one role of this account outside partnergate/', (role) => {
      expect(() => renderPlatform({ ...platform, botRunsAsRole: role })).toThrow(ValidationError);
    });
  });

  describe('the verifier role', () => {
    it('then only the bot assumes it, and it may assume probe roles and read the canary', () => {
      expect(docs.verifierRole.trustPolicy.Statement).toEqual([
        { Sid: 'BotRunsVerification', Effect: 'Allow', Principal: { AWS: platform.botRoleArn }, Action: 'sts:AssumeRole' },
      ]);
      const doc = docs.verifierRole.policies[0]!.document;
      expect(statement(doc, 'AssumeProbeRoles').Resource).toEqual([partnerRoles, platform.transferRoleArn]);
      expect(statement(doc, 'ReadCanary')).toMatchObject({ Action: 's3:GetObject', Resource: `${bucket}/partners/-canary/*` });
    });
  });

  it('when measured, then every document is well under its AWS limit', () => {
    expect(policySize(docs.bucketPolicy)).toBeLessThan(POLICY_SIZE_LIMITS.bucketPolicy / 4);
    expect(policySize(docs.kmsKeyPolicy)).toBeLessThan(POLICY_SIZE_LIMITS.kmsKeyPolicy / 4);
    for (const role of [docs.transferRole, docs.botRole, docs.verifierRole]) {
      expect(policySize(role.trustPolicy)).toBeLessThan(POLICY_SIZE_LIMITS.trustPolicy);
      // At least 15% of each quota left for growth.
      expect(policySize(role.policies.map((p) => p.document))).toBeLessThan(POLICY_SIZE_LIMITS.roleInlinePolicies * 0.85);
    }
    expect(policySize(docs.permissionsBoundary.policies[0]!.document)).toBeLessThan(POLICY_SIZE_LIMITS.managedPolicy);
  });

  it('when the bot role is measured, then its permissions are three managed policies, each with 15% of its quota left, and no inline policy', () => {
    expect(docs.botRole.policies).toEqual([]);
    const managed = docs.botRole.managedPolicies ?? [];
    expect(managed.map((m) => m.arn)).toEqual(['identities', 'transfer', 'data'].map((n) => `arn:aws:iam::${acct}:policy/partnergate/partnergate-bot-${n}`));
    // With the longest bucket name (63 characters) the documents are longest.
    const longest = renderPlatform({ ...platform, bucket: 'b'.repeat(63) }).botRole.managedPolicies ?? [];
    for (const m of longest) {
      expect(m.policies).toHaveLength(1);
      expect(policySize(m.policies[0]!.document), m.name).toBeLessThan(POLICY_SIZE_LIMITS.managedPolicy * 0.85);
    }
  });
});
