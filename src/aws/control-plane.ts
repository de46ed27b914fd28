/**
 * The AWS control plane the provision and verify jobs use: Transfer, IAM, STS and Access Analyzer,
 * bound to their clients and the platform (the clients also carry KMS and S3's bucket configuration,
 * which the lifecycle plane reads). `createControlPlane` sends every call; the DRY_RUN
 * wrapper `dryRunControlPlane` sends none: reads answer "not there", writes are logged as planned
 * (names and counts only — never a trust policy, an ExternalId or a key) and answer what AWS would.
 * S3 object operations are not part of it: they stay real in DRY_RUN (README "Configuration").
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { TransferClient } from '@aws-sdk/client-transfer';
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from './policies/platform.js';
import type { Logger } from '../logger.js';
import type { RenderedPartner } from './policies/index.js';
import { AwsError, ErrorCode, RefusedError } from '../domain/errors.js';
import * as transfer from './transfer.js';
import * as iam from './iam.js';
import * as roles from './iam-roles.js';
import * as sts from './sts.js';
import { checkPartnerDocuments } from './access-analyzer.js';

export type AnalyzerFindings = Awaited<ReturnType<typeof checkPartnerDocuments>>;

export interface ControlPlaneClients {
  transfer: TransferClient;
  iam: IAMClient;
  /** STS with the bot's own credentials. */
  sts: STSClient;
  analyzer: AccessAnalyzerClient;
  /** KMS, to read the key policy (the platform check). */
  kms: KMSClient;
  /** S3 for the bucket's configuration (its policy: the platform check); objects have the bot's own S3 client. */
  s3Config: S3Client;
  /** STS with assumed credentials (the verifier's), for a role chain. */
  stsWith(credentials: sts.SessionCredentials): STSClient;
}

export interface ControlPlane {
  readonly dryRun: boolean;
  describeUser(userName: string): Promise<transfer.DescribedUser | null>;
  createUser(input: transfer.CreateUserRequest): Promise<void>;
  importSshPublicKey(userName: string, sshPublicKeyBody: string): Promise<string>;
  deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<boolean>;
  tagUser(userArn: string, tags: Record<string, string>): Promise<void>;
  /** The SHA-256 fingerprints of the Transfer server's host keys: what an SFTP session may present. */
  hostKeyFingerprints(): Promise<string[]>;
  getRole(roleName: string): Promise<iam.RoleState | null>;
  createRole(input: iam.CreateRoleInput): Promise<string>;
  putRolePolicy(input: { roleName: string; policyName: string; document: iam.WritableDocument }): Promise<void>;
  getRolePolicy(input: { roleName: string; policyName: string }): Promise<iam.PolicyDocument | null>;
  updateAssumeRolePolicy(input: { roleName: string; document: iam.WritableDocument }): Promise<void>;
  /** Names of a role's inline policies; [] when the role is not there. */
  listRolePolicies(roleName: string): Promise<string[]>;
  /** The managed policies attached to a role (partner roles may have none); [] when the role is not there. */
  listAttachedRolePolicies(roleName: string): Promise<roles.AttachedPolicy[]>;
  /** Assumes a role with the bot's credentials, or with `via` (a role chain). */
  assumeRole(input: sts.AssumeRoleInput, via?: sts.SessionCredentials): Promise<sts.SessionCredentials>;
  /** Access Analyzer over a partner's documents: the findings, or null when not sent (DRY_RUN). */
  checkDocuments(rendered: RenderedPartner): Promise<AnalyzerFindings | null>;
}

/** Clients for the enterprise account in `region`; endpoints follow the SDK's own settings. */
export function createControlPlaneClients(region: string): ControlPlaneClients {
  return {
    transfer: new TransferClient({ region }),
    iam: new IAMClient({ region }),
    sts: new STSClient({ region }),
    analyzer: new AccessAnalyzerClient({ region }),
    kms: new KMSClient({ region }),
    s3Config: new S3Client({ region }),
    stsWith: (c) => new STSClient({ region, credentials: c }),
  };
}

