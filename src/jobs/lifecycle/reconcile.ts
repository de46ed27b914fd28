/**
 * Reconcile (queue `reconcile`): `check`, of every partner (the drift sweep: hourly, 6-hourly behind
 * platform events; paced by the shared AWS buckets, one at a time, resumable) or for one partner,
 * compares every live partner's AWS resources with the renderer and the registry and reports drift
 * in the partner's thread once per change — the hash of the drift is kept in `P:drift:<partnerId>`
 * and swapped atomically (SET … GET), so a drift already reported is not reported again and a
 * different one is. The repeatable sweep first compares the platform-wide documents every partner
 * depends on (./platform-drift.ts) and reports theirs in the approvals channel. With AUTO_REVERT a
 * partner quarantined for drift is restored by the bot itself (`autoRevert`). `reapply` (from the Re-apply button, approvers only) carries the hash of the
 * drift the approver was shown: it writes only while that is still the recorded drift and still what
 * AWS differs by (else it refuses, writes nothing, and reports the drift as it is now), then checks
 * again and says what it did. Nothing is checked in DRY_RUN (AWS is not read).
 *
 * The drift record carries no approval (it is compared with AWS again, never trusted alone); what
 * does is the click: only an approver may press Re-apply, so the job carries a seal of the click
 * (partner, approver, drift hash; src/domain/approval-seal.ts) made when it was queued. A re-apply
 * job queued straight into Redis has none and is refused with the integrity alert.
 *
 * A drift whose repair creates something or rewrites a trust policy (`secondApproverItems`,
 * src/domain/drift.ts) is re-applied only through an approved `reapply` change (the partner-change
 * job calls `reapplyShownDrift` with `secondApprover`): a one-click job finding such a drift in AWS
 * refuses it (`second_approver_needed`), whatever the button or the record said.
 */
import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import type { Notify } from '../../actions/ports.js';
import type { Audit } from '../../actions/ports.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import {
  buildAutoRevertReport, buildDriftReport, driftResolvedText, eventQuarantinedText, quarantinedText, reappliedText, reapplyRefusedText, releasedText, secondApproverNeededText,
} from '../../bot/messages/drift.js';
import type { SlackMessage } from '../../bot/messages/blocks.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { dueForProof, neighbourOf, type ProofState } from '../../domain/assurance.js';
import { CANARY_CHECK_LABEL } from '../onboarding/index.js';
import type { CheckView } from '../../bot/messages/verify.js';
import { mayTakeChange } from '../../domain/partner-lifecycle.js';
import { ErrorCode } from '../../domain/errors.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { integrityFailureLine, reportIntegrityFailure } from '../../actions/approval/index.js';
import {
  driftHash, driftRecordText, parseDriftRecord, revertibleItems, secondApproverItems, wideningItems, type Drift, type DriftRecord, type DriftSubject,
} from '../../domain/drift.js';
import type { ChangeKind } from '../../domain/requests.js';
import { findDrift, repairDrift } from './drift.js';
import { sweepPlatform } from './platform-drift.js';
import { KEEP, QUEUE_NAMES } from '../platform/queues.js';
import { delayWhenOutOfBudget } from '../platform/aws-pace.js';

export const RECONCILE_QUEUE = QUEUE_NAMES.reconcile;
export const CHECK_JOB = 'check';
/** The drift sweep's tick: queues the sweep (a `check` of every partner) unless one is still under way. */
export const SWEEP_JOB = 'sweep';
export const REAPPLY_JOB = 'reapply';
/** The assurance tick: re-proves the isolation of the live partners whose turn it is (src/domain/assurance.ts). */
export const PROVE_JOB = 'prove';

export interface ReconcilePayload {
  /** One partner; absent: every live partner. */
  partnerId?: string;
  /** For `reapply`: who pressed the button, and the drift they saw. */
  by?: string;
  hash?: string;
  /** For `reapply`: the seal of the click (partner, by, hash), made when the approver's click queued it. */
  seal?: string;
  /** For the sweep: the last partner id checked before it was delayed or failed (it carries on after it), and its tally so far. */
  after?: string;
  tally?: Partial<Record<CheckOutcome, number>>;
  /** For `prove`: the partners of this tick not yet proven when it was delayed. */
  remaining?: string[];
}

