/**
 * IAM role operations of the partner lifecycle (offboarding, reconcile, rebuild): one command per
 * function, client first, SDK exceptions as AwsError. "Not there" answers false / [] / null.
 */
import {
  DeleteRoleCommand, DeleteRolePolicyCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { call, hasCode } from './aws-error.js';

const absent = (err: unknown) => hasCode(err, 'NoSuchEntityException', 'NoSuchEntity');

/** Names of a role's inline policies (every page); [] when the role is not there. */
export async function listRolePolicies(client: IAMClient, roleName: string): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  try {
    do {
      const out = await call('iam', 'ListRolePolicies', () =>
        client.send(new ListRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) })),
      );
      names.push(...(out.PolicyNames ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
  } catch (err) {
    if (absent(err)) return [];
    throw err;
  }
  return names;
}

/** Deletes an inline policy; false when it (or the role) was not there. */
export async function deleteRolePolicy(client: IAMClient, input: { roleName: string; policyName: string }): Promise<boolean> {
  try {
    await call('iam', 'DeleteRolePolicy', () => client.send(new DeleteRolePolicyCommand({ RoleName: input.roleName, PolicyName: input.policyName })));
    return true;
  } catch (err) {
    if (absent(err)) return false;
    throw err;
  }
}

/** Deletes a role (its inline policies must be gone); false when it was not there. */
export async function deleteRole(client: IAMClient, roleName: string): Promise<boolean> {
  try {
    await call('iam', 'DeleteRole', () => client.send(new DeleteRoleCommand({ RoleName: roleName })));
    return true;
  } catch (err) {
    if (absent(err)) return false;
    throw err;
  }
}

export interface RoleSummary {
  roleName: string;
  arn: string;
  path: string;
}

/** Every role under an IAM path (ListRoles with PathPrefix, every page). */
export async function listRolesUnder(client: IAMClient, pathPrefix: string): Promise<RoleSummary[]> {
  const roles: RoleSummary[] = [];
  let marker: string | undefined;
  do {
    const out = await call('iam', 'ListRoles', () =>
      client.send(new ListRolesCommand({ PathPrefix: pathPrefix, ...(marker ? { Marker: marker } : {}) })),
    );
    for (const r of out.Roles ?? []) if (r.RoleName) roles.push({ roleName: r.RoleName, arn: r.Arn ?? '', path: r.Path ?? '/' });
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  return roles;
}

/** A role's tags (every page); {} when the role is not there. */
export async function listRoleTags(client: IAMClient, roleName: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  try {
    do {
      const out = await call('iam', 'ListRoleTags', () =>
        client.send(new ListRoleTagsCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) })),
      );
      for (const t of out.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
  } catch (err) {
    if (absent(err)) return {};
    throw err;
  }
  return tags;
}
