/**
 * One snapshot of everything the App Home shows (docs/app-home.md "Where the data comes from"):
 * a handful of reads whatever the number of partners — each a single call or one pipeline — run
 * at once.
 */
import { countOverdue, type FailedRun, type HomeSnapshot, type PartnerSummary, type RecentDelivery, type ReviewDue } from '../../domain/home.js';
import type { DeliveryRecord } from '../../domain/delivery.js';
import type { ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { RunFailure } from '../../domain/run.js';
import { cardRef } from '../../bot/messages/ids.js';
import type { Clock } from '../ports.js';

/** How many pending requests and changes a snapshot reads (the Home shows a few, the approvals channel all). */
const PENDING_READ = 50;
/** How many failed partners a snapshot reads the failed step of. */
const FAILED_READ = 20;
const RECENT_READ = 20;

interface PendingReader<T> {
  pendingIds(limit: number): Promise<string[]>;
  get(id: string): Promise<T | null>;
}

export interface HomeReadDeps {
  clock: Clock;
  partners: { summaries(): Promise<PartnerSummary[]> };
  deliveries: { lastDelivered(): Promise<Map<string, string>>; recent(count: number): Promise<DeliveryRecord[]> };
  lastPickups(partnerIds: readonly string[]): Promise<Map<string, string>>;
  /** Every overdue delivery's member, `<partnerId>\t<dh>`. */
  overdueMembers(): Promise<string[]>;
  requests: PendingReader<OnboardingRequest>;
  changes: PendingReader<ChangeRequest>;
  failures(kind: 'provision' | 'verify', requestIds: readonly string[]): Promise<(RunFailure | null)[]>;
  /** Where each ref's message landed. */
  threads(refs: readonly string[]): Promise<Map<string, { channel: string; ts: string }>>;
  /** Access reviews due (the reviews capability's reader; nothing until it is wired). */
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
      error: found[i] ? `${found[i]!.code}: ${found[i]!.message}` : null,
    }));
  return [...runs('provision', of('provision'), prov), ...runs('verify', of('verify'), ver)];
}

const recentOf = (r: DeliveryRecord): RecentDelivery => ({
  at: r.at, partnerId: r.partnerId, key: r.key, outcome: r.outcome,
  ...(r.error ? { error: `${r.error.code}: ${r.error.message}` } : {}), ...(r.forcedBy ? { forcedBy: r.forcedBy } : {}),
});

export async function readHomeSnapshot(deps: HomeReadDeps): Promise<HomeSnapshot> {
  const at = deps.clock.now().toISOString();
  const [summaries, lastDelivered, overdue, requests, changes, recent, reviewsDue] = await Promise.all([
    deps.partners.summaries(), deps.deliveries.lastDelivered(), deps.overdueMembers(), pending(deps.requests), pending(deps.changes),
    deps.deliveries.recent(RECENT_READ), deps.reviewsDue(),
  ]);
  const partners = summaries.sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
  const ids = partners.map((p) => p.partnerId);
  const [lastPickup, refs, failed] = await Promise.all([deps.lastPickups(ids), deps.threads(partners.map((p) => p.threadRef)), failedRuns(deps, partners)]);
  const threads = new Map<string, { channel: string; ts: string }>();
  for (const p of partners) {
    const where = refs.get(p.threadRef);
    if (where) threads.set(p.partnerId, where);
  }
  // A request not yet a partner has its card's thread too.
  const cardRefs = await deps.threads(requests.map((r) => cardRef(r.id)));
  for (const r of requests) {
    const where = cardRefs.get(cardRef(r.id));
    if (where && !threads.has(r.partnerId)) threads.set(r.partnerId, where);
  }
  return {
    partners, lastDelivered, lastPickup, overdue: countOverdue(overdue), threads, requests, changes, failed,
    recent: recent.map(recentOf), reviewsDue, at,
  };
}
