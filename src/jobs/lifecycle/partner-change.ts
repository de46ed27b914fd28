/**
 * The partner-change job (queue `partner-change`, id `change-<changeId>`): applies an approved
 * change to a live partner — a table of one step per kind, run by the step runner
 * (../platform/step-runner.ts) against the change's run record — idempotently: SSH keys imported
 * or deleted only where DescribeUser shows they are missing or still there; the ExternalId rotated
 * by rewriting the role's trust policy only when it differs from the one rendered with the new id
 * (fixed at the first try); an edit changes feeds and contact in the registry, then delivers the
 * added feeds' current files (`onFeedsAdded`: the go-live backfill, deduplicated per (key, version,
 * partner)); a `reapply` writes the drift its presser was shown, approved by a second approver
 * (./reconcile.ts `reapplyShownDrift`, which re-checks the drift first). Then the registry, the
 * thread (and, for a new ExternalId, the new welcome by DM: ../onboarding/send-welcome.ts), the
 * audit trail; the kind is open for a new change again. Before a keys change touches Transfer it re-checks that no
 * other partner holds a key to add (refused, in the thread and the audit trail, otherwise); the
 * registry update registers them (src/store/partners.ts). In DRY_RUN AWS calls are planned, the registry is updated.
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { approvedChange, type ChangeJobDeps } from './approved-change.js';
import { newExternalId } from '../../actions/onboarding/index.js';
import { ErrorCode, InternalError, NotFoundError, RefusedError } from '../../domain/errors.js';
import { hasCode } from '../../aws/aws-error.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { partnerRoleArn, partnerRoleName, renderPartnerSidePolicy, renderPartnerTrustPolicy } from '../../aws/policies/index.js';
import {
  changeAppliedText, changeFailedText, changeNotLiveText, changeRefusedText, externalIdRotatedLine, partnerEditedLine, keysChangedLine,
} from '../../bot/messages/lifecycle.js';
import { withMentions, type Mrkdwn } from '../../bot/messages/mrkdwn.js';
import { requesterAndOwner } from '../../actions/direct-message.js';
import { sendWelcome, welcomeSftp } from '../onboarding/index.js';
import { fingerprintOf } from '../../domain/key-ages.js';
import { homePrefix } from '../../domain/partner-id.js';
import { mayTakeChange } from '../../domain/partner-lifecycle.js';
import { keyInUseLine } from '../../domain/ssh-key-holder.js';
import type { ChangeKind, ChangeRequest } from '../../domain/requests.js';
import type { Run } from '../../store/runs.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { partnerThread, type PartnerThread } from '../../actions/partner-thread.js';
import { keyIdentity, sameDocument } from '../onboarding/index.js';
import { QUEUE_NAMES, retriedJob } from '../platform/queues.js';
import { runSteps, type Step, type StepResult } from '../platform/step-runner.js';
import type { ReapplyOutcome, ShownDrift } from './reconcile.js';

export const PARTNER_CHANGE_QUEUE = QUEUE_NAMES.partnerChange;
export const PARTNER_CHANGE_JOB = 'apply';
export const PARTNER_CHANGE_TRIES = 8;

export interface PartnerChangePayload {
  changeId: string;
}

export const partnerChangeJobId = (changeId: string): string => `change-${changeId}`;

export async function addPartnerChangeJob(queue: Pick<Queue<PartnerChangePayload>, 'add'>, changeId: string): Promise<void> {
  await queue.add(PARTNER_CHANGE_JOB, { changeId }, retriedJob(partnerChangeJobId(changeId), PARTNER_CHANGE_TRIES));
}

export interface PartnerChangeDeps extends ChangeJobDeps {
  cp: LifecyclePlane;
  platform: PlatformConfig;
  transferHost: string | undefined;
  /** TRANSFER_STATIC_IPS, for the welcome text. */
  transferStaticIps: readonly string[];
  partners: PartnerStore;
  /** Queues the backfill of a live partner's feeds (the worker's delivery half); absent: none. */
  onFeedsAdded?: (partnerId: string, changeId: string) => Promise<void>;
  /** Checks the partner's drift (./reconcile.ts `checkPartner`) once a change that wrote AWS is done; absent: the drift sweep does. */
  checkAfter?: (partnerId: string) => Promise<void>;
  /** Re-applies a shown drift (./reconcile.ts `reapplyShownDrift`), for an approved `reapply` change; absent: not wired. */
  reapply?: (v: ShownDrift) => Promise<ReapplyOutcome>;
}