export const driftKey = (prefix: string, partnerId: string): string => `${prefix}:drift:${partnerId}`;

/** The drift recorded (last reported) for a partner, or null. */
export async function readDrift(redis: Pick<Redis, 'get'>, prefix: string, partnerId: string): Promise<DriftRecord | null> {
  return parseDriftRecord(await redis.get(driftKey(prefix, partnerId)));
}

export function reapplyJobId(partnerId: string, hash: string): string {
  return `reapply-${partnerId}-${hash.slice(0, 16)}`;
}

/** Retried with the worker's backoff: a throttle that outlasts the pacer's own retries fails an attempt, not the work. */
const JOB_OPTIONS: JobsOptions = { ...KEEP, attempts: 5, backoff: { type: 'custom' } };

/** The one drift sweep at a time: a tick while it runs (or waits for budget) adds nothing. */
export const SWEEP_DEDUPLICATION_ID = 'drift-sweep';

/**
 * The drift sweep every `everyMs` (DRIFT_SWEEP_INTERVAL_HOURS: hourly alone, 6-hourly behind platform
 * events) and the assurance tick every `proveEveryMs`. The scheduler's old name, from when the sweep
 * was hourly and was the sweep itself, is removed.
 */
export async function scheduleReconcile(queue: Queue<ReconcilePayload>, everyMs = 3_600_000, proveEveryMs = 15 * 60_000): Promise<void> {
  await queue.removeJobScheduler('reconcile-hourly');
  await queue.upsertJobScheduler('drift-sweep', { every: everyMs }, { name: SWEEP_JOB, data: {}, opts: KEEP });
  await queue.upsertJobScheduler('isolation-probes', { every: proveEveryMs }, { name: PROVE_JOB, data: {}, opts: JOB_OPTIONS });
}

/** Queues the sweep of every partner; while one is waiting, delayed for budget or running, this adds nothing. */
export async function addSweepJob(queue: Pick<Queue<ReconcilePayload>, 'add'>): Promise<void> {
  await queue.add(CHECK_JOB, {}, { ...JOB_OPTIONS, deduplication: { id: SWEEP_DEDUPLICATION_ID } });
}

/**
 * The changes CloudTrail reported on a partner's role or SFTP user that the bot did not make, kept
 * by the platform events consumer (newest first, the last 20, a day) until a check reports them.
 */
export const changeCausesKey = (prefix: string, partnerId: string): string => `${prefix}:pe:causes:${partnerId}`;

export interface ChangeCause {
  call: string;
  actor: string;
  at: string;
}

