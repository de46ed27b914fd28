/**
 * A fake AWS control plane for the provision and verify tests: Transfer, IAM, STS and Access
 * Analyzer answered through aws-sdk-client-mock, with their STATE IN REDIS (under `ns`), so that a
 * worker in a child process (which cannot share the parent's mocks) and a worker in the test
 * process act on the same account. Every write is appended to a call log (`calls()`), which is how
 * "created exactly once" is asserted across processes.
 *
 * What it models, enough to be wrong in the ways AWS is:
 * - Transfer: users (LOGICAL home, role, session policy, tags, SSH keys), ResourceExists /
 *   ResourceNotFound, key ids.
 * - IAM: roles (path, boundary, URL-encoded trust, tags), inline policies, managed policies an
 *   administrator attached by hand (`attachManagedPolicy`: the bot never attaches one), EntityAlreadyExists /
 *   NoSuchEntity; CreateRole without the boundary is AccessDenied (as the bot's role makes it).
 * - STS: AssumeRole evaluates the role's trust policy AND the caller's identity policy with the
 *   offline IAM engine (iam-simulate): the caller is the bot (the clients' static key) or an
 *   assumed session (its access key id). Sessions are stored with their role and session policy.
 * - S3, for probes: `policyGatedS3()` gives clients to the local s3rver that first evaluate each
 *   request as the session's principal against the documents DEPLOYED in the fake (inline and
 *   attached policies, boundary, session policy) and the bucket and key policies; a denial is S3's 403
 *   AccessDenied. A wrong policy therefore makes a probe fail for real.
 * - Access Analyzer: every check passes.
 * - The platform as the stack deploys it, for the platform check: the bucket policy (S3
 *   GetBucketPolicy, on a client of its own: objects stay on s3rver), the key policy (KMS), the
 *   boundary's default version (GetPolicy, GetPolicyVersion) and the Transfer and verifier roles
 *   (GetRole, their inline and attached policies) are the renderer's until a test changes them
 *   (`setBucketPolicy`, `setKeyPolicy`, `setBoundaryDocument`, `setRolePolicy`, `attachManagedPolicy`).
 * - Faults: `failNext('CreateRole', err)` makes the next call(s) of a command fail before acting.
 *
 * `hangAfter`: write commands that, once applied, never answer (and push to `<ns>:hung`): a worker
 * killed there has done the AWS side of the call but never learnt it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import {
  CreateUserCommand, DeleteSshPublicKeyCommand, DescribeUserCommand, ImportSshPublicKeyCommand, ListHostKeysCommand, ResourceExistsException,
  ResourceNotFoundException, TagResourceCommand, TransferClient, type DescribedUser,
} from '@aws-sdk/client-transfer';
import {
  CreateRoleCommand, EntityAlreadyExistsException, GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, IAMServiceException,
  ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, NoSuchEntityException, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import {
  AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoPublicAccessCommand, ValidatePolicyCommand,
} from '@aws-sdk/client-accessanalyzer';
import {
  GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetObjectCommand, GetPublicAccessBlockCommand,
  ListObjectsV2Command, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetKeyPolicyCommand, KMSClient, ListGrantsCommand, NotFoundException } from '@aws-sdk/client-kms';
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import type { ControlPlaneClients } from '../../src/aws/control-plane.js';
import type { SessionCredentials } from '../../src/aws/sts.js';
import { identityPolicies, renderPlatform, type PolicyDocument, type RenderedPlatform, type RenderedRole } from '../../src/aws/policies/index.js';
import { IamEngine, type SimDocuments } from '../../tools/isolation/iam-engine.js';
import { createLocalS3Client } from '../../tools/local/s3.js';

export const BOT_ACCESS_KEY = 'AKIAFAKEBOT000000001';
const BOT_CREDENTIALS = { accessKeyId: BOT_ACCESS_KEY, secretAccessKey: 'fake-bot-secret' };

export interface FakeAwsOptions {
  redis: Redis;
  /** Key prefix of the fake account's state, e.g. `${prefix}:fakeaws`. */
  ns: string;
  platform: PlatformConfig;
  hangAfter?: string[];
}

interface StoredUser extends DescribedUser {
  UserName: string;
}