/** `inputs`: fixed at the first try — the new ExternalId of a rotation (a secret, like the one the registry holds). */
type ChangeContext = PartnerChangeDeps & { change: ChangeRequest; partner: PartnerRecord; run: Run; inputs: { externalId?: string }; thread: PartnerThread };

interface Applied {
  line: Mrkdwn;
  audit: { type: 'keys.changed' | 'external-id.rotated' | 'partner.changed'; details: Record<string, unknown> };
}

async function applyKeys({ change, partner, ...deps }: ChangeContext): Promise<Applied> {
  if (change.spec.kind !== 'ssh-keys') throw new Error('not a keys change');
  const { add, remove } = change.spec;
  const userName = partner.partnerId;
  let imported = 0;
  let deleted = 0;
  if (deps.cp.dryRun) {
    for (const key of add) await deps.cp.importSshPublicKey(userName, key);
    for (const f of remove) await deps.cp.deleteSshPublicKey(userName, `fingerprint ${f}`);
  } else {
    const user = await deps.cp.describeUser(userName);
    if (!user) throw new NotFoundError(ErrorCode.TransferUserMissing, `Transfer user ${userName} is not there: reconcile the partner first`);
    const onUser = user.SshPublicKeys ?? [];
    for (const key of add) {
      if (onUser.some((k) => keyIdentity(k.SshPublicKeyBody) === keyIdentity(key))) continue;
      try {
        await deps.cp.importSshPublicKey(userName, key);
        imported += 1;
      } catch (err) {
        if (!hasCode(err, 'ResourceExistsException')) throw err;
      }
    }
    for (const f of remove) {
      for (const k of onUser.filter((k) => k.SshPublicKeyId && fingerprintOf(keyIdentity(k.SshPublicKeyBody)) === f)) {
        if (await deps.cp.deleteSshPublicKey(userName, k.SshPublicKeyId!)) deleted += 1;
      }
    }
  }
  const at = deps.clock.now().toISOString();
  await deps.partners.update(partner.partnerId, (r) => {
    const kept = r.sshKeys.filter((k) => !remove.includes(fingerprintOf(k) ?? ''));
    const added = add.filter((k) => !kept.some((x) => keyIdentity(x) === keyIdentity(k)));
    const keyAddedAt = Object.fromEntries(Object.entries(r.keyAddedAt ?? {}).filter(([k]) => kept.includes(k)));
    for (const k of added) keyAddedAt[k] = keyAddedAt[k] ?? at;
    return { ...r, sshKeys: [...kept, ...added], keyAddedAt, updatedAt: at };
  });
  const fps = add.map((k) => fingerprintOf(k) ?? '?');
  return {
    line: keysChangedLine({ partnerId: partner.partnerId, added: fps, removed: remove, dryRun: deps.cp.dryRun }),
    audit: { type: 'keys.changed', details: { added: fps, removed: remove, imported, deleted, dryRun: deps.cp.dryRun } },
  };
}

async function rotateExternalId({ change, partner, ...deps }: ChangeContext): Promise<Applied> {
  if (!partner.accountId) throw new RefusedError(ErrorCode.NoRole, `${partner.partnerId} has no AWS account, hence no ExternalId`);
  const externalId = deps.inputs.externalId!; // fixed when the job started the run
  const roleName = partnerRoleName(partner.partnerId);
  const trust = renderPartnerTrustPolicy(deps.platform, { accountId: partner.accountId, externalId }) as unknown as Record<string, unknown>;
  if (deps.cp.dryRun) {
    await deps.cp.updateAssumeRolePolicy({ roleName, document: trust });
  } else {
    const role = await deps.cp.getRole(roleName);
    if (!role) throw new NotFoundError(ErrorCode.RoleMissing, `role ${roleName} is not there: reconcile the partner first`);
    if (!sameDocument(role.trustPolicy, trust)) await deps.cp.updateAssumeRolePolicy({ roleName, document: trust });
  }
  const at = deps.clock.now().toISOString();
  const updated = (await deps.partners.update(partner.partnerId, (r) => ({ ...r, externalId, updatedAt: at }))) ?? partner;
  await deps.run.once('welcome', async () =>
    sendWelcome(deps.notify, deps.thread, {
      view: {
        partnerId: updated.partnerId, displayName: updated.displayName, contactEmail: updated.contactEmail, contact: updated.owner ?? change.requestedBy,
        region: deps.platform.region, bucket: deps.platform.bucket, homePrefix: homePrefix(updated.partnerId), feeds: updated.feeds, dryRun: deps.cp.dryRun,
        sftp: updated.sshKeys.length > 0
          ? await welcomeSftp({ ...deps, hostKeyFingerprints: () => deps.cp.hostKeyFingerprints() }, updated.partnerId, updated.sshKeys)
          : null,
        role: { arn: partnerRoleArn(deps.platform, updated.partnerId), partnerSidePolicy: renderPartnerSidePolicy(deps.platform, updated.partnerId) },
      },
      externalId,
      to: requesterAndOwner(change.requestedBy, updated.owner),
    }),
  );
  return {
    line: externalIdRotatedLine(partner.partnerId),
    audit: { type: 'external-id.rotated', details: { role: roleName, dryRun: deps.cp.dryRun } },
  };
}

