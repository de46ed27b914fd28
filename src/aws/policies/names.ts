/**
 * Names and ARNs every document agrees on, derived from the platform parameters. Partner ids are
 * validated before they reach any of these, so an id only ever adds literal text to an ARN.
 */
import { STACK_NAMES, type PlatformConfig } from './platform.js';
import { homePrefix } from '../../domain/partner-id.js';
import type { PlatformEventScope } from '../../domain/platform-events.js';
import type { PickupEventScope } from '../../domain/pickup-events.js';

/** Partner roles are named `partnergate-partner-<id>` (at most 52 of IAM's 64 characters). */
export const PARTNER_ROLE_NAME_PREFIX = 'partnergate-partner-';

/**
 * The tag naming the partner on its Transfer user and role. On a role it is what the second layer
 * reads (the permissions boundary and the bucket policy, as `aws:PrincipalTag`): the bot writes it
 * when it creates the role, the role's trust lets no one pass session tags over it (no
 * `sts:TagSession`), and the drift check compares it. Only ever narrows: the role's inline policy,
 * which names the partner's home literally, is what grants.
 */
export const PARTNER_TAG_KEY = 'partnergate:partner-id';

/** The request context key of a partner role session's partner tag. */
export const PARTNER_TAG_CONTEXT_KEY = `aws:PrincipalTag/${PARTNER_TAG_KEY}`;

/**
 * The home of whichever partner the calling role is tagged for, as a policy variable: one constant
 * document for every partner. Ends in `/`, as every prefix must.
 */
export const TAGGED_HOME_PREFIX = `partners/\${${PARTNER_TAG_CONTEXT_KEY}}/`;

/** The SQS queue of bucket events the bot reads (manifests/platform.yaml creates it). */
export const DELIVERY_QUEUE_NAME = 'partnergate-deliveries';
/** The queue CloudTrail's management events reach the bot on (PLATFORM_EVENTS_QUEUE_URL). */
export const PLATFORM_EVENTS_QUEUE_NAME = 'partnergate-platform-events';

export const POLICY_NAMES = {
  partnerRead: 'partnergate-read-own-prefix',
  transferRead: 'partnergate-transfer-read-partners',
  bot: 'partnergate-bot',
  verifier: 'partnergate-verifier-probes',
  /** Offboarding's lock on a partner role, until the role is deleted. */
  offboardLock: 'partnergate-offboarded-deny-all',
} as const;

export const TRANSFER_SERVICE = 'transfer.amazonaws.com';

export function bucketArn(p: PlatformConfig): string {
  return `arn:${p.partition}:s3:::${p.bucket}`;
}

/** The ARN of objects under a key prefix (the prefix ends in `/`; `*` follows it). */
export function objectsArn(p: PlatformConfig, prefix: string): string {
  return `${bucketArn(p)}/${prefix}*`;
}

/** The kms:ViaService value of S3 in the platform's region (China regions use the .com.cn domain). */
export function s3ViaService(p: PlatformConfig): string {
  return `s3.${p.region}.amazonaws.com${p.partition === 'aws-cn' ? '.cn' : ''}`;
}

export function accountRootArn(p: PlatformConfig, accountId: string): string {
  return `arn:${p.partition}:iam::${accountId}:root`;
}

export function partnerRoleName(partnerId: string): string {
  homePrefix(partnerId); // throws on an invalid id
  return `${PARTNER_ROLE_NAME_PREFIX}${partnerId}`;
}

export function partnerRoleArn(p: PlatformConfig, partnerId: string): string {
  return `arn:${p.partition}:iam::${p.accountId}:role${STACK_NAMES.partnerRolePath}${partnerRoleName(partnerId)}`;
}

/** Every role under the partner path: what the bot may create and the verifier may assume. */
export function partnerRolesPattern(p: PlatformConfig): string {
  return `arn:${p.partition}:iam::${p.accountId}:role${STACK_NAMES.partnerRolePath}*`;
}

/** Transfer users of the platform server (the server's ARN with `user/<server-id>/*`). */
export function transferUsersPattern(p: PlatformConfig): string {
  return `arn:${p.partition}:transfer:${p.region}:${p.accountId}:user/${p.transferServerId}/*`;
}

export function deliveryQueueArn(p: PlatformConfig): string {
  return `arn:${p.partition}:sqs:${p.region}:${p.accountId}:${DELIVERY_QUEUE_NAME}`;
}

export function platformEventsQueueArn(p: PlatformConfig): string {
  return `arn:${p.partition}:sqs:${p.region}:${p.accountId}:${PLATFORM_EVENTS_QUEUE_NAME}`;
}

/** The Transfer server's structured log group (FilterLogEvents is authorized on the group's ARN). */
export function transferLogGroupArn(p: PlatformConfig): string {
  return `arn:${p.partition}:logs:${p.region}:${p.accountId}:log-group:${STACK_NAMES.transferLogGroup}:*`;
}

export function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** Where the platform's resources are, for reading CloudTrail's events about them (src/domain/platform-events.ts). */
export function platformEventScope(p: PlatformConfig): PlatformEventScope {
  return {
    accountId: p.accountId,
    transferServerId: p.transferServerId,
    bucket: p.bucket,
    kmsKeyArn: p.kmsKeyArn,
    permissionsBoundaryArn: p.permissionsBoundaryArn,
    partnerRolePrefix: PARTNER_ROLE_NAME_PREFIX,
    platformRoles: {
      [roleNameOf(p.transferRoleArn)]: 'the Transfer role (every SFTP session runs as it)',
      [roleNameOf(p.verifierRoleArn)]: 'the verifier role',
      [roleNameOf(p.botRoleArn)]: 'the bot role',
    },
    botRoleArn: p.botRoleArn,
  };
}

/** Where partners' downloads happen, for reading Transfer's and CloudTrail's pickup events (src/domain/pickup-events.ts). */
export function pickupEventScope(p: PlatformConfig): PickupEventScope {
  return {
    accountId: p.accountId,
    transferServerId: p.transferServerId,
    bucket: p.bucket,
    partnerRolePrefix: PARTNER_ROLE_NAME_PREFIX,
    transferRoleArn: p.transferRoleArn,
  };
}