interface StoredRole {
  RoleName: string;
  Arn: string;
  Path: string;
  AssumeRolePolicyDocument: string;
  PermissionsBoundary?: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy'; PermissionsBoundaryArn: string };
  Tags: { Key: string; Value: string }[];
  CreateDate: string;
}

export interface Session {
  roleArn: string;
  roleName: string;
  sessionName: string;
  policy?: PolicyDocument;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stub = AwsStub<any, any, any>;

const meta = (status: number) => ({ httpStatusCode: status, attempts: 1, totalRetryDelay: 0 });

export function accessDenied(service: 'sts' | 's3', message: string): Error {
  const Ctor = service === 'sts' ? STSServiceException : S3ServiceException;
  return new Ctor({ name: 'AccessDenied', $fault: 'client', $metadata: meta(403), message });
}

export class FakeAws {
  readonly transfer: Stub;
  readonly iam: Stub;
  readonly sts: Stub;
  readonly analyzer: Stub;
  readonly kms: Stub;
  /** S3 for the bucket's configuration: one client, mocked alone (every other S3 client reaches s3rver). */
  readonly s3Config: Stub;
  private readonly s3ConfigClient: S3Client;
  /** The Transfer server's host keys (ListHostKeys), as SHA-256 fingerprints. */
  hostKeyFingerprints: string[] = [];
  private readonly engine = new IamEngine();
  private readonly docs: RenderedPlatform;
  private readonly hang: Set<string>;
  private readonly faults = new Map<string, Error[]>();

  constructor(private readonly o: FakeAwsOptions) {
    this.docs = renderPlatform(o.platform);
    this.hang = new Set(o.hangAfter ?? []);
    this.transfer = mockClient(TransferClient) as unknown as Stub;
    this.iam = mockClient(IAMClient) as unknown as Stub;
    this.sts = mockClient(STSClient) as unknown as Stub;
    this.analyzer = mockClient(AccessAnalyzerClient) as unknown as Stub;
    this.kms = mockClient(KMSClient) as unknown as Stub;
    this.s3ConfigClient = new S3Client({ region: o.platform.region, credentials: BOT_CREDENTIALS });
    this.s3Config = mockClient(this.s3ConfigClient) as unknown as Stub;
    this.install();
  }

  /** Clients as the composition root builds them (the bot's static key identifies the caller). */
  clients(): ControlPlaneClients {
    const region = this.o.platform.region;
    return {
      transfer: new TransferClient({ region, credentials: BOT_CREDENTIALS }),
      iam: new IAMClient({ region, credentials: BOT_CREDENTIALS }),
      sts: new STSClient({ region, credentials: BOT_CREDENTIALS }),
      analyzer: new AccessAnalyzerClient({ region, credentials: BOT_CREDENTIALS }),
      kms: new KMSClient({ region, credentials: BOT_CREDENTIALS }),
      s3Config: this.s3ConfigClient,
      stsWith: (c) => new STSClient({ region, credentials: c }),
    };
  }

  /** Clears the mocks' history and behaviours, and installs the behaviours again. */
  reset(): void {
    for (const stub of this.stubs()) stub.reset();
    this.install();
  }

  restore(): void {
    for (const stub of this.stubs()) stub.restore();
  }

  private stubs(): Stub[] {
    return [this.transfer, this.iam, this.sts, this.analyzer, this.kms, this.s3Config];
  }

  // --- state -----------------------------------------------------------------------------------

  private k(...parts: string[]): string {
    return [this.o.ns, ...parts].join(':');
  }

  /** The write log: `CreateUser acme`, `ImportSshPublicKey acme`, `CreateRole partnergate-partner-acme`, … */
  async calls(): Promise<string[]> {
    return this.o.redis.lrange(this.k('calls'), 0, -1);
  }

  async user(name: string): Promise<StoredUser | null> {
    const raw = await this.o.redis.get(this.k('user', name));
    return raw ? (JSON.parse(raw) as StoredUser) : null;
  }

  async role(name: string): Promise<StoredRole | null> {
    const raw = await this.o.redis.get(this.k('role', name));
    return raw ? (JSON.parse(raw) as StoredRole) : null;
  }

  async rolePolicy(role: string, policy: string): Promise<PolicyDocument | null> {
    const raw = await this.o.redis.get(this.k('rolepolicy', role, policy));
    return raw ? (JSON.parse(decodeURIComponent(raw)) as PolicyDocument) : null;
  }

