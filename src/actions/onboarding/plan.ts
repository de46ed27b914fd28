/**
 * The plan of an onboarding request: every resource provisioning will create or change, rendered
 * from the same documents provisioning applies, and a hash of those documents. The hash is stored
 * with the request at submission and checked again before provisioning touches AWS.
 */
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { createHash } from 'node:crypto';
import type { Plan, PlanDocument, PlanItem } from '../../domain/plan.js';
import { wantsTransferUser } from '../../domain/access.js';
import { summarizeAccess, type AccessDocuments } from '../../domain/access-summary.js';
import { canonicalJson, renderPartner, type PartnerSpec, type RenderedPartner } from '../../aws/policies/index.js';
import { sshKeyLine } from '../../bot/messages/ssh-key-line.js';

/** The request fields the plan depends on. */
export interface PlanInput {
  partnerId: string;
  accountId: string | null;
  externalId: string;
  sshKeys: string[];
  /** Comments of the keys as pasted (normalized key → comment): shown to the approver, not hashed. */
  sshKeyComments?: Record<string, string> | undefined;
  feeds: string[];
}

export type PlanRenderer = (input: PlanInput) => Plan;

export function specOf(input: PlanInput): PartnerSpec {
  return {
    partnerId: input.partnerId,
    ...(input.accountId ? { accountId: input.accountId } : {}),
    externalId: input.externalId,
    sshKeys: input.sshKeys,
    feeds: input.feeds,
  };
}

/** Every key the approval binds, by type, fingerprint and comment; the key material is not shown. */
function sshKeyLines(input: PlanInput): string[] {
  if (input.sshKeys.length === 0) return ['SSH keys: none'];
  return [
    `SSH keys (${input.sshKeys.length}): type, SHA256 fingerprint (as \`ssh-keygen -l\` prints it), comment as pasted:`,
    ...input.sshKeys.map((k) => String(sshKeyLine(k, input.sshKeyComments?.[k] ?? ''))),
  ];
}

export function planItems(platform: PlatformConfig, rendered: RenderedPartner, input: PlanInput): PlanItem[] {
  const user = rendered.transferUser;
  const items: PlanItem[] = [];
  if (wantsTransferUser(input)) {
    items.push({
      action: 'create',
      resource: `SFTP user \`${user.UserName}\` on the Transfer server \`${platform.transferServerId}\``,
      details: [
        `runs as the shared Transfer role, narrowed by a session policy written out for this partner (in the documents)`,
        ...sshKeyLines(input),
      ],
    });
  }
  if (rendered.partnerRole) {
    const role = rendered.partnerRole;
    items.push({
      action: 'create',
      resource: `IAM role \`${role.roleName}\``,
      details: [
        `trusts account \`${input.accountId}\` with the ExternalId (which the requester receives privately), and the platform's verifier`,
        `capped by the platform's permissions boundary; its inline policy ${role.policies.map((p) => `\`${p.name}\``).join(', ')} is in the documents`,
      ],
    });
  }
  items.push(
    { action: 'ensure', resource: `home \`${rendered.homePrefix}\` in \`${platform.bucket}\``, details: ['a marker object, encrypted with the platform key'] },
    {
      action: 'ensure',
      resource: 'partner record in the registry',
      details: [`feeds: ${input.feeds.length ? input.feeds.join(', ') : 'none'}`, 'then verification: offline checks, live probes, then LIVE'],
    },
  );
  return items;
}

/** What the summary reads (src/domain/access-summary.ts): the documents that grant this partner anything. */
export function accessDocumentsOf(platform: PlatformConfig, rendered: RenderedPartner, input: PlanInput): AccessDocuments {
  const user = rendered.transferUser;
  const role = rendered.partnerRole;
  return {
    partnerId: rendered.partnerId,
    bucket: platform.bucket,
    kmsKeyArn: platform.kmsKeyArn,
    knownRoles: { [platform.verifierRoleArn]: 'the platform\'s verifier, for its probes' },
    sftp: wantsTransferUser(input)
      ? { userName: user.UserName, sshKeyCount: input.sshKeys.length, homeDirectoryType: user.HomeDirectoryType, mappings: user.HomeDirectoryMappings, sessionPolicy: user.Policy }
      : null,
    role: role ? { roleName: role.roleName, trustPolicy: role.trustPolicy, policies: role.policies } : null,
  };
}

/** Where a document shows the ExternalId, this stands in its place. */
export const EXTERNAL_ID_SHOWN_AS = '‹the ExternalId: sent to the requester privately›';

/**
 * The documents approving applies, in full, as the approver reads them behind the card's button:
 * the SFTP user (Transfer's CreateUser input) and its session policy; the partner role, its trust
 * and its inline policies. The ExternalId is replaced wherever it appears.
 */
export function planDocuments(rendered: RenderedPartner, input: PlanInput): PlanDocument[] {
  const doc = (title: string, value: unknown): PlanDocument => ({
    title, json: JSON.stringify(value, null, 2).split(input.externalId).join(EXTERNAL_ID_SHOWN_AS),
  });
  const docs: PlanDocument[] = [];
  if (wantsTransferUser(input)) {
    const { Policy, ...user } = rendered.transferUser;
    docs.push(doc(`SFTP user ${user.UserName} (Transfer CreateUser, without its session policy)`, user), doc(`Session policy of SFTP user ${user.UserName}`, Policy));
  }
  const role = rendered.partnerRole;
  if (role) {
    const { trustPolicy, policies, ...rest } = role;
    docs.push(doc(`IAM role ${role.roleName}`, rest), doc(`Trust policy of ${role.roleName}`, trustPolicy));
    for (const p of policies) docs.push(doc(`Inline policy ${p.name} of ${role.roleName}`, p.document));
  }
  return docs;
}

/**
 * The hash an approval binds to: the rendered documents, plus the SSH keys and feeds, which no
 * document carries but which the approver saw in the plan.
 */
export function planHashOf(rendered: RenderedPartner, input: Pick<PlanInput, 'sshKeys' | 'feeds'>): string {
  const bound = { documents: rendered, sshKeys: [...input.sshKeys].sort(), feeds: [...input.feeds].sort() };
  return createHash('sha256').update(canonicalJson(bound)).digest('hex');
}

export function createPlanRenderer(platform: PlatformConfig): PlanRenderer {
  return (input) => {
    const rendered = renderPartner(platform, specOf(input));
    return {
      hash: planHashOf(rendered, input),
      access: summarizeAccess(accessDocumentsOf(platform, rendered, input)),
      items: planItems(platform, rendered, input),
      documents: planDocuments(rendered, input),
    };
  };
}