/** Takes the kept causes (they are reported once); unreadable entries are dropped. */
async function takeCauses(deps: Pick<ReconcileDeps, 'redis' | 'prefix'>, partnerId: string): Promise<ChangeCause[]> {
  const key = changeCausesKey(deps.prefix, partnerId);
  const [[, raw]] = (await deps.redis.multi().lrange(key, 0, -1).del(key).exec()) as [[Error | null, string[]], unknown];
  return raw.flatMap((text) => {
    try {
      const c = JSON.parse(text) as Partial<ChangeCause>;
      return typeof c.call === 'string' && typeof c.actor === 'string' && typeof c.at === 'string' ? [{ call: c.call, actor: c.actor, at: c.at }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * How long a check asked for by an event waits, gathering the events that follow it. Short: the
 * alert of a change must be queued within 2 s of its event (docs/benchmarks.md "Event to alert"),
 * and the bound on checks does not depend on it — events arriving while the check runs make one
 * more check, never more (`keepLastIfActive`) — so the wait only saves that second check for the
 * events of one change that arrive together.
 */
export const EVENT_CHECK_COALESCE_MS = 250;

/**
 * Queues a check of one partner because an event said its access resources changed. Every event
 * about that partner before the check starts joins it (BullMQ deduplication); one that arrives
 * while it runs queues one more, to run when it ends (`keepLastIfActive`), so no change is missed
 * by a check that read AWS before it, and a burst of any size makes at most two checks.
 */
export async function addEventCheckJob(queue: Pick<Queue<ReconcilePayload>, 'add'>, partnerId: string): Promise<void> {
  await queue.add(CHECK_JOB, { partnerId }, { ...JOB_OPTIONS, delay: EVENT_CHECK_COALESCE_MS, deduplication: { id: `event-check-${partnerId}`, keepLastIfActive: true } });
}

/** Queues the re-apply an approver's click asked for, sealed (the job refuses it unsealed). */
export async function addReapplyJob(queue: Pick<Queue<ReconcilePayload>, 'add'>, seals: ApprovalSeals, partnerId: string, by: string, hash: string): Promise<void> {
  const seal = seals.reapply({ partnerId, by, hash });
  await queue.add(REAPPLY_JOB, { partnerId, by, hash, seal }, { ...JOB_OPTIONS, jobId: reapplyJobId(partnerId, hash) });
}

export interface ReconcileDeps {
  cp: LifecyclePlane;
  platform: PlatformConfig;
  redis: Redis;
  prefix: string;
  partners: PartnerStore;
  notify: Notify;
  audit: Audit;
  logger: Logger;
  /** APPROVALS_CHANNEL: where quarantine and integrity alerts go, besides the partner's thread. */
  approvalsChannel: string;
  /** A quarantined partner was released: its parked deliveries go out (the delivery pipeline's onLive). */
  onReleased?: (partnerId: string) => Promise<void>;
  /** The kinds of approved changes that write AWS being applied to the partner (ChangeRequestStore.applying). */
  changeApplying?: (partnerId: string) => Promise<ChangeKind[]>;
  /**
   * The live probes as the partner (verification's): its isolation proven again, or not. Absent: not
   * run. `neighbour`: whose home must be closed, when the caller chose it (`neighbourOf`).
   */
  prove?: (p: PartnerRecord, neighbour?: string | null) => Promise<CheckView[]>;
  /** ASSURANCE_INTERVAL_HOURS and the tick: every live partner re-proven within the interval. */
  assurance?: { intervalMs: number; tickMs: number };
  /** AUTO_REVERT: a partner quarantined for drift is restored to the approved state by the bot itself (`autoRevert`). */
  autoRevert?: boolean;
}

/**
 * What the processor needs besides the check's: the re-apply's seal check, the queue the sweep's
 * tick adds the sweep to, and the deps a re-apply runs with. Checks and probes run with the paced
 * plane (src/jobs/platform/aws-pace.ts); a re-apply is an approver's click and runs unpaced
 * (`unpaced`), as provisioning does (docs/security.md "AWS request rates").
 */
export interface ReconcileJobDeps extends ReconcileDeps {
  seals: ApprovalSeals;
  queue?: Pick<Queue<ReconcilePayload>, 'add'>;
  unpaced?: ReconcileDeps;
}

export type CheckOutcome = 'clean' | 'reported' | 'unchanged' | 'resolved';

const inThread = (p: PartnerRecord) => ({ op: 'post' as const, channel: p.channel, thread: { ref: p.threadRef } });

/**
 * Checks one partner: reports a drift that was not reported before, then quarantines a live partner
 * whose drift may widen its access, or releases a quarantined one whose access is as approved again.
 */
export async function checkPartner(deps: ReconcileDeps, p: PartnerRecord): Promise<CheckOutcome> {
  // The causes events kept are taken by every check, so a later report never names an older change.
  const causes = await takeCauses(deps, p.partnerId);
  const drift = await findDrift(deps.cp, deps.platform, p);
  const outcome = await reportDrift(deps, p, drift, causes);
  await followQuarantine(deps, p, drift);
  if (deps.autoRevert) await autoRevert(deps, p.partnerId, drift);
  return outcome;
}

/** Who AUTO_REVERT's writes and records name. */
export const AUTO_REVERT_ACTOR = 'partnergate';

const autoRevertKey = (prefix: string, partnerId: string) => `${prefix}:autorevert:${partnerId}`;

/**
 * AUTO_REVERT: a quarantined partner whose drift holds anything a narrowing re-apply repairs
 * (`revertibleItems`: what one approver's click may, and nothing that creates or rewrites a trust
 * policy) is restored by the bot itself, through the one-click Re-apply's use case
 * (`reapplyShownDrift`, `auto`). It only restores the approved state of what exists and removes
 * what was added: it never widens. What it leaves is reported as a new drift, for two people's
 * Re-apply. `P:autorevert:<partnerId>` holds the drift a revert left, so a revert that changed
 * nothing is not tried again on every check.
 */
async function autoRevert(deps: ReconcileDeps, partnerId: string, drift: Drift): Promise<void> {
  if (revertibleItems(drift.items).length === 0) return;
  const p = await deps.partners.get(partnerId);
  if (p?.status !== 'quarantined') return;
  const hash = driftHash(drift);
  const key = autoRevertKey(deps.prefix, partnerId);
  if ((await deps.redis.get(key)) === hash) return;
  const outcome = await reapplyShownDrift(deps, { partner: p, by: AUTO_REVERT_ACTOR, hash, secondApprover: false, auto: true });
  if (outcome.ok) await deps.redis.set(key, (await readDrift(deps.redis, deps.prefix, partnerId))?.hash ?? 'none', 'EX', 7 * 86_400);
}

/** What an approved change being applied may leave apart for a moment. */
const EXPLAINED_BY: Partial<Record<ChangeKind, DriftSubject>> = { 'ssh-keys': 'ssh-key', 'external-id': 'trust-policy' };

/** Checks the partner if a check watches it — live, or quarantined (a check is what releases it); null otherwise. */
export async function checkPartnerById(deps: ReconcileDeps, partnerId: string): Promise<CheckOutcome | null> {
  const p = await deps.partners.get(partnerId);
  return p?.status === 'live' || p?.status === 'quarantined' ? checkPartner(deps, p) : null;
}

/**
 * Quarantine follows what AWS holds. A live partner with any item that may widen its access
 * (`wideningItems`) is quarantined at once: its deliveries are parked (the delivery jobs deliver to
 * live partners only), and its thread and the approvals channel are told. A quarantined partner
 * whose access is exactly the approved state again — after the Re-apply, or a fix by
 * hand that a check finds — is released: said in both places, and its parked deliveries go out.
 */
const both = async (deps: QuarantineDeps, p: PartnerRecord, message: string | SlackMessage) => {
  const body = typeof message === 'string' ? { text: message } : message;
  await deps.notify({ ...inThread(p), ...body });
  await deps.notify({ op: 'post', channel: deps.approvalsChannel, ...body });
};

const failedProbes = (checks: readonly CheckView[]) => checks.filter((c) => c.outcome === 'fail').map((c) => `${c.label}${c.detail ? ` — ${c.detail}` : ''}`);

/** What quarantining takes: the partner's status, and its thread, the approvals channel and the audit to tell. */
export type QuarantineDeps = Pick<ReconcileDeps, 'partners' | 'notify' | 'approvalsChannel' | 'audit' | 'logger'>;

/**
 * A live partner quarantined, for what a check or the probes found (`why`: each line), or an event
 * showed (`alert` says what it showed; `details` is audited with the lines). Once: a partner no longer
 * live (quarantined already, by a burst's first event say) is left as it is, and nobody is told again.
 */
async function quarantine(
  deps: QuarantineDeps, p: PartnerRecord, why: string[], alert = quarantinedText({ partnerId: p.partnerId, items: why }), details: Record<string, unknown> = {},
): Promise<boolean> {
  if (!(await deps.partners.apply(p.partnerId, 'quarantined', { updatedAt: new Date().toISOString() }))) return false;
  deps.logger.warn({ partnerId: p.partnerId, items: why }, 'partner quarantined: its access is wider than approved');
  await both(deps, p, alert);
  await deps.audit({ type: 'partner.quarantined', partnerId: p.partnerId, actor: 'partnergate', details: { items: why, ...details } });
  return true;
}

/** What an event showed: the consumer's AccessChange, as far as the alert and the audit use it. */
export interface ShownChange {
  eventId: string;
  call: string;
  actor: string;
  at: string;
  resource: string;
  parameters: Readonly<Record<string, string>>;
}

/**
 * A live partner quarantined because an event showed a call on its role that can only widen its
 * access (src/domain/platform-events.ts `onlyWidens`), before and without reading AWS: the alert says
 * what the event showed; the check the event queues reports the full difference, or, finding the
 * approved state (the change already undone), releases the partner as it releases one quarantined
 * for drift (`followQuarantine`). True when it quarantined the partner now.
 */
export async function quarantineOnEvent(deps: QuarantineDeps, partnerId: string, e: ShownChange): Promise<boolean> {
  const p = await deps.partners.get(partnerId);
  if (p?.status !== 'live') return false;
  const policy = e.parameters['policyArn'] ? ` (${e.parameters['policyArn']})` : '';
  const line = `${e.call} by ${e.actor} on ${e.resource}${policy}`;
  return quarantine(deps, p, [line], eventQuarantinedText({ partnerId, ...e }), { eventId: e.eventId });
}

async function followQuarantine(deps: ReconcileDeps, p: PartnerRecord, drift: Drift): Promise<void> {
  const updatedAt = new Date().toISOString();
  if (p.status === 'live') {
    // An approved key change or ExternalId rotation writes AWS, then the registry: a check between the
    // two sees its keys or trust apart. Those items alone do not quarantine (two people approved
    // them; the partner-change job checks the partner when it ends); anything else does.
    const explained = new Set((await deps.changeApplying?.(p.partnerId) ?? []).map((kind) => EXPLAINED_BY[kind]));
    const widening = wideningItems(drift.items).filter((i) => !explained.has(i.subject)).map((i) => i.line);
    if (widening.length > 0) await quarantine(deps, p, widening);
  } else if (p.status === 'quarantined' && drift.items.length === 0) {
    // Paused by a lapsed access review (docs/reviews.md): Keep on the review lifts the hold first.
    if (p.reviewHold) {
      deps.logger.info({ partnerId: p.partnerId, reviewHold: p.reviewHold }, 'quarantined partner without drift, held by a lapsed access review: not released');
      return;
    }
    // Released only once the probes prove it too (a platform-wide change is no drift of the partner's).
    const failing = deps.prove ? failedProbes(await deps.prove(p)) : [];
    if (failing.length > 0) {
      deps.logger.info({ partnerId: p.partnerId, failing }, 'quarantined partner without drift, but its probes still fail: not released');
      return;
    }
    if (!(await deps.partners.apply(p.partnerId, 'released', { updatedAt, ...(deps.prove ? { provenAt: updatedAt } : {}) }))) return;
    deps.logger.info({ partnerId: p.partnerId }, 'partner released from quarantine: its access is as approved');
    await both(deps, p, releasedText(p.partnerId));
    await deps.audit({ type: 'partner.released', partnerId: p.partnerId, actor: 'partnergate', details: {} });
    await deps.onReleased?.(p.partnerId);
  }
}

/** Posts the drift once per change (its hash), and says once when it is gone. */
async function reportDrift(deps: ReconcileDeps, p: PartnerRecord, drift: Drift, causes: ChangeCause[]): Promise<CheckOutcome> {
  const key = driftKey(deps.prefix, p.partnerId);
  if (drift.items.length === 0) {
    if ((await deps.redis.del(key)) === 0) return 'clean';
    await deps.notify({ ...inThread(p), text: driftResolvedText(p.partnerId) });
    return 'resolved';
  }
  const hash = driftHash(drift);
  const previous = parseDriftRecord(await deps.redis.set(key, driftRecordText(drift), 'GET'));
  if (previous?.hash === hash) return 'unchanged';
  deps.logger.warn({ partnerId: p.partnerId, differences: drift.items.length }, 'drift detected');
  await deps.notify({ ...inThread(p), ...buildDriftReport({ ...drift, hash, causes }) });
  await deps.audit({ type: 'drift.detected', partnerId: p.partnerId, actor: 'partnergate', details: { items: drift.items.map((i) => i.line), unfixable: drift.unfixable, hash, causes } });
  return 'reported';
}

export function createReconcileProcessor(deps: ReconcileJobDeps) {
  return async function processReconcile(job: Job<ReconcilePayload>, token?: string): Promise<Record<string, unknown>> {
    if (deps.cp.dryRun) return { skipped: 'DRY_RUN: AWS is not read' };
    if (job.name === REAPPLY_JOB) return reapply({ ...deps, ...deps.unpaced }, job.data);
    if (job.name === SWEEP_JOB) {
      if (deps.queue) await addSweepJob(deps.queue);
      return { sweep: 'queued' };
    }
    if (job.name === PROVE_JOB) return proveIsolation(deps, new Date(), job, token);
    const { partnerId } = job.data;
    if (partnerId) {
      const outcome = await delayWhenOutOfBudget(job, token, () => checkPartnerById(deps, partnerId));
      return outcome ? { [partnerId]: outcome } : {};
    }
    return sweepAll(deps, job, token);
  };
}

/** How many partners the sweep checks side by side (each check's calls still wait for their tokens). */
export const SWEEP_PARALLEL = 4;

/**
 * The drift sweep: every partner a check watches, in id order, a few side by side. Where it stopped
 * — budget spent, or a failure its attempts will retry — is saved in the job, and it carries on after
 * the last partner it finished (a partner in flight is checked again: checks are idempotent). Answers
 * the tally of outcomes, not one entry per partner (10,000 of them would sit in Redis).
 */
async function sweepAll(deps: ReconcileJobDeps, job: Job<ReconcilePayload>, token: string | undefined): Promise<Record<string, unknown>> {
  const after = job.data.after;
  // The platform-wide documents once, at the sweep's start (not again when it resumes), then every
  // partner. A dozen reads every few hours: unpaced, as a re-apply, so they never hold the sweep back.
  const platform = after === undefined ? await sweepPlatform({ ...deps, ...deps.unpaced }) : null;
  const ids = (await deps.partners.allIds()).sort().filter((id) => after === undefined || id > after);
  const tally: Partial<Record<CheckOutcome, number>> = { ...job.data.tally };
  let done = after;
  const save = () => job.updateData({ ...job.data, ...(done !== undefined ? { after: done } : {}), tally });
  try {
    await delayWhenOutOfBudget(job, token, async () => {
      for (let i = 0; i < ids.length; i += SWEEP_PARALLEL) {
        const chunk = ids.slice(i, i + SWEEP_PARALLEL);
        for (const outcome of await Promise.all(chunk.map((id) => checkPartnerById(deps, id)))) {
          if (outcome) tally[outcome] = (tally[outcome] ?? 0) + 1;
        }
        done = chunk[chunk.length - 1];
      }
    }, save);
  } catch (err) {
    if (err instanceof Error && err.name !== 'DelayedError') await save();
    throw err;
  }
  return { ...(platform ? { platform } : {}), checked: Object.values(tally).reduce((a, b) => a + b, 0), ...tally };
}

async function reapply(deps: ReconcileJobDeps, data: ReconcilePayload): Promise<Record<string, unknown>> {
  const p = data.partnerId ? await deps.partners.get(data.partnerId) : null;
  if (!p || !mayTakeChange(p.status, 'reapply') || !data.by) throw new UnrecoverableError(`re-apply: ${data.partnerId ?? 'no partner'} is not a live or quarantined partner`);
  if (!data.hash) throw new UnrecoverableError(`re-apply: no drift hash for ${p.partnerId}: only a drift that was shown is re-applied`);
  const broken = deps.seals.reapplyProblem({ partnerId: p.partnerId, by: data.by, hash: data.hash }, data.seal);
  if (broken) {
    const failure = { noun: 're-apply', id: reapplyJobId(p.partnerId, data.hash), partnerId: p.partnerId, thread: { ref: p.threadRef }, stage: 'reapply', problem: broken } as const;
    await reportIntegrityFailure(deps, failure);
    throw new UnrecoverableError(integrityFailureLine(failure));
  }
  const outcome = await reapplyShownDrift(deps, { partner: p, by: data.by, hash: data.hash, secondApprover: false });
  if (!outcome.ok) throw new UnrecoverableError(`re-apply of ${p.partnerId} refused: ${outcome.code}`);
  return { done: outcome.done, remaining: outcome.remaining };
}

/**
 * The assurance tick: the live probes (verification's) run again as each partner whose turn it is
 * (`dueForProof`); passing, its `provenAt` moves on; failing, it is quarantined at once. With the
 * job (the worker's run), a tick whose budget is spent is delayed with the partners it has left.
 */
export async function proveIsolation(
  deps: ReconcileDeps, now = new Date(), job?: Job<ReconcilePayload>, token?: string,
): Promise<Record<string, 'proven' | 'quarantined'>> {
  if (!deps.prove || !deps.assurance) return {};
  // Only what the turn needs of every live partner; the due ones are read again as they are proven.
  // The live ids are read once for the tick: each partner's neighbour is found in them (O(log n)).
  const records = await deps.partners.liveRecords();
  const live = records.map((p) => p.partnerId);
  const states: ProofState[] = records.map((p) => ({ partnerId: p.partnerId, provenAt: p.provenAt ?? p.verifiedAt ?? '' }));
  const due = job?.data.remaining ?? dueForProof(states, { now, ...deps.assurance });
  const outcomes: Record<string, 'proven' | 'quarantined'> = {};
  let next = 0;
  const prove = async () => {
    for (; next < due.length; next += 1) {
      const p = await deps.partners.get(due[next]!);
      if (p?.status !== 'live') continue;
      const outcome = await proveOne(deps, p, now, neighbourOf(p.partnerId, live));
      if (outcome) outcomes[p.partnerId] = outcome;
    }
  };
  if (job) await delayWhenOutOfBudget(job, token, prove, () => job.updateData({ ...job.data, remaining: due.slice(next) }));
  else await prove();
  if (due.length > 0) deps.logger.info({ due: due.length, proven: Object.values(outcomes).filter((o) => o === 'proven').length }, 'isolation re-proven');
  return outcomes;
}

async function proveOne(deps: ReconcileDeps, p: PartnerRecord, now: Date, neighbour: string | null): Promise<'proven' | 'quarantined' | null> {
  const checks = await deps.prove!(p, neighbour);
  // A missing canary is the platform's fault, not the partner's: nothing is proven, nobody quarantined.
  if (checks.some((c) => c.label === CANARY_CHECK_LABEL && c.outcome === 'fail')) {
    deps.logger.error({ partnerId: p.partnerId }, 'isolation not re-proven: the canary object is missing (docs/runbook.md creates it)');
    return null;
  }
  const failing = failedProbes(checks);
  if (failing.length === 0) {
    await deps.partners.update(p.partnerId, (r) => ({ ...r, provenAt: now.toISOString() }));
    return 'proven';
  }
  await quarantine(deps, p, failing);
  return 'quarantined';
}

/** A re-apply of the drift someone was shown: by one approver's click, or approved by a second approver (`requestedBy` pressed it). */
export interface ShownDrift {
  partner: PartnerRecord;
  /** Who pressed Re-apply, or (with a second approver) who approved it. */
  by: string;
  requestedBy?: string;
  hash: string;
  /** True only for an approved `reapply` change (two people); a click's job is false. */
  secondApprover: boolean;
  /**
   * AUTO_REVERT (`autoRevert`): the bot itself, narrowing only (`revertibleItems`: nothing created,
   * no trust policy rewritten, so no second approver is asked for), reported in the thread and the
   * approvals channel with the diff of what it undid and audited `drift.reverted`; what is left is
   * reported as a new drift.
   */
  auto?: boolean;
}

export type ReapplyOutcome = { ok: true; done: string[]; remaining: string[] } | { ok: false; code: ErrorCode };

/**
 * Writes the shown drift back to the rendered documents, unless it is no longer the drift recorded
 * and found in AWS (`drift_changed`: the new drift is reported) or it creates something or rewrites
 * a trust policy and came without a second approver (`second_approver_needed`). A refusal writes
 * nothing, is said in the thread and audited as `decision.refused`.
 */
export async function reapplyShownDrift(deps: ReconcileDeps, v: ShownDrift): Promise<ReapplyOutcome> {
  const p = v.partner;
  const key = driftKey(deps.prefix, p.partnerId);
  const refuse = async (code: ErrorCode, text: string) => {
    deps.logger.warn({ partnerId: p.partnerId, by: v.by, shown: v.hash, code }, 're-apply refused');
    await deps.notify({ ...inThread(p), text });
    await deps.audit({ type: 'decision.refused', partnerId: p.partnerId, actor: v.by, details: { action: 'reapply', code, hash: v.hash, ...(v.requestedBy ? { requestedBy: v.requestedBy } : {}) } });
    return { ok: false as const, code };
  };
  const before = await findDrift(deps.cp, deps.platform, p);
  if ((await readDrift(deps.redis, deps.prefix, p.partnerId))?.hash !== v.hash || driftHash(before) !== v.hash) {
    if (v.auto) {
      // Nobody pressed anything: the check reports the drift as it is now (and may revert that).
      deps.logger.info({ partnerId: p.partnerId, shown: v.hash }, 'AUTO_REVERT: the drift changed before it was restored; checking again');
      await checkPartner(deps, p);
      return { ok: false, code: ErrorCode.DriftChanged };
    }
    const refused = await refuse(ErrorCode.DriftChanged, reapplyRefusedText({ partnerId: p.partnerId, by: v.requestedBy ?? v.by, shown: v.hash }));
    await checkPartner(deps, p);
    return refused;
  }
  const twoPerson = secondApproverItems(before.items);
  if (twoPerson.length > 0 && !v.secondApprover && !v.auto) {
    return refuse(ErrorCode.SecondApproverNeeded, secondApproverNeededText({ partnerId: p.partnerId, by: v.by, shown: v.hash, items: twoPerson.map((i) => i.line) }));
  }
  const done = await repairDrift(deps.cp, deps.platform, p, { narrowOnly: v.auto === true });
  const after = await findDrift(deps.cp, deps.platform, p);
  if (v.auto) return reportRevert(deps, p, v.hash, before, after, done);
  if (after.items.length === 0) await deps.redis.del(key);
  else await deps.redis.set(key, driftRecordText(after));
  await followQuarantine(deps, p, after);
  const remaining = after.items.map((i) => i.line);
  deps.logger.info({ partnerId: p.partnerId, by: v.by, requestedBy: v.requestedBy, fixes: done.length, remaining: remaining.length }, 'drift re-applied');
  await deps.notify({ ...inThread(p), text: reappliedText({ partnerId: p.partnerId, by: v.by, requestedBy: v.requestedBy, done, remaining }) });
  await deps.audit({
    type: 'drift.reapplied', partnerId: p.partnerId, actor: v.by,
    details: { done, remaining, hash: v.hash, ...(v.requestedBy ? { requestedBy: v.requestedBy, secondApprover: v.by } : {}) },
  });
  return { ok: true, done, remaining };
}

/**
 * AUTO_REVERT's report: what it undid (the lines, and the diff of the documents it restored), in the
 * thread and the approvals channel, audited; what is left is a new drift, reported with its own
 * Re-apply; then the partner follows its drift (released once none is left and its probes pass).
 */
async function reportRevert(deps: ReconcileDeps, p: PartnerRecord, hash: string, before: Drift, after: Drift, done: string[]): Promise<ReapplyOutcome> {
  const left = new Set(after.items.map((i) => i.line));
  const undone = before.items.filter((i) => !left.has(i.line)).map((i) => i.line);
  const stillDiffer = new Set(after.documents.map((d) => d.name));
  const remaining = after.items.map((i) => i.line);
  deps.logger.warn({ partnerId: p.partnerId, done, remaining: remaining.length }, 'AUTO_REVERT: approved state restored');
  await both(deps, p, buildAutoRevertReport({ partnerId: p.partnerId, undone, done, documents: before.documents.filter((d) => !stillDiffer.has(d.name)), remaining }));
  await deps.audit({ type: 'drift.reverted', partnerId: p.partnerId, actor: AUTO_REVERT_ACTOR, details: { done, undone, remaining, hash } });
  if (after.items.length === 0) await deps.redis.del(driftKey(deps.prefix, p.partnerId));
  else await reportDrift(deps, p, after, []);
  await followQuarantine(deps, p, after);
  return { ok: true, done, remaining };
}