  /** Overwrites an inline policy behind the bot's back (a test breaking what was deployed). */
  async setRolePolicy(role: string, policy: string, document: PolicyDocument): Promise<void> {
    await this.o.redis.set(this.k('rolepolicy', role, policy), encodeURIComponent(JSON.stringify(document)));
  }

  /** What an administrator does by hand, not the bot: attaches a managed policy (its ARN and document) to a role. */
  async attachManagedPolicy(role: string, policyArn: string, document: PolicyDocument): Promise<void> {
    await this.o.redis.hset(this.k('attached', role), policyArn, JSON.stringify(document));
  }

  /** What an administrator does by hand: sets (a value) or removes (null) one tag of a role. */
  async setRoleTag(roleName: string, key: string, value: string | null): Promise<void> {
    const role = await this.role(roleName);
    if (!role) throw new Error(`no role ${roleName}`);
    const tags = [...role.Tags.filter((t) => t.Key !== key), ...(value === null ? [] : [{ Key: key, Value: value }])];
    await this.o.redis.set(this.k('role', roleName), JSON.stringify({ ...role, Tags: tags }));
  }

  /** What an administrator does by hand: removes a role's permissions boundary. */
  async deleteRoleBoundary(roleName: string): Promise<void> {
    const role = await this.role(roleName);
    if (!role) throw new Error(`no role ${roleName}`);
    const { PermissionsBoundary: _removed, ...rest } = role;
    await this.o.redis.set(this.k('role', roleName), JSON.stringify(rest));
  }

  /** The managed policies attached to a role, by ARN. */
  async attachedPolicies(role: string): Promise<Record<string, PolicyDocument>> {
    const raw = await this.o.redis.hgetall(this.k('attached', role));
    return Object.fromEntries(Object.entries(raw).map(([arn, doc]) => [arn, JSON.parse(doc) as PolicyDocument]));
  }

  /** What an administrator does by hand: replaces the bucket policy (null: deletes it). */
  async setBucketPolicy(document: PolicyDocument | null): Promise<void> {
    await this.o.redis.set(this.k('platform', 'bucket-policy'), JSON.stringify(document));
  }

  /** Replaces the key policy. */
  async setKeyPolicy(document: PolicyDocument): Promise<void> {
    await this.o.redis.set(this.k('platform', 'key-policy'), JSON.stringify(document));
  }

  /** What an administrator does by hand to the bucket's settings (null: deletes that setting). */
  async setBucketSettings(change: { publicAccessBlock?: Record<string, boolean> | null; objectOwnership?: string | null }): Promise<void> {
    for (const [name, value] of Object.entries(change)) await this.o.redis.set(this.k('platform', name), JSON.stringify(value));
  }

  /** CreateGrant by hand: a grant on the platform key. */
  async addKeyGrant(grant: { GrantId: string; GranteePrincipal: string; Operations: string[] }): Promise<void> {
    await this.o.redis.rpush(this.k('platform', 'grants'), JSON.stringify(grant));
  }

  /** Makes a new default version of the boundary policy (v2, v3, …). */
  async setBoundaryDocument(document: PolicyDocument): Promise<void> {
    const version = await this.o.redis.incr(this.k('platform', 'boundary-version'));
    await this.o.redis.set(this.k('platform', 'boundary'), JSON.stringify({ versionId: `v${version + 1}`, document }));
  }

  /** A platform role as the stack deploys it (the Transfer and verifier roles), or null. */
  private platformRole(name: string): RenderedRole | null {
    return [this.docs.transferRole, this.docs.verifierRole].find((r) => r.roleName === name) ?? null;
  }

  /** A role the account holds: one the bot (or a test) made, or a platform role of the stack. */
  private async anyRole(name: string): Promise<StoredRole | null> {
    const stored = await this.role(name);
    if (stored) return stored;
    const r = this.platformRole(name);
    if (!r) return null;
    const path = r.arn.slice(r.arn.indexOf(':role/') + ':role'.length, r.arn.lastIndexOf('/') + 1);
    return { RoleName: r.roleName, Arn: r.arn, Path: path, AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(r.trustPolicy)), Tags: [], CreateDate: new Date(0).toISOString() };
  }

