/**
 * The plan of an onboarding request: every resource provisioning will create or change, rendered
 * from the same documents provisioning applies, and a hash of those documents. The hash is stored
 * with the request at submission and checked again before provisioning touches AWS.
 */
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { createHash } from 'node:crypto';
import type { Plan, PlanItem } from '../../domain/plan.js';
import { wantsTransferUser } from '../../domain/access.js';
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

function statementLines(doc: unknown): string[] {
  const statements = (doc as { Statement?: { Sid?: string; Effect?: string; Action?: string | string[]; Resource?: string | string[] }[] }).Statement ?? [];
  return statements.map((s) => {
    const actions = ([] as string[]).concat(s.Action ?? []).join(', ');
    const resources = ([] as string[]).concat(s.Resource ?? []).join(', ');
    return `${s.Sid ?? 'statement'}: ${s.Effect} ${actions} on ${resources}`;
  });
}

/** Every key the approval binds, by type, fingerprint and comment; the key material is not shown. */
function sshKeyLines(input: PlanInput): string[] {
  if (input.sshKeys.length === 0) return ['SSH keys: none'];
  return [
    `SSH keys (${input.sshKeys.length}): type, SHA256 fingerprint (as \`ssh-keygen -l\` prints it), comment as pasted:`,
    ...input.sshKeys.map((k) => `  ${sshKeyLine(k, input.sshKeyComments?.[k] ?? '')}`),
  ];
}

export function planItems(platform: PlatformConfig, rendered: RenderedPartner, input: PlanInput): PlanItem[] {
  const user = rendered.transferUser;
  const items: PlanItem[] = [];
  if (wantsTransferUser(input)) {
    items.push({
      action: 'create',
      resource: `Transfer user \`${user.UserName}\` on server \`${platform.transferServerId}\``,
      details: [
        `home: LOGICAL, \`/\` → \`/${platform.bucket}/${rendered.homePrefix.replace(/\/$/, '')}\``,
        `role: \`${user.Role}\` with a session policy written out for this partner (${JSON.stringify(user.Policy).length} of 2,048 characters):`,
        ...statementLines(user.Policy).map((l) => `  ${l}`),
        ...sshKeyLines(input),
      ],
    });
  }
  if (rendered.partnerRole) {
    const role = rendered.partnerRole;
    items.push({
      action: 'create',
      resource: `IAM role \`${role.roleName}\` (path \`${role.path}\`)`,
      details: [
        `permissions boundary: \`${role.permissionsBoundary}\``,
        `trust: account \`${input.accountId}\` (sts:AssumeRole only, ExternalId required; the ExternalId is in the welcome text), and the verifier role`,
        ...role.policies.flatMap((p) => [`inline policy ${p.name}:`, ...statementLines(p.document).map((l) => `  ${l}`)]),
      ],
    });
  }
  items.push(
    { action: 'ensure', resource: `home marker \`s3://${platform.bucket}/${rendered.homePrefix}\``, details: ['encrypted with the platform key'] },
    {
      action: 'ensure',
      resource: 'partner record in the registry',
      details: [`feeds: ${input.feeds.length ? input.feeds.join(', ') : 'none'}`, 'then verification: offline checks, live probes, then LIVE'],
    },
  );
  return items;
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
    return { hash: planHashOf(rendered, input), items: planItems(platform, rendered, input) };
  };
}
