/**
 * The bot's own role. It provisions partners, so it is the principal most worth guarding: it may
 * create and change roles only under the partner path and only with the permissions boundary, and
 * everything that could widen its own rights or a partner's is refused explicitly, so that a
 * broader policy attached by mistake later still cannot undo these guards.
 *
 * Its permissions are three customer managed policies attached to it, no inline policy: together
 * they are more than a role's inline policies may hold with room to grow (10,240 characters), and
 * one managed policy holds 6,144. IAM evaluates them as one: a Deny in any refuses whatever another
 * allows. The stack creates them (manifests/platform.yaml), and the bot may change none of them.
 */
import { ValidationError } from '../../domain/errors.js';
import type { PlatformConfig } from './platform.js';
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import { STACK_NAMES } from './platform.js';
import {
  botPolicyArns,
  bucketArn,
  deliveryQueueArn, platformEventsQueueArn, platformPolicyArn, roleNameOf,
  objectsArn,
  partnerRolesPattern,
  POLICY_NAMES,
  TRANSFER_SERVICE,
  transferLogGroupArn,
  transferUsersPattern,
} from './names.js';
import { decryptViaS3, policy } from './statements.js';
import type { PolicyDocument, PolicyStatement, RenderedManagedPolicy, RenderedRole } from './types.js';

const BOUNDARY = 'iam:PermissionsBoundary';

/**
 * The role the bot runs as when it is not an ECS task (PlatformConfig.botRunsAsRole): its ARN after
 * `role/`, an optional path and a name of letters, digits and `_+=,.@-`. Never under `partnergate/`:
 * the platform's own roles and the partner roles (which partners and the verifier assume) must not
 * be able to become the bot.
 */
export const BOT_RUNS_AS_ROLE_PATTERN = /^(?!partnergate\/)(?:[A-Za-z0-9_+=,.@-]+\/)*[A-Za-z0-9_+=,.@-]{1,64}$/;

/** The ARN of the role the bot runs as, in this account; undefined when the bot is an ECS task. */
export function botRunsAsRoleArn(p: PlatformConfig): string | undefined {
  const role = p.botRunsAsRole;
  if (role === undefined) return undefined;
  if (!BOT_RUNS_AS_ROLE_PATTERN.test(role)) {
    throw new ValidationError(
      'The role the bot runs as is its ARN after "role/" (a path and a name: eks/partnergate-bot), in this account, and not under partnergate/.',
      'botRunsAsRole',
    );
  }
  return `arn:${p.partition}:iam::${p.accountId}:role/${role}`;
}

/**
 * Who may become the bot (manifests/platform.yaml).
 *
 * As an ECS task (the default): the ECS tasks service, for a task of this account in this region.
 * That is as narrow as ECS allows a task role's trust to be: AWS documents `aws:SourceArn` =
 * `arn:<partition>:ecs:<region>:<account>:*` and says that naming a cluster there is not supported
 * (Amazon ECS Developer Guide, "Amazon ECS task IAM role"), so a trust naming the bot's cluster
 * would risk ECS failing to hand the bot any credentials. What keeps other tasks of the account from
 * running as the bot is `iam:PassRole` on this role (registering or running a task definition that
 * names it), which the account's own policies grant, not this document.
 *
 * Running as a named role (botRunsAsRole): that one role of this account, and no ECS task at all.
 * Whoever may become that role may then become the bot: its own trust is the bot's trust.
 */
function botTrustPolicy(p: PlatformConfig): PolicyDocument {
  const runsAs = botRunsAsRoleArn(p);
  if (runsAs !== undefined) {
    return policy({ Sid: 'TheRoleTheBotRunsAs', Effect: 'Allow', Principal: { AWS: runsAs }, Action: 'sts:AssumeRole' });
  }
  return policy({
    Sid: 'EcsTasksOfThisAccount',
    Effect: 'Allow',
    Principal: { Service: 'ecs-tasks.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: {
      StringEquals: { 'aws:SourceAccount': p.accountId },
      ArnLike: { 'aws:SourceArn': `arn:${p.partition}:ecs:${p.region}:${p.accountId}:*` },
    },
  });
}

