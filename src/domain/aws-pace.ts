/**
 * Pacing of the background AWS work — the drift sweep, the daily isolation probes and the checks
 * platform events ask for — by one token bucket per AWS service, shared by every worker process
 * through Redis (src/store/token-buckets.ts runs this arithmetic as a Lua script). Pure: the rates,
 * the bucket arithmetic (GCRA, the token bucket written as one timestamp) and the sums the
 * benchmarks use. Provisioning, offboarding, partner changes and re-applies are not paced: they are
 * two-person, human-paced work, and the buckets leave them the other half (or more) of each rate
 * (docs/security.md "AWS request rates").
 */

export const PACED_SERVICES = ['iam', 'sts', 'transfer', 's3-control'] as const;
export type PacedService = (typeof PACED_SERVICES)[number];

/** A token bucket: `perSecond` tokens a second, at most `burst` at once. */
export interface PaceRate {
  perSecond: number;
  burst: number;
}

export type PaceRates = Record<PacedService, PaceRate>;

/**
 * What AWS publishes for each service's default rate in an account (null: no number published), and
 * where. docs/security.md "AWS request rates" quotes each.
 */
export const AWS_PUBLISHED_RATES: Record<PacedService, { perSecond: number | null; what: string; source: string }> = {
  iam: {
    perSecond: null,
    what: 'IAM throttles each API with its own token buckets per account; AWS publishes no numbers and the rates cannot be raised',
    source: 'AWS Security Blog, "How to monitor and query IAM resources at scale – Part 2"; AWS re:Post Knowledge Center, "iam-sts-throttling-error"',
  },
  sts: {
    perSecond: 600,
    what: 'AssumeRole: 600 requests per second per account per Region (adjustable in Service Quotas)',
    source: 'AWS General Reference, "AWS Security Token Service endpoints and quotas"',
  },
  transfer: {
    perSecond: null,
    what: 'Transfer Family publishes resource quotas (10,000 users per server) but no API request rate',
    source: 'AWS General Reference, "AWS Transfer Family endpoints and quotas"',
  },
  's3-control': {
    perSecond: 5500,
    what: 'S3: at least 5,500 GET/HEAD requests per second per partitioned prefix; no separate rate is published for bucket-configuration reads',
    source: 'Amazon S3 User Guide, "Best practices design patterns: optimizing Amazon S3 performance"',
  },
};

/**
 * The defaults: at most half of each published rate, and low where none is published (a sweep of
 * 10,000 partners still fits in well under a day: docs/benchmarks.md "Sweep at scale").
 */
export const DEFAULT_PACE_RATES: PaceRates = {
  iam: { perSecond: 5, burst: 5 },
  sts: { perSecond: 10, burst: 10 },
  transfer: { perSecond: 5, burst: 5 },
  's3-control': { perSecond: 5, burst: 5 },
};

/** A job waits at most this long for a token; longer, it is delayed and carries on later (BudgetError). */
export const DEFAULT_MAX_WAIT_MS = 10_000;

/** The drift sweep's interval: hourly alone, every 6 hours as the safety net behind platform events. */
export const DRIFT_SWEEP_HOURS = { alone: 1, behindEvents: 6 } as const;

export function defaultDriftSweepHours(platformEventsOn: boolean): number {
  return platformEventsOn ? DRIFT_SWEEP_HOURS.behindEvents : DRIFT_SWEEP_HOURS.alone;
}

/** The GCRA form of a bucket: one token every `intervalMs`, `burst` back to back. */
export interface Gcra {
  intervalMs: number;
  burst: number;
}

export const gcraOf = (r: PaceRate): Gcra => ({ intervalMs: 1000 / r.perSecond, burst: Math.max(1, Math.floor(r.burst)) });

/**
 * Takes one token at `now` (ms) from a bucket whose theoretical arrival time is `tat` (null: a full
 * bucket). Answers the wait (0: taken, and the new `tat`; more: nothing taken, ask again after it).
 */
export function gcraTake(tat: number | null, now: number, g: Gcra): { waitMs: number; tat: number | null } {
  const tolerance = g.intervalMs * (g.burst - 1);
  const t = Math.max(tat ?? now, now);
  const allowAt = t - tolerance;
  if (now < allowAt) return { waitMs: allowAt - now, tat };
  return { waitMs: 0, tat: t + g.intervalMs };
}

/** Empties the bucket and holds it shut for `holdMs` (AWS said "throttled"): the new `tat`. */
export function gcraHold(tat: number | null, now: number, holdMs: number, g: Gcra): number {
  const tolerance = g.intervalMs * (g.burst - 1);
  return Math.max(tat ?? now, now + holdMs + tolerance);
}

/** AWS calls of one kind of work, per service. */
export type CallCounts = Partial<Record<PacedService, number>>;

/**
 * How long `calls` take at `rates` when the buckets are the bottleneck: the slowest service's
 * calls ÷ rate (services refill side by side; each bucket's burst is spent once). Seconds.
 */
export function pacedSeconds(calls: CallCounts, rates: PaceRates): number {
  return Math.max(0, ...PACED_SERVICES.map((s) => Math.max(0, (calls[s] ?? 0) - rates[s].burst) / rates[s].perSecond));
}

/** Each rate as a share of what AWS publishes for the service (null where nothing is published). */
export function shareOfPublished(rates: PaceRates): Record<PacedService, number | null> {
  return Object.fromEntries(PACED_SERVICES.map((s) => {
    const published = AWS_PUBLISHED_RATES[s].perSecond;
    return [s, published === null ? null : rates[s].perSecond / published];
  })) as Record<PacedService, number | null>;
}
