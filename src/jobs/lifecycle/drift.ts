/**
 * Drift: what AWS holds for a partner (Transfer user, its keys, the partner role, its trust and
 * inline policies) against what the renderer and the registry say should be there. `findDrift`
 * only reads; `repairDrift` writes what is missing or different, with the same calls provisioning
 * uses, and reports what it cannot fix (a role's path or boundary: the bot may not change those).
 */
import { createHash } from 'node:crypto';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { hasCode } from '../../aws/aws-error.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { renderPartner, toCreateUserRequest, type RenderedPartner } from '../../aws/policies/index.js';
import { specOf } from '../../actions/onboarding/index.js';
import { fingerprintOf } from '../../domain/key-ages.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { keyDifferences, keyIdentity, roleFixedDifferences, sameDocument, transferUserDifferences } from '../onboarding/index.js';
import { wantsTransferUser } from '../../domain/access.js';

export interface Drift {
  partnerId: string;
  /** One line per difference, sorted: the report and the hash. */
  items: string[];
  /** Differences the bot may not repair (role path, permissions boundary). */
  unfixable: string[];
}

export function driftHash(items: string[]): string {
  return createHash('sha256').update(items.join('\n')).digest('hex');
}

export function intendedFor(platform: PlatformConfig, p: PartnerRecord): RenderedPartner {
  return renderPartner(platform, specOf(p));
}

export async function findDrift(cp: LifecyclePlane, platform: PlatformConfig, p: PartnerRecord): Promise<Drift> {
  const rendered = intendedFor(platform, p);
  const items: string[] = [];
  const unfixable: string[] = [];
  const user = await cp.describeUser(p.partnerId);
  if (wantsTransferUser(p)) {
    if (!user) items.push(`Transfer user ${p.partnerId} is missing`);
    else {
      for (const d of transferUserDifferences(user, rendered.transferUser)) items.push(`Transfer user: ${d}`);
      const keys = keyDifferences(user, p.sshKeys);
      for (const k of keys.missing) items.push(`Transfer user: SSH key ${fingerprintOf(keyIdentity(k)) ?? 'unparseable'} is missing`);
      for (const k of keys.extra) items.push(`Transfer user: SSH key ${fingerprintOf(k) ?? 'unparseable'} is not in the registry`);
    }
  } else if (user) {
    items.push(`Transfer user ${p.partnerId} exists but the partner has no SSH keys`);
  }
  const intended = rendered.partnerRole;
  const role = await cp.getRole(intended?.roleName ?? `partnergate-partner-${p.partnerId}`);
  if (intended) {
    if (!role) items.push(`IAM role ${intended.roleName} is missing`);
    else {
      for (const d of roleFixedDifferences(role, intended)) {
        items.push(`IAM role: ${d}`);
        unfixable.push(`IAM role: ${d}`);
      }
      if (!sameDocument(role.trustPolicy, intended.trustPolicy)) items.push('IAM role: trust policy differs');
      const names = await cp.listRolePolicies(intended.roleName);
      for (const policy of intended.policies) {
        const deployed = names.includes(policy.name) ? await cp.getRolePolicy({ roleName: intended.roleName, policyName: policy.name }) : null;
        if (!deployed) items.push(`IAM role: inline policy ${policy.name} is missing`);
        else if (!sameDocument(deployed, policy.document)) items.push(`IAM role: inline policy ${policy.name} differs`);
      }
      for (const extra of names.filter((n) => !intended.policies.some((x) => x.name === n))) items.push(`IAM role: inline policy ${extra} is not rendered`);
    }
  } else if (role) {
    items.push(`IAM role ${role.roleName} exists but the partner has no AWS account`);
  }
  return { partnerId: p.partnerId, items: items.sort(), unfixable };
}

/** Writes what `findDrift` found missing or different; answers what was done. */
export async function repairDrift(cp: LifecyclePlane, platform: PlatformConfig, p: PartnerRecord): Promise<string[]> {
  const rendered = intendedFor(platform, p);
  const done: string[] = [];
  if (wantsTransferUser(p)) {
    let user = await cp.describeUser(p.partnerId);
    if (!user) {
      await cp.createUser({ ...toCreateUserRequest(rendered.transferUser), ...(p.sshKeys[0] ? { SshPublicKeyBody: p.sshKeys[0] } : {}) });
      done.push(`created Transfer user ${p.partnerId}`);
      user = await cp.describeUser(p.partnerId);
    } else if (transferUserDifferences(user, rendered.transferUser).length > 0) {
      const u = rendered.transferUser;
      await cp.updateUser({ UserName: u.UserName, Role: u.Role, HomeDirectoryType: u.HomeDirectoryType, HomeDirectoryMappings: u.HomeDirectoryMappings, Policy: JSON.stringify(u.Policy) });
      done.push(`updated Transfer user ${p.partnerId} (role, home, session policy)`);
    }
    if (user) {
      const keys = keyDifferences(user, p.sshKeys);
      for (const k of keys.missing) {
        try {
          await cp.importSshPublicKey(p.partnerId, k);
          done.push(`imported SSH key ${fingerprintOf(keyIdentity(k))}`);
        } catch (err) {
          if (!hasCode(err, 'ResourceExistsException')) throw err;
        }
      }
      for (const k of (user.SshPublicKeys ?? []).filter((x) => keys.extra.includes(keyIdentity(x.SshPublicKeyBody)))) {
        if (k.SshPublicKeyId && (await cp.deleteSshPublicKey(p.partnerId, k.SshPublicKeyId))) done.push(`deleted SSH key ${fingerprintOf(keyIdentity(k.SshPublicKeyBody))}`);
      }
    }
  }
  const intended = rendered.partnerRole;
  if (intended) {
    const role = await cp.getRole(intended.roleName);
    if (!role) {
      await cp.createRole({
        roleName: intended.roleName, path: intended.path, trustPolicy: intended.trustPolicy as unknown as Record<string, unknown>,
        permissionsBoundary: intended.permissionsBoundary, tags: { ...intended.tags, 'partnergate:request-id': p.requestId },
        description: `partnergate: read-only access of partner ${p.partnerId} to its own prefix`,
      });
      done.push(`created IAM role ${intended.roleName}`);
    } else if (!sameDocument(role.trustPolicy, intended.trustPolicy)) {
      await cp.updateAssumeRolePolicy({ roleName: intended.roleName, document: intended.trustPolicy as unknown as Record<string, unknown> });
      done.push('rewrote the trust policy');
    }
    const names = role ? await cp.listRolePolicies(intended.roleName) : [];
    for (const policy of intended.policies) {
      const deployed = names.includes(policy.name) ? await cp.getRolePolicy({ roleName: intended.roleName, policyName: policy.name }) : null;
      if (!sameDocument(deployed, policy.document)) {
        await cp.putRolePolicy({ roleName: intended.roleName, policyName: policy.name, document: policy.document as unknown as Record<string, unknown> });
        done.push(`wrote inline policy ${policy.name}`);
      }
    }
    for (const extra of names.filter((n) => !intended.policies.some((x) => x.name === n))) {
      if (await cp.deleteRolePolicy({ roleName: intended.roleName, policyName: extra })) done.push(`deleted inline policy ${extra}`);
    }
  }
  return done;
}
