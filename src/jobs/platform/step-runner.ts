/**
 * The one step runner: provisioning, offboarding and partner changes are tables of steps (name,
 * label, run) run here in order against their run record (src/store/runs.ts). Each step reads
 * before it writes, so the next try resumes a try that died anywhere and nothing is done twice. A
 * finished step is skipped by later tries (a table of ensures may ask to re-check instead), and so
 * is one an earlier attempt finished before the Retry button's step. Throttling, 5xx and network
 * errors are rethrown for BullMQ's backoff; anything else, or the last try, is final: recorded in
 * the run, reported by the table's owner, and thrown as UnrecoverableError.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Clock } from '../../actions/ports.js';
import type { PartnerThread } from '../../actions/partner-thread.js';
import { AppError, ErrorCode, errorMessage } from '../../domain/errors.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import type { RunRecord, StepOutcome } from '../../domain/run.js';
import type { SlackMessage, StepView } from '../../bot/messages/provision.js';
import type { Run } from '../../store/runs.js';

export type StepResult = Pick<StepOutcome, 'state' | 'detail'>;

export interface Step<C> {
  name: string;
  /** As the checklist in the thread names it. */
  label: string;
  run(ctx: C): Promise<StepResult>;
}

export type Failure = { code: string; message: string; retryable: boolean };

export function failureOf(err: unknown): Failure {
  if (err instanceof AppError) return { code: err.code, message: err.message, retryable: err.retryable };
  if (err instanceof UnrecoverableError) return { code: ErrorCode.Unrecoverable, message: err.message, retryable: false };
  return { code: ErrorCode.Internal, message: errorMessage(err), retryable: true };
}

/** True when this failure ends the job: not retryable, or the last try. */
export function isFinal(job: Pick<Job, 'attemptsMade' | 'opts'>, failure: Failure): boolean {
  return !failure.retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

export interface StepRun<C> {
  steps: readonly Step<C>[];
  ctx: C;
  run: Run;
  /** The run record as this try's start left it. */
  record: RunRecord;
  job: Pick<Job, 'attemptsMade' | 'opts'>;
  clock: Clock;
  log: Logger;
  /** 1 unless a Retry button started a later attempt. */
  attempt?: number;
  /** The Retry button's step: the steps before it that an earlier attempt finished are not run again. */
  from?: string | undefined;
  /** The steps are ensures that re-read AWS: a rerun of the same attempt runs them again instead of skipping them. */
  recheck?: boolean;
  /** The run's checklist in the partner's thread: posted once per attempt, then updated by ref. */
  checklist?: {
    thread: PartnerThread;
    ref: string;
    render(steps: StepView[], outcome: 'running' | 'done' | 'failed'): SlackMessage;
    /** How a failing step shows (null: not updated). Default: not while it is retried; `code: message` once final. */
    failure?(failure: Failure, final: boolean): Omit<StepView, 'label'> | null;
  };
  /** Before each step that runs; what it throws stops the run without being the step's failure. */
  before?(step: Step<C>): Promise<void>;
  /** After each step that ran (the audit record). */
  done?(step: Step<C>, result: StepResult): Promise<void>;
  /** A step failed for good and the run recorded it: say so. */
  failed?(step: Step<C>, failure: Failure): Promise<void>;
}

// The checklist says what happened in words (src/domain/failure-advice.ts); the code and message are in the log and the run record.
const finalLine = (f: Failure, final: boolean) => (final ? { state: 'failed' as const, detail: failureAdvice(f.code).what } : null);

/** Runs the steps; answers each step's line as the checklist shows it, and `finish` to end the run. */
export async function runSteps<C>(o: StepRun<C>) {
  const attempt = o.attempt ?? 1;
  const from = Math.max(0, o.steps.findIndex((s) => s.name === o.from));
  const views: StepView[] = o.steps.map((s) => ({ label: s.label, state: 'pending' }));
  const c = o.checklist;
  const show = async (outcome: 'running' | 'done' | 'failed') => c && c.thread.update(c.ref, c.render(views, outcome));
  if (c) await o.run.once(`checklist:${attempt}`, () => c.thread.post(c.render(views, 'running'), c.ref));

  for (const [i, step] of o.steps.entries()) {
    const log = o.log.child({ step: step.name });
    const prior = o.record.steps[step.name];
    if (prior && (prior.attempt < attempt ? i < from : !o.recheck)) {
      views[i] = prior.attempt < attempt ? { label: step.label, state: 'unchanged', detail: 'done in an earlier attempt' } : { label: step.label, ...prior };
      continue;
    }
    await o.before?.(step);
    await o.run.set({ status: 'running', reached: step.name });
    let result: StepResult;
    try {
      result = await step.run(o.ctx);
    } catch (err) {
      const failure = failureOf(err);
      const final = isFinal(o.job, failure);
      const view = (c?.failure ?? finalLine)(failure, final);
      if (view) {
        views[i] = { label: step.label, ...view };
        await show(final ? 'failed' : 'running');
      }
      if (!final) {
        log.warn({ err, code: failure.code, tries: o.job.attemptsMade + 1 }, 'step failed; BullMQ retries it with backoff');
        throw err;
      }
      log.error({ err, code: failure.code }, 'step failed for good');
      await o.run.fail({ attempt, step: step.name, label: step.label, code: failure.code, message: failure.message, at: o.clock.now().toISOString() });
      await o.failed?.(step, failure);
      throw new UnrecoverableError(`${step.name}: ${failure.code}: ${failure.message}`);
    }
    const at = o.clock.now().toISOString();
    await o.run.done(step.name, { ...result, at, attempt });
    views[i] = { label: step.label, ...result, at };
    await show('running');
    await o.done?.(step, result);
    log.info({ state: result.state }, 'step ended');
  }
  return {
    views,
    async finish(outcome: 'done' | 'failed') {
      await o.run.set({ status: outcome });
      await show(outcome);
    },
  };
}
