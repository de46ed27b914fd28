/**
 * IAM role operations of the partner lifecycle (offboarding, reconcile, rebuild): one command per
 * function, client first, SDK exceptions as AwsError. "Not there" answers false / [] / {}.
 */
import {
  DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand,
  ListRolesCommand, ListRoleTagsCommand, TagRoleCommand, type IAMClient,
} from '@aws-sdk/client-iam';
import { call, hasCode } from './aws-error.js';

const absent = (err: unknown) => hasCode(err, 'NoSuchEntityException', 'NoSuchEntity');

/** Every page of a listing (IAM's Marker / IsTruncated); `orAbsent` answers when the role is not there. */
async function allPages<T>(
  operation: string,
  page: (marker: string | undefined) => Promise<{ items: T[]; IsTruncated?: boolean | undefined; Marker?: string | undefined }>,
  orAbsent?: T[],
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  try {
    do {
      const out = await call('iam', operation, () => page(marker));
      items.push(...out.items);
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
  } catch (err) {
    if (orAbsent && absent(err)) return orAbsent;
    throw err;
  }
  return items;
}

/** A removal: true when done, false when it (or the role) was not there. */
async function removal(operation: string, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await call('iam', operation, send);
    return true;
  } catch (err) {
    if (absent(err)) return false;
    throw err;
  }
}

const from = (marker: string | undefined) => (marker ? { Marker: marker } : {});

/** Names of a role's inline policies; [] when the role is not there. */
export function listRolePolicies(client: IAMClient, roleName: string): Promise<string[]> {
  return allPages('ListRolePolicies', async (marker) => {
    const out = await client.send(new ListRolePoliciesCommand({ RoleName: roleName, ...from(marker) }));
    return { ...out, items: out.PolicyNames ?? [] };
  }, []);
}

export interface AttachedPolicy {
  policyArn: string;
  policyName: string;
}

/** The managed policies attached to a role; [] when the role is not there. */
export function listAttachedRolePolicies(client: IAMClient, roleName: string): Promise<AttachedPolicy[]> {
  return allPages('ListAttachedRolePolicies', async (marker) => {
    const out = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, ...from(marker) }));
    const items = (out.AttachedPolicies ?? []).flatMap((a) => (a.PolicyArn ? [{ policyArn: a.PolicyArn, policyName: a.PolicyName ?? a.PolicyArn }] : []));
    return { ...out, items };
  }, []);
}

/** Detaches a managed policy from a role; false when it was not attached (or the role is not there). */
export function detachRolePolicy(client: IAMClient, input: { roleName: string; policyArn: string }): Promise<boolean> {
  return removal('DetachRolePolicy', () => client.send(new DetachRolePolicyCommand({ RoleName: input.roleName, PolicyArn: input.policyArn })));
}

/** Deletes an inline policy; false when it (or the role) was not there. */
export function deleteRolePolicy(client: IAMClient, input: { roleName: string; policyName: string }): Promise<boolean> {
  return removal('DeleteRolePolicy', () => client.send(new DeleteRolePolicyCommand({ RoleName: input.roleName, PolicyName: input.policyName })));
}

/** Deletes a role (its inline and attached policies must be gone); false when it was not there. */
export function deleteRole(client: IAMClient, roleName: string): Promise<boolean> {
  return removal('DeleteRole', () => client.send(new DeleteRoleCommand({ RoleName: roleName })));
}

export interface RoleSummary {
  roleName: string;
  arn: string;
  path: string;
}

/** Every role under an IAM path (ListRoles with PathPrefix). */
export function listRolesUnder(client: IAMClient, pathPrefix: string): Promise<RoleSummary[]> {
  return allPages('ListRoles', async (marker) => {
    const out = await client.send(new ListRolesCommand({ PathPrefix: pathPrefix, ...from(marker) }));
    const items = (out.Roles ?? []).flatMap((r) => (r.RoleName ? [{ roleName: r.RoleName, arn: r.Arn ?? '', path: r.Path ?? '/' }] : []));
    return { ...out, items };
  });
}

/** A role's tags; {} when the role is not there. */
export async function listRoleTags(client: IAMClient, roleName: string): Promise<Record<string, string>> {
  const tags = await allPages('ListRoleTags', async (marker) => {
    const out = await client.send(new ListRoleTagsCommand({ RoleName: roleName, ...from(marker) }));
    return { ...out, items: out.Tags ?? [] };
  }, []);
  return Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

/** Adds or overwrites tags of a role (TagRole replaces the value of a key it names). */
export async function tagRole(client: IAMClient, roleName: string, tags: Record<string, string>): Promise<void> {
  await call('iam', 'TagRole', () => client.send(new TagRoleCommand({ RoleName: roleName, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })));
}
