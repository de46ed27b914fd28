/**
 * Drift: what AWS holds for a partner (Transfer user, its keys, the partner role, its trust and
 * inline policies) against what the renderer and the registry say should be there. `findDrift`
 * only reads, and answers each difference as an item (src/domain/drift.ts) with the documents that
 * differ, as AWS has them and as re-apply would write them; `repairDrift` writes what is missing or
 * different, with the same calls provisioning uses (and TagRole for a role's partner tag), and
 * reports what it cannot fix (a role's path or boundary: the bot may not change those).
 */
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { hasCode } from '../../aws/aws-error.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import type { DescribedUser } from '../../aws/transfer.js';
import { PARTNER_TAG_KEY, renderPartner, toCreateUserRequest, type RenderedPartner, type TransferUserInput } from '../../aws/policies/index.js';
import { specOf } from '../../actions/onboarding/index.js';
import type { Drift, DriftDocument, DriftItem, DriftState, DriftSubject } from '../../domain/drift.js';
import { fingerprintOf } from '../../domain/key-ages.js';
import type { PartnerRecord } from '../../domain/partner.js';
import {
  keyDifferences, keyIdentity, parsePolicy, partnerTagDifference, roleFixedDifferences, sameDocument, transferUserDifferences,
} from '../onboarding/index.js';
import { wantsTransferUser } from '../../domain/access.js';

export type { Drift } from '../../domain/drift.js';

export function intendedFor(platform: PlatformConfig, p: PartnerRecord): RenderedPartner {
  return renderPartner(platform, specOf(p));
}

/** The parts of a Transfer user the drift check compares: its role, home and session policy. */
const intendedUser = (u: TransferUserInput) => ({ Role: u.Role, HomeDirectoryType: u.HomeDirectoryType, HomeDirectoryMappings: u.HomeDirectoryMappings, Policy: u.Policy });
const actualUser = (u: DescribedUser) => ({
  Role: u.Role ?? null, HomeDirectoryType: u.HomeDirectoryType ?? null,
  HomeDirectoryMappings: (u.HomeDirectoryMappings ?? []).map((m) => ({ Entry: m.Entry, Target: m.Target, ...(m.Type && m.Type !== 'DIRECTORY' ? { Type: m.Type } : {}) })),
  ...(u.HomeDirectory ? { HomeDirectory: u.HomeDirectory } : {}),
  Policy: parsePolicy(u.Policy) ?? null,
});