/** Every call sent; every AwsError reported to `onAwsError` (the aws_errors_total counter) and rethrown. */
export function createControlPlane(
  clients: ControlPlaneClients,
  platform: PlatformConfig,
  onAwsError: (service: string, code: string) => void = () => undefined,
): ControlPlane {
  const serverId = platform.transferServerId;
  const counted = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof AwsError) onAwsError(err.service, err.code);
        throw err;
      }
    };
  return {
    dryRun: false,
    describeUser: counted((userName) => transfer.describeUser(clients.transfer, serverId, userName)),
    createUser: counted((input) => transfer.createUser(clients.transfer, input)),
    importSshPublicKey: counted((userName, body) => transfer.importSshPublicKey(clients.transfer, { serverId, userName, sshPublicKeyBody: body })),
    deleteSshPublicKey: counted((userName, id) => transfer.deleteSshPublicKey(clients.transfer, { serverId, userName, sshPublicKeyId: id })),
    tagUser: counted((arn, tags) => transfer.tagResource(clients.transfer, arn, tags)),
    hostKeyFingerprints: counted(() => transfer.listHostKeyFingerprints(clients.transfer, serverId)),
    getRole: counted((name) => iam.getRole(clients.iam, name)),
    createRole: counted((input) => iam.createRole(clients.iam, input)),
    putRolePolicy: counted((input) => iam.putRolePolicy(clients.iam, input)),
    getRolePolicy: counted((input) => iam.getRolePolicy(clients.iam, input)),
    updateAssumeRolePolicy: counted((input) => iam.updateAssumeRolePolicy(clients.iam, input)),
    listRolePolicies: counted((name) => roles.listRolePolicies(clients.iam, name)),
    listAttachedRolePolicies: counted((name) => roles.listAttachedRolePolicies(clients.iam, name)),
    assumeRole: counted((input, via) => sts.assumeRole(via ? clients.stsWith(via) : clients.sts, input)),
    checkDocuments: counted((rendered) => checkPartnerDocuments(clients.analyzer, platform, rendered)),
  };
}

/** DRY_RUN: nothing is sent. Reads find nothing, so every write is planned and logged. */
export function dryRunControlPlane(platform: PlatformConfig, logger: Logger): ControlPlane {
  const log = logger.child({ module: 'aws', dryRun: true });
  const plan = (operation: string, what: Record<string, unknown>) => log.info({ operation, ...what }, `dry run: ${operation} planned, not sent`);
  let keyCounter = 0;
  return {
    dryRun: true,
    describeUser: async () => null,
    createUser: async (input) =>
      plan('transfer:CreateUser', { serverId: input.ServerId, userName: input.UserName, role: input.Role, withKey: Boolean(input.SshPublicKeyBody) }),
    importSshPublicKey: async (userName) => {
      plan('transfer:ImportSshPublicKey', { userName });
      keyCounter += 1;
      return `key-dryrun-${keyCounter}`;
    },
    deleteSshPublicKey: async (userName, sshPublicKeyId) => {
      plan('transfer:DeleteSshPublicKey', { userName, sshPublicKeyId });
      return true;
    },
    tagUser: async (userArn, tags) => plan('transfer:TagResource', { userArn, tagKeys: Object.keys(tags) }),
    hostKeyFingerprints: async () => [],
    getRole: async () => null,
    createRole: async (input) => {
      plan('iam:CreateRole', { roleName: input.roleName, path: input.path, permissionsBoundary: input.permissionsBoundary, tagKeys: Object.keys(input.tags) });
      return `arn:${platform.partition}:iam::${platform.accountId}:role${input.path}${input.roleName}`;
    },
    putRolePolicy: async (input) => plan('iam:PutRolePolicy', { roleName: input.roleName, policyName: input.policyName }),
    getRolePolicy: async () => null,
    updateAssumeRolePolicy: async (input) => plan('iam:UpdateAssumeRolePolicy', { roleName: input.roleName }),
    listRolePolicies: async () => [],
    listAttachedRolePolicies: async () => [],
    assumeRole: async (input) => {
      plan('sts:AssumeRole', { roleArn: input.roleArn });
      throw new RefusedError(ErrorCode.DryRun, 'STS is not called in DRY_RUN; live probes are skipped');
    },
    checkDocuments: async (rendered) => {
      plan('access-analyzer:checks', { partnerId: rendered.partnerId });
      return null;
    },
  };
}
