/**
 * The record of a job's run (src/store/runs.ts keeps it): provisioning, verification, offboarding
 * and partner changes each have one per run key, read by the step runner to resume and by the
 * Retry buttons and the offboarding evidence.
 */
export type RunKind = 'provision' | 'verify' | 'offboard' | 'change';

export interface StepOutcome {
  state: 'done' | 'unchanged' | 'planned' | 'skipped';
  detail?: string;
  at: string;
  /** The attempt that ran it (a Retry starts the next attempt). */
  attempt: number;
}

export interface RunFailure {
  attempt: number;
  step: string;
  /** The step as the thread named it. */
  label: string;
  code: string;
  message: string;
  at: string;
}

export interface RunRecord<I extends Record<string, string> = Record<string, string>> {
  status: 'running' | 'done' | 'failed';
  /** The current attempt: raised by each attempt's job, and by a claimed retry. */
  attempt: number;
  /** Values fixed at the first try, so every resume uses the same (offboarding's revoke instant, a new ExternalId). */
  inputs: I;
  /** Facts found along the way: messages already posted, what a step is about to delete, counts. */
  facts: Record<string, string>;
  /** Each finished step's outcome, by step name. */
  steps: Record<string, StepOutcome>;
  /** The step the run last started. */
  reached: string | null;
  /** The final failure of the current or last attempt. */
  failure: RunFailure | null;
}
