/**
 * The steps of offboarding, in order. Each reads before it writes, so a rerun after a crash at any
 * point finishes the work and does nothing twice: stop deliveries first (status `offboarded`, so
 * the delivery pipeline refuses the partner from then on), then the Transfer user (it does not depend
 * on IAM: a role the bot can no longer change must not keep the SFTP login alive), then lock the
 * partner role (a trust that lets no one assume it, and an inline Deny of everything for every
 * session it ever issued), then the role itself (its attached managed policies detached, its inline policies
 * deleted, the lock last, then DeleteRole), the home prefix (kept or archived), and the id stays
 * retired. The lock comes before any policy is removed, so a step that fails half-way leaves the
 * partner with less access than before, never more. In DRY_RUN the AWS steps are planned, not sent;
 * S3 object moves are real.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Clock } from '../../actions/ports.js';
import { ConflictError, ErrorCode, NotFoundError } from '../../domain/errors.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { PARTNER_TAG_KEY, partnerRoleName, renderLockedPartnerRole } from '../../aws/policies/index.js';
import { archiveHome, archivePrefixOf, countObjects } from '../../aws/s3-archive.js';
import { homePrefix } from '../../domain/partner-id.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { Run } from '../../store/runs.js';
import type { ChangeRequest } from '../../domain/requests.js';
import type { Step, StepResult } from '../platform/step-runner.js';
import { sameDocument, tagsOf } from '../onboarding/index.js';

export interface OffboardContext {
  cp: LifecyclePlane;
  s3: S3Client;
  platform: PlatformConfig;
  partners: PartnerStore;
  clock: Clock;
  /** Keeps the partner id reserved (re-reserves it if it was ever released). */
  retireId: (partnerId: string, holder: string) => Promise<'held' | 'reserved'>;
  change: ChangeRequest;
  partner: PartnerRecord;
  /** The partner's offboarding run: what a step is about to delete, and the archived count, go there. */
  run: Run;
  /** Fixed at the first try. */
  inputs: { previousStatus: string };
}

const notOurs = (what: string, partnerId: string, tags: Record<string, string>) =>
  new ConflictError(ErrorCode.ResourceNotOurs, `${what} is not tagged ${PARTNER_TAG_KEY}=${partnerId} (found ${tags[PARTNER_TAG_KEY] ?? 'no tag'}); it was left alone — resolve it by hand`);

/** A resource found gone: removed by an earlier try of this run (its intent says what), or never there. */
async function goneAlready(ctx: OffboardContext, step: string, never: string): Promise<StepResult> {
  const intent = (await ctx.run.get())?.facts[`intent:${step}`];
  return intent ? { state: 'done', detail: `${intent} (confirmed gone on resume)` } : { state: 'unchanged', detail: never };
}

async function stopDeliveries(ctx: OffboardContext): Promise<StepResult> {
  const at = ctx.clock.now().toISOString();
  const updated = (await ctx.partners.apply(ctx.partner.partnerId, 'offboarded', { updatedAt: at })) ?? (await ctx.partners.get(ctx.partner.partnerId));
  if (updated?.status !== 'offboarded') throw new NotFoundError(ErrorCode.PartnerMissing, `partner ${ctx.partner.partnerId} is not in the registry`);
  return { state: 'done', detail: `status offboarded (was ${ctx.inputs.previousStatus}); feed subscriptions removed, deliveries refused` };
}

/** DeleteUser (its SSH keys go with it); then the keys are free for another partner (src/store/partners.ts `freeKeys`). */
async function transferUser(ctx: OffboardContext): Promise<StepResult> {
  const result = await deleteTransferUser(ctx);
  await ctx.partners.freeKeys(ctx.partner.partnerId);
  return result;
}

async function deleteTransferUser(ctx: OffboardContext): Promise<StepResult> {
  const name = ctx.partner.partnerId;
  if (ctx.cp.dryRun) {
    await ctx.cp.deleteUser(name);
    return { state: 'planned', detail: `DeleteUser ${name} (dry run: not sent)` };
  }
  const user = await ctx.cp.describeUser(name);
  if (!user) return goneAlready(ctx, 'transfer-user', `no Transfer user ${name}`);
  const tags = tagsOf(user.Tags);
  if (tags[PARTNER_TAG_KEY] !== name) throw notOurs(`Transfer user ${name}`, name, tags);
  const keys = user.SshPublicKeys?.length ?? 0;
  const detail = await ctx.run.note('intent:transfer-user', `deleted Transfer user ${name} with its ${keys} SSH key${keys === 1 ? '' : 's'}`);
  await ctx.cp.deleteUser(name);
  return { state: 'done', detail };
}