function iamStatements(p: PlatformConfig): PolicyStatement[] {
  const partnerRoles = partnerRolesPattern(p);
  return [
    {
      Sid: 'ManagePartnerRolesWithBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy'],
      Resource: partnerRoles,
      Condition: { StringEquals: { [BOUNDARY]: p.permissionsBoundaryArn } },
    },
    { Sid: 'TagPartnerRoles', Effect: 'Allow', Action: 'iam:TagRole', Resource: partnerRoles },
    // Offboarding deletes a partner role once its policies are gone; only under the partner path. It
    // detaches managed policies someone attached by hand (the bot never attaches one): a detach only
    // takes access away, so it needs no boundary condition, and works on a role whose boundary was removed.
    { Sid: 'DeletePartnerRoles', Effect: 'Allow', Action: ['iam:DeleteRole', 'iam:DetachRolePolicy'], Resource: partnerRoles },
    {
      Sid: 'ReadPartnerRoles',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags'],
      Resource: partnerRoles,
    },
    // The platform check compares the documents every partner depends on with the renderer's: it
    // reads the Transfer and verifier roles and the boundary's default version, and may change none.
    {
      Sid: 'ReadPlatformRolesAndBoundary',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
      Resource: [p.transferRoleArn, p.verifierRoleArn, p.permissionsBoundaryArn],
    },
    // `partnergate reconcile --rebuild` finds partner roles by path (ListRoles has no resource type).
    { Sid: 'ListRolesToRebuildRegistry', Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' },
    {
      Sid: 'PassTransferRoleToTransfer',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: p.transferRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': TRANSFER_SERVICE } },
    },
    {
      Sid: 'DenyRolesWithoutBoundary',
      Effect: 'Deny',
      Action: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy'],
      Resource: '*',
      Condition: { StringNotEquals: { [BOUNDARY]: p.permissionsBoundaryArn } },
    },
    {
      Sid: 'DenyBoundaryRemovalAndManagedPolicies',
      Effect: 'Deny',
      Action: [
        'iam:DeleteRolePermissionsBoundary',
        'iam:PutRolePermissionsBoundary',
        'iam:AttachRolePolicy',
        'iam:CreatePolicy',
        'iam:CreatePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:DeletePolicyVersion',
      ],
      Resource: '*',
    },
    // Users, groups and their credentials: the bot never needs them, and each is a way to a new principal.
    {
      Sid: 'DenyIamUsersGroupsAndCredentials',
      Effect: 'Deny',
      Action: [
        'iam:CreateUser',
        'iam:PutUserPolicy',
        'iam:AttachUserPolicy',
        'iam:DeleteUserPermissionsBoundary',
        'iam:AttachGroupPolicy',
        'iam:PutGroupPolicy',
        'iam:AddUserToGroup',
        'iam:CreateAccessKey',
        'iam:UpdateAccessKey',
        'iam:CreateLoginProfile',
        'iam:UpdateLoginProfile',
        'iam:CreateServiceSpecificCredential',
      ],
      Resource: '*',
    },
    { Sid: 'DenyPassingAnyRoleButTransfer', Effect: 'Deny', Action: 'iam:PassRole', NotResource: p.transferRoleArn },
    {
      Sid: 'DenyPassingRolesToOtherServices',
      Effect: 'Deny',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringNotEquals: { 'iam:PassedToService': TRANSFER_SERVICE } },
    },
    {
      Sid: 'DenyChangesToPlatformIdentities',
      Effect: 'Deny',
      Action: ['iam:Attach*', 'iam:Create*', 'iam:Delete*', 'iam:Detach*', 'iam:Put*', 'iam:Tag*', 'iam:Untag*', 'iam:Update*'],
      Resource: [p.botRoleArn, p.verifierRoleArn, p.transferRoleArn, p.permissionsBoundaryArn, ...botPolicyArns(p)],
    },
    {
      // Roles outside the partner path are none of the bot's business, boundary or not.
      Sid: 'DenyRoleChangesOutsidePartnerPath',
      Effect: 'Deny',
      Action: [
        'iam:CreateRole', 'iam:DeleteRole*', 'iam:PutRole*', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:UpdateRole*',
        'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
      ],
      NotResource: partnerRolesPattern(p),
    },
  ];
}

function stsStatements(p: PlatformConfig): PolicyStatement[] {
  return [
    { Sid: 'AssumeVerifierForProbes', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: p.verifierRoleArn },
    // Partner roles and the Transfer role are assumed by the verifier (with its own credentials), never by the bot.
    { Sid: 'DenyAssumingAnyRoleButVerifier', Effect: 'Deny', Action: 'sts:AssumeRole', NotResource: p.verifierRoleArn },
  ];
}

