/**
 * The offboard job (queue `offboard`, one job per approved change, id `offboard-<changeId>`):
 * re-checks the approval, then runs the steps of ./offboard-steps.ts in order, skipping those a
 * previous try finished (the run state in Redis) and re-reading AWS for the rest, so a crash at
 * any point resumes without doing anything twice. Each step is reported in the partner's thread
 * (one checklist, updated) and audited. Then the probes prove access is gone, and the evidence is
 * posted once. Throttling, 5xx and network errors back off and retry; everything else fails at
 * once (UnrecoverableError) with the step and the AWS error in the thread.
 */
import { UnrecoverableError, type Job, type JobsOptions, type Queue } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { ApproverDirectory, Block, Clock, Notify } from '../../actions/ports.js';
import type { Audit } from '../../actions/ports.js';
import { checkChangeApproval } from '../../actions/approval/index.js';
import { AppError, ConflictError, ErrorCode, errorMessage } from '../../domain/errors.js';
import { buildOffboardEvidence, buildOffboardProgress, type OffboardStepView } from '../../bot/messages/offboard.js';
import type { CheckView } from '../../bot/messages/verify.js';
import type { ChangeRequestStore } from '../../store/change-requests.js';
import type { ChangeRequest } from '../../domain/requests.js';
import type { OffboardRuns } from '../../store/offboard-runs.js';
import type { OffboardRun } from '../../domain/offboard-run.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { OFFBOARD_RUNNERS, OFFBOARD_STEP_LABELS, OFFBOARD_STEPS, type OffboardContext } from './offboard-steps.js';
import { KEEP } from '../platform/queues.js';

export const OFFBOARD_QUEUE = 'offboard';
export const OFFBOARD_JOB = 'offboard';
export const OFFBOARD_TRIES = 8;

export interface OffboardPayload {
  changeId: string;
}

export const offboardJobId = (changeId: string): string => `offboard-${changeId}`;

export function offboardJobOptions(changeId: string, tries = OFFBOARD_TRIES): JobsOptions {
  return { ...KEEP, jobId: offboardJobId(changeId), attempts: tries, backoff: { type: 'custom' } };
}

export async function addOffboardJob(queue: Pick<Queue<OffboardPayload>, 'add'>, changeId: string, tries?: number): Promise<void> {
  await queue.add(OFFBOARD_JOB, { changeId }, offboardJobOptions(changeId, tries));
}

export interface OffboardDeps extends Omit<OffboardContext, 'change' | 'partner' | 'run'> {
  changes: ChangeRequestStore;
  approvers: ApproverDirectory;
  notify: Notify;
  audit: Audit;
  clock: Clock;
  logger: Logger;
  /** Proves access is gone (./offboard-probes.ts). */
  prove: (partner: PartnerRecord, change: ChangeRequest) => Promise<CheckView[]>;
}

const progressRef = (changeId: string) => `offboard:${changeId}`;

function stepViews(run: OffboardRun | null, running?: string, failed?: { step: string; message: string }): OffboardStepView[] {
  return OFFBOARD_STEPS.map((step) => {
    const done = run?.steps[step];
    if (done) return { label: OFFBOARD_STEP_LABELS[step], state: done.state, detail: done.detail, at: done.at };
    if (failed?.step === step) return { label: OFFBOARD_STEP_LABELS[step], state: 'failed', detail: failed.message };
    return { label: OFFBOARD_STEP_LABELS[step], state: step === running ? 'running' : 'pending' };
  });
}

