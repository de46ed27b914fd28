/**
 * The lifecycle commands on top of ./fake-aws.ts (which models what provisioning and verification
 * send): DeleteUser, UpdateUser, ListUsers, ListTagsForResource (Transfer); DeleteRolePolicy,
 * DetachRolePolicy, DeleteRole, ListRoles, ListRoleTags, TagRole (IAM). They act on the same state in Redis (`<ns>:user:<name>`,
 * `<ns>:role:<name>`, `<ns>:rolepolicy:<role>:<policy>`, `<ns>:attached:<role>`) and append every write to the same call log,
 * so "done exactly once" is asserted across resumed runs. DeleteRole refuses while inline or attached
 * policies remain (DeleteConflict), as IAM does. `failNext(command, err)` fails the next call before it acts;
 * `failAfter(command, err)` acts, then fails (a worker killed after AWS did the work).
 * Install again after `fake.reset()`.
 */
import type { Redis } from 'ioredis';
import {
  DeleteUserCommand, ListTagsForResourceCommand, ListUsersCommand, ResourceNotFoundException, UpdateUserCommand,
} from '@aws-sdk/client-transfer';
import {
  DeleteConflictException, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListRolesCommand, ListRoleTagsCommand,
  NoSuchEntityException, TagRoleCommand,
} from '@aws-sdk/client-iam';
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import type { FakeAws } from './fake-aws.js';

const meta = (status: number) => ({ httpStatusCode: status, attempts: 1, totalRetryDelay: 0 });

export interface LifecycleFake {
  failNext(command: string, ...errors: Error[]): void;
  failAfter(command: string, ...errors: Error[]): void;
}