async function editPartner({ change, partner, ...deps }: ChangeContext): Promise<Applied> {
  if (change.spec.kind !== 'edit') throw new Error('not an edit');
  const { addFeeds, removeFeeds, contactEmail } = change.spec;
  const newOwner = change.spec.owner ?? null;
  const at = deps.clock.now().toISOString();
  const updated = await deps.partners.update(partner.partnerId, (r) => ({
    ...r,
    feeds: deps.platform.feeds.filter((f) => (r.feeds.includes(f) || addFeeds.includes(f)) && !removeFeeds.includes(f)),
    contactEmail: contactEmail ?? r.contactEmail,
    ...(newOwner !== null ? { owner: newOwner } : {}),
    updatedAt: at,
  }));
  if (addFeeds.length > 0) await deps.onFeedsAdded?.(partner.partnerId, change.id);
  const from = deps.onFeedsAdded ? 'their current files are on the way, then every publication' : 'from the next publication on';
  const contact = contactEmail !== null && contactEmail !== partner.contactEmail ? { from: partner.contactEmail, to: contactEmail } : null;
  const owner = newOwner !== null && newOwner !== partner.owner ? { from: partner.owner ?? null, to: newOwner } : null;
  const feeds = updated?.feeds ?? [];
  return {
    line: partnerEditedLine({ partnerId: partner.partnerId, added: addFeeds, removed: removeFeeds, contact, owner, feeds, from }),
    audit: { type: 'partner.changed', details: { added: addFeeds, removed: removeFeeds, feeds, ...(contact ? { contactEmail: contact } : {}), ...(owner ? { owner } : {}) } },
  };
}

/** Refusals of a re-apply that `reapplyShownDrift` has already said in the thread and audited. */
const TOLD = new Set<string>([ErrorCode.DriftChanged, ErrorCode.SecondApproverNeeded]);

/**
 * An approved `reapply` change: the drift the presser was shown, written back with the second
 * approver's approval — only while it is still the drift recorded and found in AWS. The thread
 * says who asked and who approved (`reappliedText`); a refusal writes nothing.
 */
async function reapplyDrift({ change, partner, ...deps }: ChangeContext): Promise<StepResult> {
  if (change.spec.kind !== 'reapply') throw new Error('not a re-apply');
  if (!deps.reapply) throw new InternalError(ErrorCode.LifecycleNotWired, 're-apply is not wired to the partner-change job');
  if (deps.cp.dryRun) return { state: 'skipped', detail: 'dry run: AWS is not read, so no drift is re-applied' };
  const outcome = await deps.reapply({ partner, by: change.decision!.by, requestedBy: change.requestedBy, hash: change.spec.hash, secondApprover: true });
  if (!outcome.ok) throw new RefusedError(outcome.code, `the drift ${change.spec.hash.slice(0, 12)} was not re-applied (${outcome.code})`);
  return { state: 'done', detail: outcome.done.length ? outcome.done.join('; ') : 'nothing needed writing' };
}

/** A change's one step: apply it, then say so in the thread and the audit trail (once). */
const applied = (apply: (c: ChangeContext) => Promise<Applied>) => async (c: ChangeContext): Promise<StepResult> => {
  const a = await apply(c);
  const by = c.change.decision!.by;
  await c.run.once('reported', async () => {
    await c.thread.post({ text: changeAppliedText(a.line, by, c.change.requestedBy) });
    await c.audit({ type: a.audit.type, partnerId: c.change.partnerId, requestId: c.change.id, actor: by, details: { requestedBy: c.change.requestedBy, ...a.audit.details } });
  });
  return { state: 'done', detail: a.line.toString() };
};

