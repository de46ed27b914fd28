/**
 * The generated blocks of each manifest: every policy document, and every name or pattern the
 * bot's code fixes, taken from the renderer and the domain rules and converted for CloudFormation.
 * A block is a mapping written between `# BEGIN GENERATED <name>` and `# END GENERATED <name>`.
 */
import { isDeepStrictEqual } from 'node:util';
import { STACK_NAMES } from '../../src/aws/policies/platform.js';
import {
  BOT_RUNS_AS_ROLE_PATTERN,
  DELIVERY_QUEUE_NAME,
  PLATFORM_EVENTS_QUEUE_NAME,
  EXTERNAL_ID_PATTERN,
  renderPartner,
  renderPlatform,
  toCreateUserRequest,
  type NamedPolicy,
  type RenderedManagedPolicy,
  type RenderedRole,
} from '../../src/aws/policies/index.js';
import { AWS_ACCOUNT_ID_PATTERN } from '../../src/domain/aws-account-id.js';
import { DRAIN_TIMEOUT_MS } from '../../src/main.js';
import { PARTNER_ID_PATTERN, RESERVED_PARTNER_IDS } from '../../src/domain/partner-id.js';
import { toCloudFormation, type CfnValue, type SubstitutionSet } from './cfn-value.js';
import {
  PARTNER_SUBSTITUTIONS,
  PLATFORM_SUBSTITUTIONS,
  RUNTIME_SUBSTITUTIONS,
  sentinelPartner,
  sentinelPlatform,
  sentinelPlatformRunningAsRole,
} from './sentinels.js';

export type Blocks = Record<string, Record<string, CfnValue>>;

/** The IAM path of a role, as its ARN says (`…:role/partnergate/partnergate-bot` → `/partnergate/`). */
export function rolePathOf(arn: string): string {
  const start = arn.indexOf(':role/') + ':role'.length;
  if (start < ':role'.length) throw new Error(`not a role ARN: ${arn}`);
  return arn.slice(start, arn.lastIndexOf('/') + 1);
}

function inlinePolicies(policies: NamedPolicy[]): Array<{ PolicyName: string; PolicyDocument: unknown }> {
  return policies.map((p) => ({ PolicyName: p.name, PolicyDocument: p.document }));
}

/**
 * AWS::IAM::Role properties for a platform role: name and path from its ARN, so the ARNs agree; its
 * managed policies by ARN (each is a resource of its own, `managedPolicyProperties`, which the role
 * must depend on: an ARN in `!Sub` tells CloudFormation nothing).
 */
function roleProperties(role: RenderedRole): Record<string, unknown> {
  return {
    RoleName: role.roleName,
    Path: rolePathOf(role.arn),
    AssumeRolePolicyDocument: role.trustPolicy,
    ...(role.policies.length > 0 ? { Policies: inlinePolicies(role.policies) } : {}),
    ...(role.managedPolicies?.length ? { ManagedPolicyArns: role.managedPolicies.map((m) => m.arn) } : {}),
  };
}

/** AWS::IAM::ManagedPolicy properties: name, path and its one document. */
function managedPolicyProperties(m: RenderedManagedPolicy): Record<string, unknown> {
  if (m.policies.length !== 1) throw new Error(`the managed policy ${m.name} must be one document`);
  return { ManagedPolicyName: m.name, Path: m.path, PolicyDocument: m.policies[0]!.document };
}

/** The block name of each of the bot role's managed policies: `bot-policy-<name without partnergate-bot->`. */
export const botPolicyBlock = (name: string): string => `bot-policy-${name.replace(/^partnergate-bot-/, '')}`;

/** platform.yaml's condition: BotRunsAsRole is set, so the bot role trusts that role instead of ECS tasks. */
export const BOT_RUNS_AS_ROLE_CONDITION = 'BotRunsAsNamedRole';

/**
 * The bot role for both ways the bot runs, as one resource: the renderer's role for an ECS task,
 * whose one trust statement becomes `Fn::If` between the named role's statement and the ECS one.
 * Refuses a rendering in which anything else differs, so the parameter can change the trust only.
 */
function botRoleProperties(
  asEcsTask: ReturnType<typeof renderPlatform>,
  asNamedRole: ReturnType<typeof renderPlatform>,
): Record<string, unknown> {
  const { botRole: ecs, ...othersEcs } = asEcsTask;
  const { botRole: named, ...othersNamed } = asNamedRole;
  const { trustPolicy: ecsTrust, ...ecsRest } = ecs;
  const { trustPolicy: namedTrust, ...namedRest } = named;
  if (!isDeepStrictEqual(othersEcs, othersNamed) || !isDeepStrictEqual(ecsRest, namedRest)) {
    throw new Error('BotRunsAsRole may change the bot role\'s trust only, but the renderer changed more');
  }
  if (ecsTrust.Statement.length !== 1 || namedTrust.Statement.length !== 1 || ecsTrust.Version !== namedTrust.Version) {
    throw new Error('the bot role\'s trust must be one statement either way, to be chosen by a condition');
  }
  return {
    ...roleProperties(ecs),
    AssumeRolePolicyDocument: {
      Version: ecsTrust.Version,
      Statement: [{ 'Fn::If': [BOT_RUNS_AS_ROLE_CONDITION, namedTrust.Statement[0], ecsTrust.Statement[0]] }],
    },
  };
}

