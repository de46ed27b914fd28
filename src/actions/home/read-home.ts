/**
 * What the App Home shows, read from the stores (docs/app-home.md "Where the data comes from"): one
 * snapshot shared by everyone — a handful of reads whatever the number of partners, run at once —
 * and, per person, the details of the few partners their Home lists.
 */
import { failureAdvice } from '../../domain/failure-advice.js';
import { countOverdue, type FailedRun, type HomeDetails, type HomeSnapshot, type PartnerSummary, type RecentDelivery, type ReviewDue } from '../../domain/home.js';
import type { DeliveryRecord } from '../../domain/delivery.js';
import type { ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { RunFailure } from '../../domain/run.js';
import type { Clock } from '../ports.js';

/** How many pending requests and changes a snapshot reads (the Home shows a few, the approvals channel all). */
const PENDING_READ = 50;
/** How many failed partners a snapshot reads the failed step of. */
const FAILED_READ = 20;
const RECENT_READ = 20;
/** How far back a partner's history is looked at for its last delivery, when the hash has none. */
const HISTORY_LOOK = 20;

interface PendingReader<T> {
  pendingIds(limit: number): Promise<string[]>;
  get(id: string): Promise<T | null>;
}

export interface HomeReadDeps {
  clock: Clock;
  partners: { summaries(): Promise<PartnerSummary[]> };
  deliveries: {
    lastDelivered(partnerIds: readonly string[]): Promise<Map<string, string>>;
    recent(count: number): Promise<DeliveryRecord[]>;
    history(partnerId: string, count: number): Promise<DeliveryRecord[]>;
  };
  lastPickups(partnerIds: readonly string[]): Promise<Map<string, string>>;
  /** Every overdue delivery's member, `<partnerId>\t<dh>`. */
  overdueMembers(): Promise<string[]>;
  requests: PendingReader<OnboardingRequest>;
  changes: PendingReader<ChangeRequest>;
  failures(kind: 'provision' | 'verify', requestIds: readonly string[]): Promise<(RunFailure | null)[]>;
  /** Where each ref's message landed. */
  threads(refs: readonly string[]): Promise<Map<string, { channel: string; ts: string }>>;
  /** Access reviews open or overdue (the reviews store's). */
  reviewsDue(): Promise<ReviewDue[]>;
}

async function pending<T>(store: PendingReader<T>): Promise<T[]> {
  const ids = await store.pendingIds(PENDING_READ);
  return (await Promise.all(ids.map((id) => store.get(id)))).filter((x): x is Awaited<T> & {} => x !== null) as T[];
}

async function failedRuns(deps: HomeReadDeps, partners: readonly PartnerSummary[]): Promise<FailedRun[]> {
  const failed = partners.filter((p) => p.status === 'provision_failed' || p.status === 'verify_failed').slice(0, FAILED_READ);
  const of = (kind: 'provision' | 'verify') => failed.filter((p) => (p.status === 'provision_failed') === (kind === 'provision'));
  const [prov, ver] = await Promise.all([
    deps.failures('provision', of('provision').map((p) => p.requestId)),
    deps.failures('verify', of('verify').map((p) => p.requestId)),
  ]);
  const runs = (kind: 'provision' | 'verify', list: PartnerSummary[], found: (RunFailure | null)[]): FailedRun[] =>
    list.map((p, i) => ({
      partnerId: p.partnerId, requestId: p.requestId, kind, step: kind === 'provision' ? (found[i]?.step ?? null) : null,
      error: found[i] ? failureAdvice(found[i]!.code).what : null,
    }));
  return [...runs('provision', of('provision'), prov), ...runs('verify', of('verify'), ver)];
}

const recentOf = (r: DeliveryRecord): RecentDelivery => ({
  at: r.at, partnerId: r.partnerId, key: r.key, outcome: r.outcome,
  ...(r.error ? { error: failureAdvice(r.error.code).what } : {}), ...(r.forcedBy ? { forcedBy: r.forcedBy } : {}),
});

/** Everything every partner needs to be filtered, counted and listed: the same for every person. */
export async function readHomeSnapshot(deps: HomeReadDeps): Promise<HomeSnapshot> {
  const at = deps.clock.now().toISOString();
  const [summaries, overdue, requests, changes, recent, reviewsDue] = await Promise.all([
    deps.partners.summaries(), deps.overdueMembers(), pending(deps.requests), pending(deps.changes), deps.deliveries.recent(RECENT_READ), deps.reviewsDue(),
  ]);
  const partners = summaries.sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
  return {
    partners, overdue: countOverdue(overdue), requests, changes, failed: await failedRuns(deps, partners), recent: recent.map(recentOf), reviewsDue, at,
  };
}

/** The last delivery and pickup of the partners one Home lists, and where their threads are: a few keys, one round trip each. */
export async function readHomeDetails(deps: HomeReadDeps, wanted: { partnerIds: string[]; threadRefs: ReadonlyMap<string, string> }): Promise<HomeDetails> {
  const [lastDelivered, lastPickup, refs] = await Promise.all([
    deps.deliveries.lastDelivered(wanted.partnerIds), deps.lastPickups(wanted.partnerIds), deps.threads([...new Set(wanted.threadRefs.values())]),
  ]);
  // Delivered to before the last-delivery hash existed: the newest delivery in the partner's own history.
  const before = wanted.partnerIds.filter((id) => !lastDelivered.has(id));
  const histories = await Promise.all(before.map((id) => deps.deliveries.history(id, HISTORY_LOOK)));
  before.forEach((id, i) => {
    const newest = histories[i]!.find((r) => r.outcome === 'delivered');
    if (newest) lastDelivered.set(id, newest.at);
  });
  const threads = new Map<string, { channel: string; ts: string }>();
  for (const [partnerId, ref] of wanted.threadRefs) {
    const where = refs.get(ref);
    if (where) threads.set(partnerId, where);
  }
  return { lastDelivered, lastPickup, threads };
}