const CHANGE_STEPS: Record<Exclude<ChangeKind, 'offboard'>, readonly Step<ChangeContext>[]> = {
  'ssh-keys': [{ name: 'ssh-keys', label: 'SSH keys imported and deleted, registry updated', run: applied(applyKeys) }],
  'external-id': [{ name: 'external-id', label: 'ExternalId rotated in the trust policy and the registry', run: applied(rotateExternalId) }],
  edit: [{ name: 'edit', label: 'Feeds and contact changed in the registry, added feeds backfilled', run: applied(editPartner) }],
  reapply: [{ name: 'reapply', label: 'The shown drift re-applied (second approver)', run: reapplyDrift }],
};

export function createPartnerChangeProcessor(deps: PartnerChangeDeps) {
  return async function processPartnerChange(job: Job<PartnerChangePayload>): Promise<{ partnerId: string }> {
    const { change, problem } = await approvedChange(deps, job.data.changeId, ['ssh-keys', 'external-id', 'edit', 'reapply'], 'change');
    const post = async (text: string) => change && partnerThread(deps.notify, change.channel, change.threadRef).post({ text });
    if (problem || !change || change.spec.kind === 'offboard') {
      deps.logger.warn({ changeId: job.data.changeId, problem }, 'change refused');
      await post(changeRefusedText(withMentions(String(problem))));
      throw new UnrecoverableError(`change refused: ${problem}`);
    }
    const { kind } = change.spec;
    const log = deps.logger.child({ changeId: change.id, partnerId: change.partnerId, kind });
    const partner = await deps.partners.get(change.partnerId);
    if (!partner || !mayTakeChange(partner.status, kind)) {
      await post(changeNotLiveText(change.partnerId, partner?.status ?? 'not in the registry'));
      await deps.changes.release(change);
      throw new UnrecoverableError(`partner ${change.partnerId} is not live`);
    }
    // Defence in depth: a key to add that another partner holds is never imported into Transfer.
    const held = change.spec.kind === 'ssh-keys' ? await deps.partners.keysHeldElsewhere(partner.partnerId, change.spec.add) : [];
    if (held.length > 0) {
      const keys = held.map((k) => ({ key: k.fingerprint, heldBy: k.heldBy }));
      log.warn({ keys }, 'change refused: SSH key held by another partner; nothing done on AWS');
      await post(changeRefusedText(withMentions(held.map(keyInUseLine).join('; '))));
      await deps.audit({ type: 'change.refused', partnerId: change.partnerId, requestId: change.id, actor: 'partnergate', details: { kind, code: ErrorCode.SshKeyInUse, keys } });
      await deps.changes.release(change);
      throw new UnrecoverableError(`change refused: ${ErrorCode.SshKeyInUse}`);
    }
    const run = deps.runs.of('change', change.id);
    const record = await run.start<{ externalId?: string }>(1, kind === 'external-id' ? { externalId: newExternalId() } : {});
    const thread = partnerThread(deps.notify, change.channel, change.threadRef);
    const steps = await runSteps({
      steps: CHANGE_STEPS[kind], ctx: { ...deps, change, partner, run, inputs: record.inputs, thread }, run, record, job, clock: deps.clock, log,
      failed: async (_step, f) => {
        if (!(kind === 'reapply' && TOLD.has(f.code))) await post(changeFailedText({ kind, partnerId: change.partnerId, code: f.code }));
        // A key change that failed may have imported its keys already: they stay claimed for this
        // partner, so no other partner can take one a Transfer user may carry (a person clears them).
        await deps.changes.release(change, { keepKeyClaims: kind === 'ssh-keys' });
        if (kind === 'ssh-keys' || kind === 'external-id') await deps.checkAfter?.(change.partnerId);
      },
    });
    await deps.changes.release(change);
    await steps.finish('done');
    log.info('change applied');
    // A check skipped quarantine while this change was applied (AWS and the registry apart): look now.
    if (kind === 'ssh-keys' || kind === 'external-id') await deps.checkAfter?.(change.partnerId);
    return { partnerId: change.partnerId };
  };
}