function transferStatements(p: PlatformConfig): PolicyStatement[] {
  return [
    {
      // Users only on the platform server; servers and host keys are the platform's (manifests/platform.yaml).
      Sid: 'DenyTransferWritesBeyondPlatformUsers',
      Effect: 'Deny',
      Action: [
        'transfer:CreateUser', 'transfer:UpdateUser', 'transfer:DeleteUser', 'transfer:ImportSshPublicKey', 'transfer:DeleteSshPublicKey',
        'transfer:TagResource', 'transfer:UntagResource',
      ],
      NotResource: [p.transferServerArn, transferUsersPattern(p)],
    },
    {
      Sid: 'DenyTransferServerChanges',
      Effect: 'Deny',
      Action: [
        'transfer:CreateServer', 'transfer:UpdateServer', 'transfer:DeleteServer', 'transfer:StopServer', 'transfer:StartServer',
        'transfer:ImportHostKey', 'transfer:UpdateHostKey', 'transfer:DeleteHostKey',
      ],
      Resource: '*',
    },
    {
      Sid: 'CreateUsersOnPlatformServer',
      Effect: 'Allow',
      Action: ['transfer:CreateUser', 'transfer:DescribeServer', 'transfer:ListUsers', 'transfer:ListHostKeys'],
      Resource: p.transferServerArn,
    },
    {
      Sid: 'ManageUsersOnPlatformServer',
      Effect: 'Allow',
      Action: [
        'transfer:DescribeUser',
        'transfer:UpdateUser',
        'transfer:ImportSshPublicKey',
        'transfer:DeleteSshPublicKey',
        'transfer:TagResource',
        'transfer:ListTagsForResource',
        'transfer:DeleteUser',
      ],
      Resource: transferUsersPattern(p),
    },
  ];
}

