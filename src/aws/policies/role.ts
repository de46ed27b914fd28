/** A platform role as the renderer returns it, with its documents checked against IAM's limits. */
import { checkPolicySize, POLICY_SIZE_LIMITS } from './limits.js';
import { roleNameOf } from './names.js';
import type { NamedPolicy, PolicyDocument, RenderedRole } from './types.js';

export function platformRole(
  label: string,
  arn: string,
  trustPolicy: PolicyDocument,
  policyName: string,
  permissions: PolicyDocument,
): RenderedRole {
  checkPolicySize(`the trust policy of the ${label}`, trustPolicy, POLICY_SIZE_LIMITS.trustPolicy);
  checkPolicySize(`the inline policies of the ${label}`, permissions, POLICY_SIZE_LIMITS.roleInlinePolicies);
  return { roleName: roleNameOf(arn), arn, trustPolicy, policies: [{ name: policyName, document: permissions }] };
}

/** Every identity policy of a role: its inline policies and the documents of its attached managed policies. */
export function identityPolicies(role: RenderedRole): NamedPolicy[] {
  return [...role.policies, ...(role.managedPolicies ?? []).flatMap((m) => m.policies)];
}