/** A patterned string parameter that may also be left empty. */
function optional(pattern: RegExp): string {
  return `^$|${pattern.source}`;
}

function convert(blocks: Record<string, Record<string, unknown>>, set: SubstitutionSet): Blocks {
  return Object.fromEntries(
    Object.entries(blocks).map(([name, block]) => [name, toCloudFormation(block, set, name) as Record<string, CfnValue>]),
  );
}

/** manifests/platform.yaml */
export function platformBlocks(): Blocks {
  const r = renderPlatform(sentinelPlatform());
  const runningAsRole = renderPlatform(sentinelPlatformRunningAsRole());
  const boundary = r.permissionsBoundary;
  if (boundary.name !== STACK_NAMES.permissionsBoundary) throw new Error(`the boundary is named ${boundary.name}, not ${STACK_NAMES.permissionsBoundary}`);
  const botPolicies = Object.fromEntries((r.botRole.managedPolicies ?? []).map((m) => [botPolicyBlock(m.name), managedPolicyProperties(m)]));
  return convert(
    {
      'kms-key-policy': { KeyPolicy: r.kmsKeyPolicy },
      'bucket-policy': { PolicyDocument: r.bucketPolicy },
      'delivery-queue-name': { QueueName: DELIVERY_QUEUE_NAME },
      'platform-events-queue-name': { QueueName: PLATFORM_EVENTS_QUEUE_NAME },
      'bot-runs-as-role-pattern': { AllowedPattern: optional(BOT_RUNS_AS_ROLE_PATTERN) },
      'bot-role': botRoleProperties(r, runningAsRole),
      ...botPolicies,
      'verifier-role': roleProperties(r.verifierRole),
      'transfer-role': roleProperties(r.transferRole),
      'permissions-boundary': managedPolicyProperties(boundary),
    },
    PLATFORM_SUBSTITUTIONS,
  );
}

/** The largest stopTimeout ECS allows a Fargate container (ContainerDefinition.stopTimeout). */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;
/** What the bot does after the drain's deadline, before it exits: log what it left, close, flush the logs. */
export const AFTER_DRAIN_SECONDS = 30;

/** The bot container's stopTimeout: the drain's deadline and the time after it, within Fargate's limit. */
export function botStopTimeoutSeconds(drainMs: number = DRAIN_TIMEOUT_MS): number {
  const seconds = Math.ceil(drainMs / 1000) + AFTER_DRAIN_SECONDS;
  if (seconds > FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
    throw new Error(`a ${drainMs / 1000} s drain needs a ${seconds} s stopTimeout, above Fargate's ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} s: shorten DRAIN_TIMEOUT_MS`);
  }
  return seconds;
}

/** manifests/runtime.yaml */
export function runtimeBlocks(): Blocks {
  const r = renderPlatform(sentinelPlatform());
  return convert(
    {
      'bot-task-role': { TaskRoleArn: r.botRole.arn },
      'bot-stop-timeout': { StopTimeout: botStopTimeoutSeconds() },
      // HTTP mode's worker tasks: the same role and the same drain as the web tasks.
      'worker-task-role': { TaskRoleArn: r.botRole.arn },
      'worker-stop-timeout': { StopTimeout: botStopTimeoutSeconds() },
    },
    RUNTIME_SUBSTITUTIONS,
  );
}

/** manifests/partner/partner.yaml */
export function partnerBlocks(): Blocks {
  const r = renderPartner(sentinelPlatform(), sentinelPartner());
  const role = r.partnerRole;
  if (role === null) throw new Error('the sentinel partner has an account, so it must render a role');
  return convert(
    {
      'partner-id-pattern': { AllowedPattern: PARTNER_ID_PATTERN.source },
      'partner-account-pattern': { AllowedPattern: optional(AWS_ACCOUNT_ID_PATTERN) },
      'external-id-pattern': { AllowedPattern: optional(EXTERNAL_ID_PATTERN) },
      'reserved-partner-ids': {
        Assertions: [
          {
            Assert: { 'Fn::Not': [{ 'Fn::Contains': [[...RESERVED_PARTNER_IDS].sort(), { Ref: 'PartnerId' }] }] },
            AssertDescription: `These partner ids are reserved: ${[...RESERVED_PARTNER_IDS].sort().join(', ')}.`,
          },
        ],
      },
      // The renderer refuses a partner account equal to ours (checkPartnerAccountId): so does the stack.
      'partner-account-not-platform': {
        Assertions: [
          {
            Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PartnerAccountId' }, { Ref: 'AWS::AccountId' }] }] },
            AssertDescription:
              "PartnerAccountId is this platform's own AWS account: a partner role trusting it would trust every principal of the platform. Give the partner's own account id, or leave it empty for SFTP only.",
          },
        ],
      },
      // The CreateUser request the bot sends, with the session policy serialized as it sends it.
      'transfer-user': { ...toCreateUserRequest(r.transferUser) },
      'partner-role': {
        RoleName: role.roleName,
        Path: role.path,
        PermissionsBoundary: role.permissionsBoundary,
        AssumeRolePolicyDocument: role.trustPolicy,
        Policies: inlinePolicies(role.policies),
        Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
      },
    },
    PARTNER_SUBSTITUTIONS,
  );
}
