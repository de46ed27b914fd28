/** The run of a partner's offboarding as its checklist shows it (src/store/offboard-runs.ts keeps it). */
export interface StepOutcome {
  state: 'done' | 'unchanged' | 'planned' | 'skipped';
  detail: string;
  at: string;
}

export interface OffboardRun {
  changeId: string;
  startedAt: string;
  /** Sessions of the partner role issued before this are denied. */
  revokeBefore: string;
  previousStatus: string;
  steps: Record<string, StepOutcome>;
  /** Objects moved to the archive so far (across resumes). */
  archived: number;
}