  async session(accessKeyId: string): Promise<Session | null> {
    const raw = await this.o.redis.get(this.k('session', accessKeyId));
    return raw ? (JSON.parse(raw) as Session) : null;
  }

  private async log(entry: string): Promise<void> {
    await this.o.redis.rpush(this.k('calls'), entry);
  }

  /** After a write was applied: answer, or (hangAfter) never answer. */
  private async done<T>(command: string, answer: T): Promise<T> {
    if (this.hang.has(command)) {
      await this.o.redis.rpush(this.k('hung'), command);
      return new Promise<T>(() => undefined);
    }
    return answer;
  }

  // --- behaviours ------------------------------------------------------------------------------

  /** The next calls of `command` (`CreateRole`, `DescribeUser`, …) fail with these errors, in order. */
  failNext(command: string, ...errors: Error[]): void {
    this.faults.set(command, [...(this.faults.get(command) ?? []), ...errors]);
  }

  private install(): void {
    const { redis } = this.o;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const on = (stub: Stub, command: { name: string }, fn: (input: any, getClient: () => any) => Promise<unknown>) =>
      stub.on(command as never).callsFake(async (input: unknown, getClient: () => unknown) => {
        const fault = this.faults.get(command.name.replace(/Command$/, ''))?.shift();
        if (fault) throw fault;
        return fn(input, getClient);
      });
    const p = this.o.platform;
    const userArn = (name: string) => `arn:${p.partition}:transfer:${p.region}:${p.accountId}:user/${p.transferServerId}/${name}`;
    const notFound = (name: string) =>
      new ResourceNotFoundException({ message: `Unknown user ${name}`, Message: `Unknown user ${name}`, $metadata: meta(400), Resource: name, ResourceType: 'User' });
    const saveUser = (u: StoredUser) => redis.set(this.k('user', u.UserName), JSON.stringify(u));
    const newKey = (body: string) => ({ SshPublicKeyId: `key-${randomBytes(9).toString('hex').slice(0, 17)}`, SshPublicKeyBody: body, DateImported: new Date() });

    on(this.transfer, ListHostKeysCommand, async () => ({
      ServerId: p.transferServerId,
      HostKeys: this.hostKeyFingerprints.map((Fingerprint, i) => ({ Arn: `arn:${p.partition}:transfer:${p.region}:${p.accountId}:host-key/${p.transferServerId}/hostkey-${String(i).padStart(17, '0')}`, Fingerprint, Type: 'ssh-ed25519' })),
    }));
    on(this.transfer, DescribeUserCommand, async (input: { UserName: string }) => {
      const user = await this.user(input.UserName);
      if (!user) throw notFound(input.UserName);
      return { ServerId: p.transferServerId, User: user };
    });
    on(this.transfer, CreateUserCommand, async (input: Record<string, unknown> & { UserName: string; SshPublicKeyBody?: string }) => {
      if (await this.user(input.UserName)) {
        throw new ResourceExistsException({ message: 'User already exists', Message: 'User already exists', $metadata: meta(400), Resource: input.UserName, ResourceType: 'User' });
      }
      await this.log(`CreateUser ${input.UserName}`);
      const { SshPublicKeyBody, ServerId: _server, ...rest } = input;
      await saveUser({ ...(rest as unknown as StoredUser), Arn: userArn(input.UserName), SshPublicKeys: SshPublicKeyBody ? [newKey(SshPublicKeyBody)] : [] });
      return this.done('CreateUser', { ServerId: p.transferServerId, UserName: input.UserName });
    });
    on(this.transfer, ImportSshPublicKeyCommand, async (input: { UserName: string; SshPublicKeyBody: string }) => {
      const user = await this.user(input.UserName);
      if (!user) throw notFound(input.UserName);
      if ((user.SshPublicKeys ?? []).some((k) => k.SshPublicKeyBody === input.SshPublicKeyBody)) {
        throw new ResourceExistsException({ message: 'The key already exists', Message: 'The key already exists', $metadata: meta(400), Resource: input.UserName, ResourceType: 'SshPublicKey' });
      }
      await this.log(`ImportSshPublicKey ${input.UserName}`);
      const key = newKey(input.SshPublicKeyBody);
      await saveUser({ ...user, SshPublicKeys: [...(user.SshPublicKeys ?? []), key] } as StoredUser);
      return this.done('ImportSshPublicKey', { ServerId: p.transferServerId, UserName: input.UserName, SshPublicKeyId: key.SshPublicKeyId });
    });
    on(this.transfer, DeleteSshPublicKeyCommand, async (input: { UserName: string; SshPublicKeyId: string }) => {
      const user = await this.user(input.UserName);
      if (!user || !(user.SshPublicKeys ?? []).some((k) => k.SshPublicKeyId === input.SshPublicKeyId)) throw notFound(input.UserName);
      await this.log(`DeleteSshPublicKey ${input.UserName}`);
      await saveUser({ ...user, SshPublicKeys: (user.SshPublicKeys ?? []).filter((k) => k.SshPublicKeyId !== input.SshPublicKeyId) } as StoredUser);
      return this.done('DeleteSshPublicKey', {});
    });
    on(this.transfer, TagResourceCommand, async (input: { Arn: string; Tags: { Key: string; Value: string }[] }) => {
      const name = input.Arn.slice(input.Arn.lastIndexOf('/') + 1);
      const user = await this.user(name);
      if (!user) throw notFound(name);
      await this.log(`TagResource ${name}`);
      const tags = new Map((user.Tags ?? []).map((t) => [t.Key, t.Value]));
      for (const t of input.Tags) tags.set(t.Key, t.Value);
      await saveUser({ ...user, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) } as StoredUser);
      return this.done('TagResource', {});
    });

