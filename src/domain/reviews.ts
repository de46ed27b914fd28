/**
 * Access reviews (docs/reviews.md): a partner's review record, the schedule of a review cycle
 * (open, two reminders, the escalation, the lapse), who may answer, and when a partner is idle. Pure.
 */

export const DAY_MS = 86_400_000;
/** A review opens this long before its due date (or half the interval, when that is shorter). */
export const NOTICE_DAYS = 14;

export interface ReviewRules {
  /** REVIEW_INTERVAL_DAYS: between reviews. */
  intervalDays: number;
  /** REVIEW_GRACE_DAYS: past the due date before the lapse. */
  graceDays: number;
  /** IDLE_DAYS: no pickup for this long flags the partner. */
  idleDays: number;
}

export const REVIEW_STAGES = ['open', 'remind-7', 'remind-1', 'escalate', 'lapse'] as const;
export type ReviewStage = (typeof REVIEW_STAGES)[number];

export type ReviewState = 'scheduled' | 'open' | 'lapsed';

export interface ReviewDecision {
  outcome: 'keep' | 'offboard';
  by: string;
  at: string;
  reason: string;
  cycle: number;
}

export interface ReviewRecord {
  partnerId: string;
  /** 1 for the first review, one more each time a review is answered. */
  cycle: number;
  dueAt: string;
  state: ReviewState;
  /** The owner when the record was last written (refreshed at every stage). */
  owner: string | null;
  openedAt?: string;
  lapsedAt?: string;
  /** The offboarding change the lapse opened. */
  offboardChangeId?: string;
  last?: ReviewDecision;
}

/** `acme.3`: the partner's third review (partner ids have no dot; no `:`, as job ids and refs want). */
export const reviewIdOf = (r: Pick<ReviewRecord, 'partnerId' | 'cycle'>): string => `${r.partnerId}.${r.cycle}`;

export function parseReviewId(id: string): { partnerId: string; cycle: number } | null {
  const m = /^([a-z0-9][a-z0-9-]{1,30}[a-z0-9])\.([1-9]\d{0,5})$/.exec(id);
  return m ? { partnerId: m[1]!, cycle: Number(m[2]) } : null;
}

const noticeMs = (rules: ReviewRules): number => Math.min(NOTICE_DAYS * DAY_MS, (rules.intervalDays * DAY_MS) / 2);

/**
 * The stages of a cycle due at `dueMs`, in time order. Reminders that would come before the review
 * opens are skipped; the escalation is at the due date, the lapse `graceDays` after it.
 */
export function stagesOf(dueMs: number, rules: ReviewRules): { stage: ReviewStage; atMs: number }[] {
  const openMs = dueMs - noticeMs(rules);
  const out: { stage: ReviewStage; atMs: number }[] = [{ stage: 'open', atMs: openMs }];
  for (const [stage, days] of [['remind-7', 7], ['remind-1', 1]] as const) {
    const at = dueMs - days * DAY_MS;
    if (at > openMs) out.push({ stage, atMs: at });
  }
  out.push({ stage: 'escalate', atMs: dueMs }, { stage: 'lapse', atMs: dueMs + Math.round(rules.graceDays * DAY_MS) });
  return out;
}

/**
 * What the sweep does for a cycle at `nowMs`, given the stages already acted on: open it if it is
 * not open yet and its time has come, then the latest passed stage only (older ones are marked done
 * unsent: no burst of stale reminders after an outage). `next`: when to look again (null: nothing
 * more to do in this cycle).
 */
export function stagesDue(
  dueMs: number, rules: ReviewRules, done: ReadonlySet<ReviewStage>, nowMs: number,
): { act: ReviewStage[]; skip: ReviewStage[]; next: number | null } {
  const stages = stagesOf(dueMs, rules);
  const passed = stages.filter((s) => s.atMs <= nowMs && !done.has(s.stage)).map((s) => s.stage);
  const act: ReviewStage[] = [];
  if (passed.includes('open')) act.push('open');
  const latest = passed.filter((s) => s !== 'open').at(-1);
  if (latest) act.push(latest);
  const skip = passed.filter((s) => !act.includes(s));
  const upcoming = stages.find((s) => s.atMs > nowMs && !done.has(s.stage));
  return { act, skip, next: upcoming ? upcoming.atMs : null };
}

/**
 * The first due date of a partner taken in: `intervalDays` after it went live, but never sooner
 * than a full notice from now (a partner live before reviews began is not overdue on arrival).
 */
export function firstDueMs(liveAtMs: number | null, nowMs: number, rules: ReviewRules): number {
  const interval = Math.round(rules.intervalDays * DAY_MS);
  const base = liveAtMs !== null && Number.isFinite(liveAtMs) ? liveAtMs : nowMs;
  return Math.max(base + interval, nowMs + noticeMs(rules));
}

/** The next cycle's due date after an answer at `answeredMs`. */
export const nextDueMs = (answeredMs: number, rules: ReviewRules): number => answeredMs + Math.round(rules.intervalDays * DAY_MS);

/**
 * Days without a pickup when that is `idleDays` or more: since the last pickup, or (none ever)
 * since it went live; null when the partner is not idle.
 */
export function idleDays(lastPickupAt: string | null, liveAt: string | null, nowMs: number, rules: Pick<ReviewRules, 'idleDays'>): number | null {
  const since = lastPickupAt ?? liveAt;
  if (since === null) return null;
  const days = Math.floor((nowMs - Date.parse(since)) / DAY_MS);
  return Number.isFinite(days) && days >= rules.idleDays ? days : null;
}

export const isIdle = (lastPickupAt: string | null, liveAt: string | null, nowMs: number, rules: Pick<ReviewRules, 'idleDays'>): boolean =>
  idleDays(lastPickupAt, liveAt, nowMs, rules) !== null;

/** Who may answer a review: the partner's owner, or an approver. */
export const mayAnswer = (actor: string, owner: string | null, actorIsApprover: boolean): boolean => actorIsApprover || (owner !== null && actor === owner);

/** What a review shows beside its buttons (gathered when it opens). */
export interface ReviewEvidence {
  /** The latest pickups, newest first (at most 3). */
  lastPickups: { at: string; targetKey: string; channel: string; outcome: string }[];
  /** Files delivered and never picked up: how many, and the oldest few. */
  neverPickedUp: { total: number; oldest: { targetKey: string; deliveredAt: string }[] };
  /** When its isolation was last proven (the assurance probes, else verification). */
  isolationProvenAt: string | null;
  /** Its SSH keys with their ages; `old`: past KEY_MAX_AGE_DAYS. */
  keys: { type: string; fingerprint: string; ageDays: number | null; old: boolean }[];
  keyMaxAgeDays: number;
  /** Days without a pickup when it is idle (IDLE_DAYS or more), else null. */
  idleDays: number | null;
}

/** The longest Keep reason kept. */
export const REASON_MAX = 1000;

/** REVIEW_INTERVAL_DAYS and friends: a number of days (decimals allowed), more than 0 (or 0 too, `allowZero`), up to `max`. */
export function parseDays(text: string, o: { allowZero: boolean; max: number }): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim();
  if (!/^(?:\d{1,5}(?:\.\d{1,9})?|\.\d{1,9})$/.test(t)) return { ok: false, error: 'must be a number of days such as 90 or 0.5' };
  const days = Number(t);
  if (!o.allowZero && days === 0) return { ok: false, error: 'must be more than 0 days' };
  if (days > o.max) return { ok: false, error: `must be at most ${o.max} days` };
  return { ok: true, value: days };
}