export async function findDrift(cp: LifecyclePlane, platform: PlatformConfig, p: PartnerRecord): Promise<Drift> {
  const rendered = intendedFor(platform, p);
  const items: DriftItem[] = [];
  const documents: DriftDocument[] = [];
  const unfixable: string[] = [];
  const item = (subject: DriftSubject, state: DriftState, line: string) => items.push({ subject, state, line });
  const user = await cp.describeUser(p.partnerId);
  if (wantsTransferUser(p)) {
    const name = `Transfer user ${p.partnerId}`;
    if (!user) {
      item('transfer-user', 'missing', `Transfer user ${p.partnerId} is missing`);
      documents.push({ name, actual: null, intended: intendedUser(rendered.transferUser) });
    } else {
      const differences = transferUserDifferences(user, rendered.transferUser);
      for (const d of differences) item('transfer-user', 'differs', `Transfer user: ${d}`);
      if (differences.length > 0) documents.push({ name, actual: actualUser(user), intended: intendedUser(rendered.transferUser) });
      const keys = keyDifferences(user, p.sshKeys);
      for (const k of keys.missing) item('ssh-key', 'missing', `Transfer user: SSH key ${fingerprintOf(keyIdentity(k)) ?? 'unparseable'} is missing`);
      for (const k of keys.extra) item('ssh-key', 'extra', `Transfer user: SSH key ${fingerprintOf(k) ?? 'unparseable'} is not in the registry`);
    }
  } else if (user) {
    item('transfer-user', 'extra', `Transfer user ${p.partnerId} exists but the partner has no SSH keys`);
  }
  const intended = rendered.partnerRole;
  const role = await cp.getRole(intended?.roleName ?? `partnergate-partner-${p.partnerId}`);
  if (intended) {
    const trustName = `IAM role ${intended.roleName}: trust policy`;
    const policyName = (name: string) => `IAM role ${intended.roleName}: inline policy ${name}`;
    if (!role) {
      item('role', 'missing', `IAM role ${intended.roleName} is missing`);
      documents.push({ name: trustName, actual: null, intended: intended.trustPolicy });
      for (const policy of intended.policies) documents.push({ name: policyName(policy.name), actual: null, intended: policy.document });
    } else {
      for (const d of roleFixedDifferences(role, intended)) {
        item('role', 'differs', `IAM role: ${d}`);
        unfixable.push(`IAM role: ${d}`);
      }
      // The second layer reads the partner tag: another partner's id there, or none, is drift too.
      const tag = partnerTagDifference(role, intended);
      if (tag) {
        item('role', 'differs', `IAM role: ${tag}`);
        documents.push({
          name: `IAM role ${intended.roleName}: tag ${PARTNER_TAG_KEY}`,
          actual: { [PARTNER_TAG_KEY]: role.tags[PARTNER_TAG_KEY] ?? null },
          intended: { [PARTNER_TAG_KEY]: intended.tags[PARTNER_TAG_KEY] },
        });
      }
      if (!sameDocument(role.trustPolicy, intended.trustPolicy)) {
        item('trust-policy', 'differs', 'IAM role: trust policy differs');
        documents.push({ name: trustName, actual: role.trustPolicy ?? null, intended: intended.trustPolicy });
      }
      const names = await cp.listRolePolicies(intended.roleName);
      for (const policy of intended.policies) {
        const deployed = names.includes(policy.name) ? await cp.getRolePolicy({ roleName: intended.roleName, policyName: policy.name }) : null;
        if (!deployed) item('inline-policy', 'missing', `IAM role: inline policy ${policy.name} is missing`);
        else if (!sameDocument(deployed, policy.document)) item('inline-policy', 'differs', `IAM role: inline policy ${policy.name} differs`);
        else continue;
        documents.push({ name: policyName(policy.name), actual: deployed ?? null, intended: policy.document });
      }
      for (const extra of names.filter((n) => !intended.policies.some((x) => x.name === n))) {
        item('inline-policy', 'extra', `IAM role: inline policy ${extra} is not rendered`);
        documents.push({ name: policyName(extra), actual: (await cp.getRolePolicy({ roleName: intended.roleName, policyName: extra })) ?? null, intended: null });
      }
      // No managed policy may be attached: the boundary and the bucket policy would still keep one
      // attached by hand (AmazonS3ReadOnlyAccess, say) from other partners' files, but the role would
      // then stand on one layer where it had two, and nothing but the rendered policy was approved.
      for (const a of await cp.listAttachedRolePolicies(intended.roleName)) {
        item('managed-policy', 'extra', `IAM role: managed policy ${a.policyArn} is attached (partner roles may have none)`);
        documents.push({ name: `IAM role ${intended.roleName}: managed policy ${a.policyArn}`, actual: { PolicyArn: a.policyArn }, intended: null });
      }
    }
  } else if (role) {
    item('role', 'extra', `IAM role ${role.roleName} exists but the partner has no AWS account`);
  }
  return { partnerId: p.partnerId, items: items.sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0)), documents, unfixable };
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
    if (role && partnerTagDifference(role, intended)) {
      await cp.tagRole(intended.roleName, { [PARTNER_TAG_KEY]: intended.tags[PARTNER_TAG_KEY]! });
      done.push(`put back the tag ${PARTNER_TAG_KEY}=${p.partnerId}`);
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
    for (const a of role ? await cp.listAttachedRolePolicies(intended.roleName) : []) {
      if (await cp.detachRolePolicy({ roleName: intended.roleName, policyArn: a.policyArn })) done.push(`detached managed policy ${a.policyArn}`);
    }
  }
  return done;
}