    const noRole = (name: string) => new NoSuchEntityException({ message: `The role with name ${name} cannot be found.`, $metadata: meta(404) });
    on(this.iam, GetRoleCommand, async (input: { RoleName: string }) => {
      const role = await this.anyRole(input.RoleName);
      if (!role) throw noRole(input.RoleName);
      return { Role: { ...role, CreateDate: new Date(role.CreateDate) } };
    });
    on(this.iam, CreateRoleCommand, async (input: { RoleName: string; Path: string; AssumeRolePolicyDocument: string; PermissionsBoundary?: string; Tags?: { Key: string; Value: string }[] }) => {
      if (input.PermissionsBoundary !== p.permissionsBoundaryArn || input.Path !== '/partnergate/partners/') {
        throw new IAMServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: meta(403), message: 'not authorized to perform: iam:CreateRole (boundary and path required)' });
      }
      if (await this.role(input.RoleName)) throw new EntityAlreadyExistsException({ message: `Role with name ${input.RoleName} already exists.`, $metadata: meta(409) });
      await this.log(`CreateRole ${input.RoleName}`);
      const role: StoredRole = {
        RoleName: input.RoleName,
        Arn: `arn:${p.partition}:iam::${p.accountId}:role${input.Path}${input.RoleName}`,
        Path: input.Path,
        AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument),
        PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: input.PermissionsBoundary },
        Tags: input.Tags ?? [],
        CreateDate: new Date().toISOString(),
      };
      await redis.set(this.k('role', input.RoleName), JSON.stringify(role));
      return this.done('CreateRole', { Role: { ...role, CreateDate: new Date(role.CreateDate) } });
    });
    on(this.iam, PutRolePolicyCommand, async (input: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
      if (!(await this.role(input.RoleName))) throw noRole(input.RoleName);
      await this.log(`PutRolePolicy ${input.RoleName} ${input.PolicyName}`);
      await redis.set(this.k('rolepolicy', input.RoleName, input.PolicyName), encodeURIComponent(input.PolicyDocument));
      return this.done('PutRolePolicy', {});
    });
    on(this.iam, GetRolePolicyCommand, async (input: { RoleName: string; PolicyName: string }) => {
      const rendered = this.platformRole(input.RoleName)?.policies.find((x) => x.name === input.PolicyName);
      const raw = (await redis.get(this.k('rolepolicy', input.RoleName, input.PolicyName))) ?? (rendered ? encodeURIComponent(JSON.stringify(rendered.document)) : null);
      if (raw === null) throw new NoSuchEntityException({ message: `The role policy with name ${input.PolicyName} cannot be found.`, $metadata: meta(404) });
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: raw };
    });
    on(this.iam, UpdateAssumeRolePolicyCommand, async (input: { RoleName: string; PolicyDocument: string }) => {
      const role = await this.role(input.RoleName);
      if (!role) throw noRole(input.RoleName);
      await this.log(`UpdateAssumeRolePolicy ${input.RoleName}`);
      await redis.set(this.k('role', input.RoleName), JSON.stringify({ ...role, AssumeRolePolicyDocument: encodeURIComponent(input.PolicyDocument) }));
      return this.done('UpdateAssumeRolePolicy', {});
    });

    on(this.iam, ListRolePoliciesCommand, async (input: { RoleName: string }) => {
      if (!(await this.anyRole(input.RoleName))) throw noRole(input.RoleName);
      const keys = await redis.keys(`${this.k('rolepolicy', input.RoleName)}:*`);
      const names = new Set([...keys.map((key) => key.slice(key.lastIndexOf(':') + 1)), ...(this.platformRole(input.RoleName)?.policies.map((x) => x.name) ?? [])]);
      return { PolicyNames: [...names].sort(), IsTruncated: false };
    });
    on(this.iam, ListAttachedRolePoliciesCommand, async (input: { RoleName: string }) => {
      if (!(await this.anyRole(input.RoleName))) throw noRole(input.RoleName);
      const arns = Object.keys(await this.attachedPolicies(input.RoleName)).sort();
      return { AttachedPolicies: arns.map((arn) => ({ PolicyArn: arn, PolicyName: arn.slice(arn.lastIndexOf('/') + 1) })), IsTruncated: false };
    });

    on(this.sts, AssumeRoleCommand, async (input: { RoleArn: string; RoleSessionName: string; ExternalId?: string; Policy?: string }, getClient) => {
      const credentials = await (getClient().config as { credentials: () => Promise<{ accessKeyId: string }> }).credentials();
      const caller = await this.caller(credentials.accessKeyId);
      const target = await this.assumable(input.RoleArn);
      if (!caller || !target) throw accessDenied('sts', `not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
      const decision = await this.engine.simulate(
        { ...caller.docs, resource: target.trust },
        {
          principal: caller.arn, action: 'sts:AssumeRole', resource: input.RoleArn, resourceAccount: p.accountId,
          context: { ...caller.context, ...(input.ExternalId ? { 'sts:ExternalId': input.ExternalId } : {}) },
        },
      );
      if (decision.decision !== 'Allowed') throw accessDenied('sts', `${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
      await this.log(`AssumeRole ${target.name}`);
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const session: Session = { roleArn: input.RoleArn, roleName: target.name, sessionName: input.RoleSessionName, ...(input.Policy ? { policy: JSON.parse(input.Policy) as PolicyDocument } : {}) };
      await redis.set(this.k('session', accessKeyId), JSON.stringify(session));
      return { Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: 'fake-session-secret', SessionToken: `token-${accessKeyId}`, Expiration: new Date(Date.now() + 900_000) } };
    });

    // The platform-wide documents, as the stack deploys them until a test changes them.
    const stored = async (name: string) => {
      const raw = await redis.get(this.k('platform', name));
      return raw === null ? undefined : (JSON.parse(raw) as unknown);
    };
    on(this.s3Config, GetBucketPolicyCommand, async (input: { Bucket: string }) => {
      const doc = input.Bucket === p.bucket ? await stored('bucket-policy') : null;
      if (doc === null) throw new S3ServiceException({ name: 'NoSuchBucketPolicy', $fault: 'client', $metadata: meta(404), message: 'The bucket policy does not exist' });
      return { Policy: JSON.stringify(doc ?? this.docs.bucketPolicy) };
    });
    on(this.kms, GetKeyPolicyCommand, async (input: { KeyId: string }) => {
      if (input.KeyId !== p.kmsKeyArn) throw new NotFoundException({ message: `Key '${input.KeyId}' does not exist`, $metadata: meta(400) });
      return { Policy: JSON.stringify((await stored('key-policy')) ?? this.docs.kmsKeyPolicy), PolicyName: 'default' };
    });
    const settings = this.docs.bucketSettings;
    const s3NotFound = (name: string, message: string) => new S3ServiceException({ name, $fault: 'client', $metadata: meta(404), message });
    on(this.s3Config, GetPublicAccessBlockCommand, async () => {
      const pab = await stored('publicAccessBlock');
      if (pab === null) throw s3NotFound('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
      return { PublicAccessBlockConfiguration: pab ?? settings.publicAccessBlock };
    });
    on(this.s3Config, GetBucketOwnershipControlsCommand, async () => {
      const ownership = await stored('objectOwnership');
      if (ownership === null) throw s3NotFound('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found');
      return { OwnershipControls: { Rules: [{ ObjectOwnership: (ownership as string | undefined) ?? settings.objectOwnership }] } };
    });
    on(this.s3Config, GetBucketEncryptionCommand, async () => ({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: p.kmsKeyArn }, BucketKeyEnabled: true }],
      },
    }));
    on(this.kms, ListGrantsCommand, async (input: { KeyId: string }) => {
      if (input.KeyId !== p.kmsKeyArn) throw new NotFoundException({ message: `Key '${input.KeyId}' does not exist`, $metadata: meta(400) });
      const grants = (await redis.lrange(this.k('platform', 'grants'), 0, -1)).map((g) => JSON.parse(g) as Record<string, unknown>);
      return { Grants: grants.map((g) => ({ KeyId: p.kmsKeyArn, ...g })), Truncated: false };
    });
    const noPolicy = (arn: string) => new NoSuchEntityException({ message: `Policy ${arn} does not exist or is not attachable.`, $metadata: meta(404) });
    const boundary = async () => ((await stored('boundary')) as { versionId: string; document: PolicyDocument } | undefined) ?? { versionId: 'v1', document: this.docs.permissionsBoundary.policies[0]!.document };
    on(this.iam, GetPolicyCommand, async (input: { PolicyArn: string }) => {
      if (input.PolicyArn !== p.permissionsBoundaryArn) throw noPolicy(input.PolicyArn);
      const b = this.docs.permissionsBoundary;
      return { Policy: { PolicyName: b.name, Arn: b.arn, Path: b.path, DefaultVersionId: (await boundary()).versionId, AttachmentCount: 0, PermissionsBoundaryUsageCount: 1, IsAttachable: true } };
    });
    on(this.iam, GetPolicyVersionCommand, async (input: { PolicyArn: string; VersionId: string }) => {
      const b = await boundary();
      if (input.PolicyArn !== p.permissionsBoundaryArn || input.VersionId !== b.versionId) throw noPolicy(input.PolicyArn);
      return { PolicyVersion: { Document: encodeURIComponent(JSON.stringify(b.document)), VersionId: b.versionId, IsDefaultVersion: true } };
    });

    on(this.analyzer, ValidatePolicyCommand, async () => ({ findings: [] }));
    on(this.analyzer, CheckAccessNotGrantedCommand, async () => ({ result: 'PASS', reasons: [] }));
    on(this.analyzer, CheckNoPublicAccessCommand, async () => ({ result: 'PASS', reasons: [] }));
  }

  // --- who is calling, and what applies to them ----------------------------------------------

  private sessionArn(roleName: string, sessionName: string): string {
    const p = this.o.platform;
    return `arn:${p.partition}:sts::${p.accountId}:assumed-role/${roleName}/${sessionName}`;
  }

  /** The documents that apply to a principal acting in a session of `roleArn`. */
  async sessionDocuments(session: Session): Promise<Omit<SimDocuments, 'resource'>> {
    const p = this.o.platform;
    const d = this.docs;
    const withSession = session.policy ? { session: session.policy } : {};
    if (session.roleArn === d.verifierRole.arn) return { identity: identityPolicies(d.verifierRole), ...withSession };
    if (session.roleArn === d.transferRole.arn) return { identity: identityPolicies(d.transferRole), ...withSession };
    if (session.roleArn === d.botRole.arn) return { identity: identityPolicies(d.botRole), ...withSession };
    const role = await this.role(session.roleName);
    if (!role) return { identity: [], ...withSession };
    const names = (await this.o.redis.keys(`${this.k('rolepolicy', role.RoleName)}:*`)).map((key) => key.slice(key.lastIndexOf(':') + 1));
    const identity = [];
    for (const name of names) identity.push({ name, document: (await this.rolePolicy(role.RoleName, name))! });
    for (const [arn, document] of Object.entries(await this.attachedPolicies(role.RoleName))) identity.push({ name: arn, document });
    const boundary = role.PermissionsBoundary?.PermissionsBoundaryArn === p.permissionsBoundaryArn ? d.permissionsBoundary.policies[0]!.document : undefined;
    return { identity, ...(boundary ? { boundary } : {}), ...withSession };
  }

  /**
   * The request context AWS gives a session's calls: who it is, and the tags of a stored role
   * (aws:PrincipalTag/<key>), read when the call is made — what the boundary and the bucket policy read.
   */
  async sessionContext(session: Session): Promise<Record<string, string>> {
    const role = await this.role(session.roleName);
    const tags = role && role.Arn === session.roleArn ? role.Tags : [];
    return {
      'aws:SecureTransport': 'true', 'aws:PrincipalArn': session.roleArn, 'aws:PrincipalAccount': this.o.platform.accountId,
      ...Object.fromEntries(tags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value])),
    };
  }

  private async caller(accessKeyId: string) {
    const d = this.docs;
    const session: Session | null = accessKeyId === BOT_ACCESS_KEY
      ? { roleArn: d.botRole.arn, roleName: d.botRole.roleName, sessionName: 'worker' }
      : await this.session(accessKeyId);
    if (!session) return null;
    return {
      arn: this.sessionArn(session.roleName, session.sessionName),
      docs: await this.sessionDocuments(session),
      context: await this.sessionContext(session),
    };
  }

  private async assumable(roleArn: string): Promise<{ name: string; trust: PolicyDocument } | null> {
    const d = this.docs;
    for (const r of [d.verifierRole, d.transferRole]) if (r.arn === roleArn) return { name: r.roleName, trust: r.trustPolicy };
    const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const role = await this.role(name);
    if (!role || role.Arn !== roleArn) return null;
    return { name, trust: JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) as PolicyDocument };
  }

  // --- S3 as a session ---------------------------------------------------------------------------

  /**
   * `s3ForCredentials` for the verify job: a client to the local s3rver that evaluates every
   * request as the session's principal first. Allowed requests reach s3rver; denied ones answer
   * 403 AccessDenied as S3 would. GetObject also needs kms:Decrypt through S3 (objects are SSE-KMS).
   */
  policyGatedS3(endpoint: string): (credentials: SessionCredentials) => S3Client {
    const p = this.o.platform;
    const bucketArn = `arn:${p.partition}:s3:::${p.bucket}`;
    return (credentials) => {
      const client = createLocalS3Client(endpoint);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const session = await this.session(credentials.accessKeyId);
          if (!session) throw accessDenied('s3', 'The AWS Access Key Id you provided does not exist in our records.');
          const docs = await this.sessionDocuments(session);
          const base = { principal: this.sessionArn(session.roleName, session.sessionName), resourceAccount: p.accountId };
          const context0 = await this.sessionContext(session);
          const input = args.input as { Bucket?: string; Key?: string; Prefix?: string; Delimiter?: string };
          const checks: { action: string; resource: string; context: Record<string, string>; resourcePolicy: PolicyDocument }[] = [];
          if (context.commandName === ListObjectsV2Command.name) {
            checks.push({
              action: 's3:ListBucket', resource: bucketArn, resourcePolicy: this.docs.bucketPolicy,
              context: { ...context0, ...(input.Prefix ? { 's3:prefix': input.Prefix } : {}), ...(input.Delimiter ? { 's3:delimiter': input.Delimiter } : {}) },
            });
          } else if (context.commandName === GetObjectCommand.name) {
            checks.push({ action: 's3:GetObject', resource: `${bucketArn}/${input.Key}`, context: context0, resourcePolicy: this.docs.bucketPolicy });
            checks.push({ action: 'kms:Decrypt', resource: p.kmsKeyArn, context: { ...context0, 'kms:ViaService': `s3.${p.region}.amazonaws.com` }, resourcePolicy: this.docs.kmsKeyPolicy });
          } else {
            throw accessDenied('s3', `the probe gate does not model ${context.commandName}`);
          }
          for (const c of checks) {
            const r = await this.engine.simulate({ ...docs, resource: c.resourcePolicy }, { ...base, action: c.action, resource: c.resource, context: c.context });
            if (r.decision !== 'Allowed') throw accessDenied('s3', `Access Denied (${c.action} ${r.decision})`);
          }
          return next(args);
        },
        { step: 'initialize', name: 'probePolicyGate' },
      );
      return client;
    };
  }
}
