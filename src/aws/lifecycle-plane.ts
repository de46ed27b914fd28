/**
 * The control plane of the partner lifecycle: everything the provision jobs' ControlPlane does,
 * plus what removing, reconciling and rebuilding need (delete a Transfer user, list and delete a
 * role's inline policies, detach its managed policies, delete a role, list users, roles and their tags, put a role's
 * partner tag back) and the platform check (read the bucket's policy and settings, the key's policy and grants, and a managed policy's default version). `createLifecyclePlane`
 * sends every call; `dryRunLifecyclePlane` sends none (DRY_RUN): reads find nothing, deletions
 * are logged as planned and answer "was not there".
 */
import type { PlatformConfig } from './policies/platform.js';
import type { Logger } from '../logger.js';
import { STACK_NAMES } from './policies/platform.js';
import { AwsError } from '../domain/errors.js';
import { createControlPlane, dryRunControlPlane, type ControlPlane, type ControlPlaneClients } from './control-plane.js';
import * as roles from './iam-roles.js';
import * as users from './transfer-users.js';
import * as docs from './platform-documents.js';

export type { AttachedPolicy, RoleSummary } from './iam-roles.js';
export type { ListedUser } from './transfer-users.js';

export interface LifecyclePlane extends ControlPlane {
  deleteUser(userName: string): Promise<boolean>;
  updateUser(input: users.UpdateUserInput): Promise<void>;
  listUsers(): Promise<users.ListedUser[]>;
  listUserTags(userArn: string): Promise<Record<string, string>>;
  deleteRolePolicy(input: { roleName: string; policyName: string }): Promise<boolean>;
  detachRolePolicy(input: { roleName: string; policyArn: string }): Promise<boolean>;
  deleteRole(roleName: string): Promise<boolean>;
  /** Roles under the partner path (`/partnergate/partners/`). */
  listPartnerRoles(): Promise<roles.RoleSummary[]>;
  listRoleTags(roleName: string): Promise<Record<string, string>>;
  /** Sets tags of a partner role: drift's re-apply puts its partner tag back (the second layer reads it). */
  tagRole(roleName: string, tags: Record<string, string>): Promise<void>;
  /** The platform check's reads: the bucket policy and the key policy (null: none), a managed policy's default version (null: no such policy). */
  getBucketPolicy(): Promise<docs.ReadDocument | null>;
  getKeyPolicy(): Promise<docs.ReadDocument | null>;
  /** The bucket's public access block, object ownership and default encryption. */
  getBucketSettings(): Promise<docs.DeployedBucketSettings>;
  /** The key's grants (the platform renders none). */
  listKeyGrants(): Promise<docs.KeyGrant[]>;
  getDefaultPolicyVersion(policyArn: string): Promise<{ versionId: string; document: docs.ReadDocument | null } | null>;
}

type Extras = Omit<LifecyclePlane, keyof ControlPlane>;

/** Every function of `ops` reporting its AwsErrors to `onAwsError` (the aws_errors_total counter) before rethrowing. */
function reportingErrors(ops: Extras, onAwsError: (service: string, code: string) => void): Extras {
  const wrap = (fn: (...args: never[]) => Promise<unknown>) => (...args: never[]) =>
    fn(...args).catch((err: unknown) => {
      if (err instanceof AwsError) onAwsError(err.service, err.code);
      throw err;
    });
  return Object.fromEntries(Object.entries(ops).map(([name, fn]) => [name, wrap(fn)])) as unknown as Extras;
}

export function createLifecyclePlane(
  clients: ControlPlaneClients,
  platform: PlatformConfig,
  onAwsError: (service: string, code: string) => void = () => undefined,
): LifecyclePlane {
  const serverId = platform.transferServerId;
  const extras: Extras = {
    deleteUser: (name) => users.deleteUser(clients.transfer, serverId, name),
    updateUser: (input) => users.updateUser(clients.transfer, serverId, input),
    listUsers: () => users.listUsers(clients.transfer, serverId),
    listUserTags: (arn) => users.listTagsForResource(clients.transfer, arn),
    deleteRolePolicy: (input) => roles.deleteRolePolicy(clients.iam, input),
    detachRolePolicy: (input) => roles.detachRolePolicy(clients.iam, input),
    deleteRole: (name) => roles.deleteRole(clients.iam, name),
    listPartnerRoles: () => roles.listRolesUnder(clients.iam, STACK_NAMES.partnerRolePath),
    listRoleTags: (name) => roles.listRoleTags(clients.iam, name),
    tagRole: (name, tags) => roles.tagRole(clients.iam, name, tags),
    getBucketPolicy: () => docs.getBucketPolicy(clients.s3Config, platform.bucket),
    getKeyPolicy: () => docs.getKeyPolicy(clients.kms, platform.kmsKeyArn),
    getBucketSettings: () => docs.getBucketSettings(clients.s3Config, platform.bucket),
    listKeyGrants: () => docs.listKeyGrants(clients.kms, platform.kmsKeyArn),
    getDefaultPolicyVersion: (arn) => docs.getDefaultPolicyVersion(clients.iam, arn),
  };
  return { ...createControlPlane(clients, platform, onAwsError), ...reportingErrors(extras, onAwsError) };
}

export function dryRunLifecyclePlane(platform: PlatformConfig, logger: Logger): LifecyclePlane {
  const log = logger.child({ module: 'aws', dryRun: true });
  const plan = (operation: string, what: Record<string, unknown>) => log.info({ operation, ...what }, `dry run: ${operation} planned, not sent`);
  return {
    ...dryRunControlPlane(platform, logger),
    deleteUser: async (userName) => (plan('transfer:DeleteUser', { userName }), false),
    updateUser: async (input) => plan('transfer:UpdateUser', { userName: input.UserName }),
    listUsers: async () => [],
    listUserTags: async () => ({}),
    deleteRolePolicy: async (input) => (plan('iam:DeleteRolePolicy', input), false),
    detachRolePolicy: async (input) => (plan('iam:DetachRolePolicy', input), false),
    deleteRole: async (roleName) => (plan('iam:DeleteRole', { roleName }), false),
    listPartnerRoles: async () => [],
    listRoleTags: async () => ({}),
    tagRole: async (roleName, tags) => plan('iam:TagRole', { roleName, tagKeys: Object.keys(tags) }),
    getBucketPolicy: async () => null,
    getKeyPolicy: async () => null,
    getBucketSettings: async () => ({ publicAccessBlock: null, objectOwnership: null, encryption: null }),
    listKeyGrants: async () => [],
    getDefaultPolicyVersion: async () => null,
  };
}