export function installLifecycleCommands(fake: FakeAws, o: { redis: Redis; ns: string; platform: PlatformConfig }): LifecycleFake {
  const { redis, ns, platform: p } = o;
  const k = (...parts: string[]) => [ns, ...parts].join(':');
  const log = (entry: string) => redis.rpush(k('calls'), entry);
  const before = new Map<string, Error[]>();
  const after = new Map<string, Error[]>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const on = (stub: any, command: { name: string }, fn: (input: any) => Promise<unknown>) =>
    stub.on(command).callsFake(async (input: unknown) => {
      const name = command.name.replace(/Command$/, '');
      const fault = before.get(name)?.shift();
      if (fault) throw fault;
      const answer = await fn(input);
      const late = after.get(name)?.shift();
      if (late) throw late;
      return answer;
    });
  const noUser = (name: string) => new ResourceNotFoundException({ message: `Unknown user ${name}`, Message: `Unknown user ${name}`, $metadata: meta(400), Resource: name, ResourceType: 'User' });
  const noRole = (name: string) => new NoSuchEntityException({ message: `The role with name ${name} cannot be found.`, $metadata: meta(404) });
  const policyNames = async (role: string) => (await redis.keys(`${k('rolepolicy', role)}:*`)).map((key) => key.slice(key.lastIndexOf(':') + 1)).sort();
  const userKeys = async () => (await redis.keys(`${k('user')}:*`)).sort();

  on(fake.transfer, DeleteUserCommand, async (input: { UserName: string }) => {
    if (!(await redis.get(k('user', input.UserName)))) throw noUser(input.UserName);
    await log(`DeleteUser ${input.UserName}`);
    await redis.del(k('user', input.UserName));
    return {};
  });
  on(fake.transfer, UpdateUserCommand, async (input: Record<string, unknown> & { UserName: string }) => {
    const raw = await redis.get(k('user', input.UserName));
    if (!raw) throw noUser(input.UserName);
    await log(`UpdateUser ${input.UserName}`);
    const { ServerId: _server, ...rest } = input;
    await redis.set(k('user', input.UserName), JSON.stringify({ ...JSON.parse(raw), ...rest }));
    return { ServerId: p.transferServerId, UserName: input.UserName };
  });
  on(fake.transfer, ListUsersCommand, async () => {
    const users = [];
    for (const key of await userKeys()) {
      const u = JSON.parse((await redis.get(key))!) as { UserName: string; Arn: string };
      users.push({ UserName: u.UserName, Arn: u.Arn });
    }
    return { ServerId: p.transferServerId, Users: users };
  });
  on(fake.transfer, ListTagsForResourceCommand, async (input: { Arn: string }) => {
    const name = input.Arn.slice(input.Arn.lastIndexOf('/') + 1);
    const raw = await redis.get(k('user', name));
    if (!raw) throw noUser(name);
    return { Arn: input.Arn, Tags: (JSON.parse(raw) as { Tags?: unknown[] }).Tags ?? [] };
  });

  on(fake.iam, DeleteRolePolicyCommand, async (input: { RoleName: string; PolicyName: string }) => {
    if (!(await redis.del(k('rolepolicy', input.RoleName, input.PolicyName)))) {
      throw new NoSuchEntityException({ message: `The role policy with name ${input.PolicyName} cannot be found.`, $metadata: meta(404) });
    }
    await log(`DeleteRolePolicy ${input.RoleName} ${input.PolicyName}`);
    return {};
  });
  on(fake.iam, DetachRolePolicyCommand, async (input: { RoleName: string; PolicyArn: string }) => {
    if (!(await redis.get(k('role', input.RoleName)))) throw noRole(input.RoleName);
    if (!(await redis.hdel(k('attached', input.RoleName), input.PolicyArn))) {
      throw new NoSuchEntityException({ message: `Policy ${input.PolicyArn} was not found.`, $metadata: meta(404) });
    }
    await log(`DetachRolePolicy ${input.RoleName} ${input.PolicyArn}`);
    return {};
  });
  on(fake.iam, DeleteRoleCommand, async (input: { RoleName: string }) => {
    if (!(await redis.get(k('role', input.RoleName)))) throw noRole(input.RoleName);
    if ((await policyNames(input.RoleName)).length > 0) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must delete policies first.', $metadata: meta(409) });
    }
    if (Object.keys(await fake.attachedPolicies(input.RoleName)).length > 0) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must detach all policies first.', $metadata: meta(409) });
    }
    await log(`DeleteRole ${input.RoleName}`);
    await redis.del(k('role', input.RoleName));
    return {};
  });
  on(fake.iam, ListRolesCommand, async (input: { PathPrefix?: string }) => {
    const roles = [];
    for (const key of (await redis.keys(`${k('role')}:*`)).sort()) {
      const r = JSON.parse((await redis.get(key))!) as { RoleName: string; Arn: string; Path: string };
      if (!input.PathPrefix || r.Path.startsWith(input.PathPrefix)) roles.push({ RoleName: r.RoleName, Arn: r.Arn, Path: r.Path, RoleId: r.RoleName, CreateDate: new Date() });
    }
    return { Roles: roles, IsTruncated: false };
  });
  on(fake.iam, ListRoleTagsCommand, async (input: { RoleName: string }) => {
    const raw = await redis.get(k('role', input.RoleName));
    if (!raw) throw noRole(input.RoleName);
    return { Tags: (JSON.parse(raw) as { Tags: unknown[] }).Tags, IsTruncated: false };
  });

  on(fake.iam, TagRoleCommand, async (input: { RoleName: string; Tags: { Key: string; Value: string }[] }) => {
    const raw = await redis.get(k('role', input.RoleName));
    if (!raw) throw noRole(input.RoleName);
    await log(`TagRole ${input.RoleName} ${input.Tags.map((t) => `${t.Key}=${t.Value}`).join(' ')}`);
    const role = JSON.parse(raw) as { Tags: { Key: string; Value: string }[] };
    const tags = new Map(role.Tags.map((t) => [t.Key, t.Value]));
    for (const t of input.Tags) tags.set(t.Key, t.Value);
    await redis.set(k('role', input.RoleName), JSON.stringify({ ...role, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) }));
    return {};
  });

  return {
    failNext: (command, ...errors) => void before.set(command, [...(before.get(command) ?? []), ...errors]),
    failAfter: (command, ...errors) => void after.set(command, [...(after.get(command) ?? []), ...errors]),
  };
}
