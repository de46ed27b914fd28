/**
 * Pickup deadlines (docs/pickups.md "Deadlines"): how long a partner has to download a delivered
 * file (PICKUP_SLA_HOURS, per feed PICKUP_SLA_BY_FEED), when a file is overdue, and what the daily
 * digest shows. Pure.
 */

export interface PickupSla {
  /** Hours after the delivery, decimals allowed (0.001 h is 3.6 s: the demo). */
  defaultHours: number;
  /** Per-feed hours, overriding the default. */
  byFeed: Readonly<Record<string, number>>;
}

/** The longest deadline accepted: a year. Longer is a typo, not a deadline. */
export const SLA_MAX_HOURS = 24 * 366;
const HOURS = /^(?:\d{1,6}(?:\.\d{1,6})?|\.\d{1,6})$/;
const HOUR_MS = 3_600_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** "48", "0.5", "0.001": a positive number of hours up to a year. */
export function parseSlaHours(text: string): Parsed<number> {
  const t = text.trim();
  if (!HOURS.test(t)) return { ok: false, error: 'must be a number of hours such as 48 or 0.5' };
  const hours = Number(t);
  if (!(hours > 0)) return { ok: false, error: 'must be more than 0 hours' };
  if (hours > SLA_MAX_HOURS) return { ok: false, error: `must be at most ${SLA_MAX_HOURS} hours (a year)` };
  return { ok: true, value: hours };
}

/**
 * "price-lists=24,compliance=72": hours per feed. Every feed named must be one of FEEDS (a typo
 * would otherwise silently keep the default), at most once.
 */
export function parseSlaByFeed(text: string, feeds: readonly string[]): Parsed<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return { ok: false, error: `must be a comma list of feed=hours (price-lists=24,compliance=72); "${item.slice(0, 40)}" is not` };
    const feed = item.slice(0, eq).trim();
    if (!feeds.includes(feed)) return { ok: false, error: `names the feed "${feed.slice(0, 40)}", which is not in FEEDS (${feeds.join(', ')})` };
    if (Object.hasOwn(out, feed)) return { ok: false, error: `names the feed "${feed}" twice` };
    const hours = parseSlaHours(item.slice(eq + 1));
    if (!hours.ok) return { ok: false, error: `${feed}: ${hours.error}` };
    out[feed] = hours.value;
  }
  return { ok: true, value: out };
}

/** The file's feed's hours, else the default. */
export function slaHoursFor(sla: PickupSla, feed: string | null): number {
  return feed !== null && Object.hasOwn(sla.byFeed, feed) ? sla.byFeed[feed]! : sla.defaultHours;
}

/** When a file delivered at `at` (ISO) in `feed` must have been picked up, in ms. */
export function deadlineMs(sla: PickupSla, file: { at: string; feed: string | null }): number {
  return Date.parse(file.at) + Math.round(slaHoursFor(sla, file.feed) * HOUR_MS);
}

/** The shortest deadline of any feed: nothing delivered later than now minus this can be overdue. */
export function shortestSlaMs(sla: PickupSla): number {
  return Math.round(Math.min(sla.defaultHours, ...Object.values(sla.byFeed)) * HOUR_MS);
}

/** "48 h", "30 min", "4 s": the SLA as people read it. */
export function describeSla(hours: number): string {
  if (hours >= 1) return `${Number(hours.toFixed(2))} h`;
  const minutes = hours * 60;
  if (minutes >= 1) return `${Number(minutes.toFixed(1))} min`;
  return `${Number((minutes * 60).toFixed(1))} s`;
}

/** What the source of record (Transfer's log, CloudTrail) said about a file before it was called overdue. */
export type SourceOfRecord =
  /** A complete download was found: the file was picked up (its event was lost). */
  | { kind: 'found'; at: string; bytes: number | null; session: string; clientIp: string | null }
  /** Only partial or failed downloads were found. */
  | { kind: 'partial'; at: string; bytes: number | null; session: string }
  /** Looked, and found no download. */
  | { kind: 'not-found'; where: string }
  /** Could not look (no log group, an AWS error): said so, not guessed. */
  | { kind: 'unavailable'; why: string };

/** One overdue file as the digest and the reminder show it. */
export interface OverdueFile {
  partnerId: string;
  dh: string;
  targetKey: string;
  deliveredAt: string;
  deadlineMs: number;
}

/** The oldest overdue files first (by deadline, then key), at most `max`, for the digest. */
export function oldestOverdue(files: readonly OverdueFile[], max: number): OverdueFile[] {
  return [...files].sort((a, b) => a.deadlineMs - b.deadlineMs || a.targetKey.localeCompare(b.targetKey)).slice(0, max);
}

/** Overdue files per partner, most first (then by partner id). */
export function overdueByPartner(files: readonly OverdueFile[]): { partnerId: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(f.partnerId, (counts.get(f.partnerId) ?? 0) + 1);
  return [...counts].map(([partnerId, count]) => ({ partnerId, count })).sort((a, b) => b.count - a.count || a.partnerId.localeCompare(b.partnerId));
}

/** The UTC day of `ms` (2024-05-01): the digest's once-a-day mark. */
export function digestDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