async function lockRole(ctx: OffboardContext): Promise<StepResult> {
  const roleName = partnerRoleName(ctx.partner.partnerId);
  const { trustPolicy, lock } = renderLockedPartnerRole();
  const putLock = () => ctx.cp.putRolePolicy({ roleName, policyName: lock.name, document: lock.document });
  if (ctx.cp.dryRun) {
    await ctx.cp.updateAssumeRolePolicy({ roleName, document: trustPolicy });
    await putLock();
    return { state: 'planned', detail: `UpdateAssumeRolePolicy (no one) and PutRolePolicy ${lock.name} on ${roleName} (dry run: not sent)` };
  }
  const role = await ctx.cp.getRole(roleName);
  if (!role) return goneAlready(ctx, 'role', `no role ${roleName}`);
  if (role.tags[PARTNER_TAG_KEY] !== ctx.partner.partnerId) throw notOurs(`IAM role ${roleName}`, ctx.partner.partnerId, role.tags);
  const done: string[] = [];
  // The trust first: from then on no new session; then the Deny, which refuses every session already issued.
  if (!sameDocument(role.trustPolicy, trustPolicy)) {
    await ctx.cp.updateAssumeRolePolicy({ roleName, document: trustPolicy });
    done.push('trust replaced by one that lets no one assume the role');
  }
  if (!sameDocument(await ctx.cp.getRolePolicy({ roleName, policyName: lock.name }), lock.document)) {
    await putLock();
    done.push(`every session of the role denied (${lock.name})`);
  }
  return done.length > 0
    ? { state: 'done', detail: done.join('; ') }
    : { state: 'unchanged', detail: `${roleName} already trusts no one and denies every session` };
}

async function role(ctx: OffboardContext): Promise<StepResult> {
  const roleName = partnerRoleName(ctx.partner.partnerId);
  const lockName = renderLockedPartnerRole().lock.name;
  if (ctx.cp.dryRun) {
    await ctx.cp.deleteRole(roleName);
    return { state: 'planned', detail: `DetachRolePolicy and DeleteRolePolicy (each) and DeleteRole ${roleName} (dry run: not sent)` };
  }
  const found = await ctx.cp.getRole(roleName);
  if (!found) return goneAlready(ctx, 'role', `no role ${roleName}`);
  if (found.tags[PARTNER_TAG_KEY] !== ctx.partner.partnerId) throw notOurs(`IAM role ${roleName}`, ctx.partner.partnerId, found.tags);
  // Nobody added them, but whoever did: each is detached (detaching only takes access away).
  const attached = await ctx.cp.listAttachedRolePolicies(roleName);
  // The lock goes last, so no moment passes with the role's sessions allowed anything.
  const names = (await ctx.cp.listRolePolicies(roleName)).sort((a, b) => Number(a === lockName) - Number(b === lockName));
  const detachedNote = attached.length > 0 ? `detached managed ${attached.map((a) => a.policyArn).join(', ')}; ` : '';
  const detail = await ctx.run.note('intent:role', `${detachedNote}deleted inline policies ${names.join(', ') || '(none)'} and role ${roleName}`);
  for (const a of attached) await ctx.cp.detachRolePolicy({ roleName, policyArn: a.policyArn });
  for (const policyName of names) await ctx.cp.deleteRolePolicy({ roleName, policyName });
  await ctx.cp.deleteRole(roleName);
  return { state: 'done', detail };
}

async function prefix(ctx: OffboardContext): Promise<StepResult> {
  const { bucket, kmsKeyArn } = ctx.platform;
  const id = ctx.partner.partnerId;
  if (ctx.change.spec.kind !== 'offboard' || ctx.change.spec.prefix === 'keep') {
    const n = await countObjects(ctx.s3, bucket, homePrefix(id));
    return { state: 'unchanged', detail: `kept ${n} object${n === 1 ? '' : 's'} under ${homePrefix(id)} (no principal can read them any more)` };
  }
  await archiveHome(ctx.s3, { bucket, partnerId: id, kmsKeyArn, onMoved: (n) => ctx.run.count('archived', n) });
  const total = Number((await ctx.run.get())?.facts['archived'] ?? 0);
  return { state: 'done', detail: `moved ${total} object${total === 1 ? '' : 's'} from ${homePrefix(id)} to ${archivePrefixOf(id)}` };
}

async function retire(ctx: OffboardContext): Promise<StepResult> {
  const id = ctx.partner.partnerId;
  const outcome = await ctx.retireId(id, ctx.partner.requestId);
  return {
    state: 'done',
    detail: `${id} stays reserved${outcome === 'reserved' ? ' (reservation restored)' : ''}: a new /onboard-partner with it is refused`,
  };
}

export const OFFBOARD_STEPS: readonly Step<OffboardContext>[] = [
  { name: 'stop-deliveries', label: 'Deliveries stopped (status offboarded)', run: stopDeliveries },
  { name: 'transfer-user', label: 'Transfer user deleted', run: transferUser },
  { name: 'lock-role', label: 'Partner role locked: trusts no one, every session denied', run: lockRole },
  { name: 'role', label: 'Partner role deleted, with its attached and inline policies', run: role },
  { name: 'prefix', label: 'Home prefix kept or archived', run: prefix },
  { name: 'retire', label: 'Partner id retired for good', run: retire },
];
