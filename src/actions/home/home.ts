/**
 * The App Home's use cases (docs/app-home.md): a person opens the tab, filters or turns a page,
 * searches partner ids, is told of a refusal; and the view the publisher sends them, built from a
 * snapshot when it is sent. Publishing itself is the home queue's (src/jobs/home), reached through
 * the `refresh` port.
 */
import { cleanIdPrefix, DEFAULT_HOME_STATE, readHomeState, type HomeDetails, type HomeSnapshot, type HomeState } from '../../domain/home.js';
import type { PartnerStatus } from '../../domain/partner.js';
import { buildHomeView, detailsWanted, HOME_LIMITS, homeSelection, idOption, prefixOption, type HomeView } from '../../bot/messages/home.js';
import type { ApproverDirectory, Clock, MemberDirectory } from '../ports.js';

/** Queues a publish of these people's Home: `now` for someone who asked (no coalescing window). */
export type HomeRefresh = (users: readonly string[], o: { now: boolean }) => Promise<void>;

export interface HomeStateStore {
  opened(user: string, nowMs: number): Promise<void>;
  state(user: string): Promise<unknown>;
  setState(user: string, state: unknown): Promise<void>;
  notice(user: string): Promise<string | null>;
  setNotice(user: string, text: string): Promise<void>;
  /** Forgets what was published to the person: the next publish goes even if the view is the same. */
  forgetSent(user: string): Promise<void>;
}

export interface HomeDeps {
  clock: Clock;
  store: HomeStateStore;
  refresh: HomeRefresh;
}

/** The tab was opened. `shown`: Slack sent the view the person has (published before). */
export async function openHome(deps: HomeDeps, input: { user: string; shown: boolean }): Promise<void> {
  await deps.store.opened(input.user, deps.clock.now().getTime());
  if (!input.shown) await deps.store.forgetSent(input.user);
  await deps.refresh([input.user], { now: true });
}

/** What a Home control asks for. */
export type HomeNavigation =
  | { kind: 'id'; value: string }
  | { kind: 'status'; value: string }
  | { kind: 'page'; value: string }
  | { kind: 'clear' };

/** The person's filter or page changed: kept, and their Home published at once. */
export async function navigateHome(deps: HomeDeps, input: { user: string; to: HomeNavigation }): Promise<HomeState> {
  const current = readHomeState(await deps.store.state(input.user));
  const next = navigate(current, input.to);
  await deps.store.setState(input.user, next);
  await deps.refresh([input.user], { now: true });
  return next;
}

function navigate(current: HomeState, to: HomeNavigation): HomeState {
  switch (to.kind) {
    case 'clear':
      return DEFAULT_HOME_STATE;
    case 'id': {
      const [how, rest = ''] = to.value.split(/:(.*)/s);
      const prefix = how === 'id' || how === 'prefix' ? cleanIdPrefix(rest) : '';
      return readHomeState({ ...current, idPrefix: prefix || null, page: 0 });
    }
    case 'status':
      return readHomeState({ ...current, status: to.value as PartnerStatus, page: 0 });
    case 'page':
      return readHomeState({ ...current, page: Number(to.value) });
  }
}

/** The id select's options for what was typed: "ids starting with …" first, then up to 99 ids. */
export async function searchPartnerIds(
  deps: { idsStartingWith(prefix: string, limit: number): Promise<string[]> }, typed: string,
): Promise<{ options: ReturnType<typeof idOption>[] }> {
  const prefix = cleanIdPrefix(typed);
  if (prefix === '') return { options: [] };
  const ids = await deps.idsStartingWith(prefix, HOME_LIMITS.options - 1);
  return { options: [prefixOption(prefix), ...ids.map(idOption)] };
}

/** A refusal of a Home button (nowhere else to say it): shown at the top of that person's Home. */
export async function noticeOnHome(deps: HomeDeps, input: { user: string; message: string }): Promise<void> {
  await deps.store.setNotice(input.user, input.message.slice(0, 2000));
  await deps.refresh([input.user], { now: true });
}

export interface HomeViewDeps {
  /** The shared snapshot, read after `notBeforeMs` (0: any recent one). */
  snapshot(notBeforeMs?: number): Promise<HomeSnapshot>;
  details(wanted: { partnerIds: string[]; threadRefs: ReadonlyMap<string, string> }): Promise<HomeDetails>;
  store: Pick<HomeStateStore, 'state' | 'notice'>;
  approvers: ApproverDirectory;
  members: MemberDirectory;
}

/**
 * The view to publish to a person now, and the notice it shows (cleared once published); from a
 * snapshot read after `markedAtMs`, when a change last marked their Home.
 */
export async function homeViewFor(deps: HomeViewDeps, user: string, markedAtMs = 0): Promise<{ view: HomeView; notice: string | null }> {
  const [snapshot, state, notice, approver] = await Promise.all([
    deps.snapshot(markedAtMs), deps.store.state(user), deps.store.notice(user), deps.approvers.isApprover(user),
  ]);
  const member = approver || (await deps.members.isMember(user));
  const viewer = { user, member, approver };
  const filter = readHomeState(state);
  const details = await deps.details(detailsWanted(snapshot, homeSelection(snapshot, viewer, filter)));
  return { view: buildHomeView({ snapshot, details, viewer, state: filter, notice }), notice };
}

/**
 * How far apart the clocks of the process that marks a Home (web) and the one that builds it
 * (worker) may be: a snapshot is taken as read after a mark only if it started this much later.
 */
export const MARK_CLOCK_MARGIN_MS = 100;

/**
 * One snapshot shared by every person published within `ms` (a pass over the viewers reads the
 * stores once), as long as it was read after `notBeforeMs`: a person's Home is never built from
 * stores read before the change that marked it.
 */
export function sharedSnapshot(read: () => Promise<HomeSnapshot>, ms: number): (notBeforeMs?: number) => Promise<HomeSnapshot> {
  let last: { at: number; snapshot: Promise<HomeSnapshot> } | undefined;
  return (notBeforeMs = 0) => {
    const now = Date.now();
    if (!last || now - last.at > ms || last.at <= notBeforeMs + MARK_CLOCK_MARGIN_MS) {
      const current = { at: now, snapshot: read() };
      last = current;
      current.snapshot.catch(() => {
        if (last === current) last = undefined;
      });
    }
    return last.snapshot;
  };
}