function deliveryStatements(p: PlatformConfig): PolicyStatement[] {
  const outbound = p.outboundPrefix;
  return [
    {
      Sid: 'ListOutboundAndPartnerPrefixes',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(p),
      Condition: { StringLike: { 's3:prefix': [`${outbound}*`, 'partners/*', 'archive/partners/*', 'audit/*'] } },
    },
    {
      Sid: 'ReadOutbound',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: objectsArn(p, outbound),
    },
    {
      // Delivery copies: written with provenance tags (TaggingDirective REPLACE needs PutObjectTagging),
      // read back by version to verify, multipart copies aborted on failure, and a copy that fails
      // verification removed by its version id. `reconcile --rebuild` reads the provenance tags back
      // (GetObjectTagging) to restore which versions each partner already has.
      Sid: 'DeliverToPartnerPrefixes',
      Effect: 'Allow',
      Action: [
        's3:PutObject', 's3:PutObjectTagging', 's3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging',
        's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:DeleteObjectVersion',
      ],
      Resource: objectsArn(p, 'partners/'),
    },
    // Offboarding with "archive": each object is copied under archive/partners/<id>/, then removed.
    { Sid: 'RemoveOffboardedPartnerFiles', Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectsArn(p, 'partners/') },
    { Sid: 'ArchiveOffboardedPartners', Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject'], Resource: objectsArn(p, 'archive/partners/') },
    ...auditStatements(p),
    decryptViaS3(p, 'UseKeyViaS3', ['kms:Decrypt', 'kms:GenerateDataKey']),
    // The platform check reads the bucket's policy and settings, the key's policy and grants (the key policy lets the bot read them, and nothing more, outside S3).
    {
      Sid: 'ReadBucketAndKeyPolicies',
      Effect: 'Allow',
      Action: [
        's3:GetBucketPolicy', 's3:GetBucketPublicAccessBlock', 's3:GetBucketOwnershipControls', 's3:GetEncryptionConfiguration',
        'kms:GetKeyPolicy', 'kms:ListGrants',
      ],
      Resource: [bucketArn(p), p.kmsKeyArn],
    },
    {
      Sid: 'ReadBucketAndPlatformEvents',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      Resource: [deliveryQueueArn(p), platformEventsQueueArn(p)],
    },
    // Before a file is called overdue, the SFTP server's own log is searched for its download.
    { Sid: 'ReadSftpLog', Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: transferLogGroupArn(p) },
    {
      // Object writes only where the bot writes: partner homes, their archive, the audit trail.
      Sid: 'DenyObjectWritesElsewhere',
      Effect: 'Deny',
      Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:PutObjectAcl', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      NotResource: [objectsArn(p, 'partners/'), objectsArn(p, 'archive/partners/'), objectsArn(p, 'audit/')],
    },
    {
      Sid: 'DenyBucketAndKeyPolicyChanges',
      Effect: 'Deny',
      Action: [
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutEncryptionConfiguration',
        's3:PutBucketPublicAccessBlock',
        's3:PutBucketOwnershipControls',
        's3:PutBucketAcl',
        // Lifecycle rules expire versions, suspended versioning lets an overwrite replace, and the
        // Object Lock configuration is the trail's last guard: none of them is the bot's to change.
        's3:PutLifecycleConfiguration',
        's3:PutBucketVersioning',
        's3:PutBucketObjectLockConfiguration',
        'kms:PutKeyPolicy',
        'kms:CreateGrant',
      ],
      Resource: '*',
    },
  ];
}

/**
 * The audit trail: new objects only, never changed or removed. The client sends If-None-Match: *
 * (src/aws/audit-s3.ts); IAM holds it too, so a bug, or a broader policy attached beside this one,
 * cannot rewrite a record. A negated operator is true when the key is absent, so the Deny covers a
 * PutObject without the header as well as one with another value. CopyObject and multipart uploads
 * (which carry no If-None-Match) are refused under audit/ by the same Deny: the bot uses neither there.
 */
function auditStatements(p: PlatformConfig): PolicyStatement[] {
  const audit = objectsArn(p, 'audit/');
  const ifNoneMatch = { 's3:if-none-match': '*' };
  return [
    { Sid: 'AppendAuditRecords', Effect: 'Allow', Action: 's3:PutObject', Resource: audit, Condition: { StringEquals: ifNoneMatch } },
    // Read back by `partnergate audit`; a retention is set on each new object when Object Lock is on
    // (AUDIT_RETENTION_DAYS): placing or lengthening one never weakens the trail, shortening needs the bypass below.
    { Sid: 'ReadAndLockAuditRecords', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObjectRetention'], Resource: audit },
    { Sid: 'DenyAuditOverwrites', Effect: 'Deny', Action: 's3:PutObject', Resource: audit, Condition: { StringNotEquals: ifNoneMatch } },
    {
      Sid: 'DenyAuditRemoval',
      Effect: 'Deny',
      Action: ['s3:DeleteObject*', 's3:PutObjectAcl', 's3:PutObjectTagging', 's3:PutObjectVersion*', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention'],
      Resource: audit,
    },
  ];
}

function checkStatements(p: PlatformConfig): PolicyStatement[] {
  return [
    {
      Sid: 'CheckPoliciesWithAccessAnalyzer',
      Effect: 'Allow',
      Action: ['access-analyzer:ValidatePolicy', 'access-analyzer:CheckAccessNotGranted', 'access-analyzer:CheckNoPublicAccess'],
      Resource: '*',
    },
    // `partnergate doctor`, run as the bot: what the bot's own policies allow it (SimulatePrincipalPolicy
    // on itself); it reads the platform roles and the boundary through ReadPlatformRolesAndBoundary.
    { Sid: 'DoctorSimulatesOwnPolicies', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: p.botRoleArn },
  ];
}

function botPolicy(p: PlatformConfig, name: string, document: PolicyDocument): RenderedManagedPolicy {
  checkPolicySize(`the bot role's managed policy ${name}`, document, POLICY_SIZE_LIMITS.managedPolicy);
  return { name, arn: platformPolicyArn(p, name), path: STACK_NAMES.iamPath, policies: [{ name, document }] };
}

export function renderBotRole(p: PlatformConfig): RenderedRole {
  const trustPolicy = botTrustPolicy(p);
  checkPolicySize('the trust policy of the bot role', trustPolicy, POLICY_SIZE_LIMITS.trustPolicy);
  return {
    roleName: roleNameOf(p.botRoleArn),
    arn: p.botRoleArn,
    trustPolicy,
    policies: [],
    managedPolicies: [
      botPolicy(p, POLICY_NAMES.botIdentities, policy(...iamStatements(p), ...stsStatements(p))),
      botPolicy(p, POLICY_NAMES.botTransfer, policy(...transferStatements(p), ...checkStatements(p))),
      botPolicy(p, POLICY_NAMES.botData, policy(...deliveryStatements(p))),
    ],
  };
}