export function createOffboardProcessor(deps: OffboardDeps) {
  return async function processOffboard(job: Job<OffboardPayload>): Promise<{ partnerId: string; checks: CheckView[] }> {
    const change = await deps.changes.get(job.data.changeId);
    const problem = (await checkChangeApproval(deps.approvers, change, ['offboard']))?.message;
    if (problem || !change) {
      deps.logger.warn({ changeId: job.data.changeId, problem }, 'offboarding refused');
      if (change) {
        await deps.notify({ op: 'post', channel: change.channel, thread: { ref: change.threadRef }, text: `:no_entry: Offboarding of \`${change.partnerId}\` refused: ${problem}. Nothing was changed.` });
        await deps.audit({ type: 'offboard.failed', partnerId: change.partnerId, requestId: change.id, actor: 'partnergate', details: { refused: problem } });
      }
      throw new UnrecoverableError(`offboarding refused: ${problem}`);
    }
    const partnerId = change.partnerId;
    const log = deps.logger.child({ changeId: change.id, partnerId, attempt: job.attemptsMade + 1 });
    const found = await deps.partners.get(partnerId);
    if (!found) throw new UnrecoverableError(`partner ${partnerId} is not in the registry`);
    const owner = await deps.runs.begin(partnerId, change.id, deps.clock.now(), found.status);
    if (owner !== change.id) throw new UnrecoverableError(`partner ${partnerId} is already being offboarded by change ${owner}`);

    const post = (message: { text: string; blocks?: Block[] }, ref?: string) =>
      deps.notify({ op: 'post', channel: change.channel, thread: { ref: change.threadRef }, ...message, ...(ref ? { ref } : {}) });
    const progress = async (running?: string, failed?: { step: string; message: string }, outcome: 'running' | 'done' | 'failed' = 'running') =>
      deps.notify({
        op: 'update', target: progressRef(change.id),
        ...buildOffboardProgress({ partnerId, dryRun: deps.cp.dryRun, steps: stepViews(await deps.runs.get(partnerId), running, failed), outcome }),
      });
    if (await deps.runs.once(partnerId, 'progress-posted')) {
      await post(buildOffboardProgress({ partnerId, dryRun: deps.cp.dryRun, steps: stepViews(null), outcome: 'running' }), progressRef(change.id));
    }

    for (const step of OFFBOARD_STEPS) {
      const run = (await deps.runs.get(partnerId))!;
      if (run.steps[step]) continue;
      const partner = (await deps.partners.get(partnerId)) ?? found;
      try {
        const result = await OFFBOARD_RUNNERS[step]({ ...deps, change, partner, run });
        const at = deps.clock.now().toISOString();
        await deps.runs.markStep(partnerId, step, { ...result, at });
        log.info({ step, state: result.state }, 'offboarding step finished');
        await deps.audit({ type: 'offboard.step', partnerId, requestId: change.id, actor: 'partnergate', details: { step, state: result.state, detail: result.detail } });
        await progress();
      } catch (err) {
        const retryable = err instanceof AppError ? err.retryable : !(err instanceof UnrecoverableError);
        const final = !retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const code = err instanceof AppError ? err.code : 'ERROR';
        log.warn({ err, step, retryable, final }, 'offboarding step failed');
        if (final) {
          await progress(undefined, { step, message: `${code}: ${errorMessage(err)}` }, 'failed');
          await post({ text: `:x: Offboarding of \`${partnerId}\` stopped at "${OFFBOARD_STEP_LABELS[step]}": ${code}: ${errorMessage(err)}. Fix the cause and approve a new offboarding; finished steps will not be repeated.` });
          await deps.audit({ type: 'offboard.failed', partnerId, requestId: change.id, actor: 'partnergate', details: { step, code, message: errorMessage(err) } });
        }
        if (!retryable) throw new UnrecoverableError(`${step}: ${code}: ${errorMessage(err)}`);
        throw err;
      }
    }

    const partner = (await deps.partners.get(partnerId)) ?? found;
    const checks = await deps.prove(partner, change);
    const failedChecks = checks.filter((c) => c.outcome === 'fail');
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failedChecks.length > 0 && !final) {
      // IAM and Transfer are eventually consistent: look again after the backoff.
      throw new ConflictError(ErrorCode.AccessNotYetGone, `probes still see access: ${failedChecks.map((c) => c.label).join('; ')}`, { retryable: true });
    }
    if (!(await deps.runs.has(partnerId, 'evidence'))) {
      const run = (await deps.runs.get(partnerId))!;
      const finishedAt = deps.clock.now().toISOString();
      await progress(undefined, undefined, failedChecks.length > 0 ? 'failed' : 'done');
      await post(buildOffboardEvidence({ change, run, steps: stepViews(run), checks, finishedAt, dryRun: deps.cp.dryRun }));
      await deps.audit({
        type: failedChecks.length > 0 ? 'offboard.failed' : 'offboard.completed', partnerId, requestId: change.id, actor: 'partnergate',
        details: {
          requestedBy: change.requestedBy, approvedBy: change.decision?.by, approvedAt: change.decision?.at, startedAt: run.startedAt, finishedAt,
          prefix: change.spec.kind === 'offboard' ? change.spec.prefix : undefined, dryRun: deps.cp.dryRun,
          steps: Object.fromEntries(Object.entries(run.steps).map(([k, v]) => [k, `${v.state}: ${v.detail}`])),
          probes: checks.map((c) => `${c.outcome}: ${c.label}${c.detail ? ` (${c.detail})` : ''}`),
        },
      });
      await deps.runs.once(partnerId, 'evidence');
    }
    log.info({ failedChecks: failedChecks.length }, 'offboarding finished');
    return { partnerId, checks };
  };
}
