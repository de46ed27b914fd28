/**
 * AWS IAM adapter: one command per function, client first, SDK exceptions as AwsError. Policy
 * documents go in as objects and come back parsed (IAM answers them URL-encoded).
 */
import {
  CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { call, hasCode } from './aws-error.js';
import type { PolicyDocument as RenderedDocument } from './policies/types.js';

/** A document as IAM answers it (parsed JSON). */
export type PolicyDocument = Record<string, unknown>;
/** What a write sends: a rendered document, or one read back. */
export type WritableDocument = PolicyDocument | RenderedDocument;

export interface RoleState {
  roleName: string;
  arn: string;
  path: string;
  permissionsBoundaryArn: string | undefined;
  trustPolicy: PolicyDocument | undefined;
  tags: Record<string, string>;
  createdAt: Date | undefined;
}

export interface CreateRoleInput {
  roleName: string;
  path: string;
  trustPolicy: PolicyDocument;
  permissionsBoundary: string;
  tags: Record<string, string>;
  description?: string;
}

/** IAM answers documents URL-encoded (RFC 3986); parse them back to objects. */
export function decodePolicyDocument(raw: string | undefined): PolicyDocument | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  return JSON.parse(text) as PolicyDocument;
}

/** The role, or null when there is none of that name. */
export async function getRole(client: IAMClient, roleName: string): Promise<RoleState | null> {
  try {
    const out = await call('iam', 'GetRole', () => client.send(new GetRoleCommand({ RoleName: roleName })));
    const role = out.Role;
    if (!role) return null;
    return {
      roleName: role.RoleName ?? roleName,
      arn: role.Arn ?? '',
      path: role.Path ?? '/',
      permissionsBoundaryArn: role.PermissionsBoundary?.PermissionsBoundaryArn,
      trustPolicy: decodePolicyDocument(role.AssumeRolePolicyDocument),
      tags: Object.fromEntries((role.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      createdAt: role.CreateDate,
    };
  } catch (err) {
    if (hasCode(err, 'NoSuchEntityException', 'NoSuchEntity')) return null;
    throw err;
  }
}

/** Creates a role with its path, permissions boundary and tags in the one call; answers its ARN. */
export async function createRole(client: IAMClient, input: CreateRoleInput): Promise<string> {
  const out = await call('iam', 'CreateRole', () =>
    client.send(
      new CreateRoleCommand({
        RoleName: input.roleName,
        Path: input.path,
        AssumeRolePolicyDocument: JSON.stringify(input.trustPolicy),
        PermissionsBoundary: input.permissionsBoundary,
        Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
        ...(input.description ? { Description: input.description } : {}),
      }),
    ),
  );
  return out.Role?.Arn ?? '';
}

/** Writes (creates or replaces) an inline policy of a role. */
export async function putRolePolicy(client: IAMClient, input: { roleName: string; policyName: string; document: WritableDocument }): Promise<void> {
  await call('iam', 'PutRolePolicy', () =>
    client.send(new PutRolePolicyCommand({ RoleName: input.roleName, PolicyName: input.policyName, PolicyDocument: JSON.stringify(input.document) })),
  );
}

/** An inline policy of a role, parsed; null when the role or the policy is not there. */
export async function getRolePolicy(client: IAMClient, input: { roleName: string; policyName: string }): Promise<PolicyDocument | null> {
  try {
    const out = await call('iam', 'GetRolePolicy', () =>
      client.send(new GetRolePolicyCommand({ RoleName: input.roleName, PolicyName: input.policyName })),
    );
    return decodePolicyDocument(out.PolicyDocument) ?? null;
  } catch (err) {
    if (hasCode(err, 'NoSuchEntityException', 'NoSuchEntity')) return null;
    throw err;
  }
}

/** Replaces a role's trust policy. */
export async function updateAssumeRolePolicy(client: IAMClient, input: { roleName: string; document: WritableDocument }): Promise<void> {
  await call('iam', 'UpdateAssumeRolePolicy', () =>
    client.send(new UpdateAssumeRolePolicyCommand({ RoleName: input.roleName, PolicyDocument: JSON.stringify(input.document) })),
  );
}
