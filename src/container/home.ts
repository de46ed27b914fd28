/**
 * The App Home wired (docs/app-home.md): its use cases for the listeners, the snapshot reader over
 * the stores, and the publisher's worker group.
 */
import type { HomeUseCases } from '../bot/deps.js';
import { homeViewFor, navigateHome, noticeOnHome, openHome, readHomeDetails, readHomeSnapshot, searchPartnerIds, sharedSnapshot, type HomeDeps, type HomeReadDeps } from '../actions/home/index.js';
import type { ReviewDue } from '../domain/home.js';
import { DAY_MS, NOTICE_DAYS } from '../domain/reviews.js';
import { listDueReviews } from '../store/reviews.js';
import { createHomeWorker, scheduleHomeSweep, DEFAULT_HOME_OPTIONS } from '../jobs/home/index.js';
import { HomeStore } from '../store/home.js';
import { resolveRefs } from '../store/message-refs.js';
import { DeadlineStore } from '../store/pickup-deadlines.js';
import { PickupStore } from '../store/pickups.js';
import { RunStore } from '../store/runs.js';
import type { Container } from './container.js';
import type { WorkerGroup } from './workers.js';

/** Access reviews open or overdue (docs/reviews.md): due within the notice the owner gets, or past due. */
const reviewsDue = (c: Container): (() => Promise<ReviewDue[]>) => async () =>
  listDueReviews(c.redis, c.config.prefix, { nowMs: c.clock.now().getTime(), withinMs: NOTICE_DAYS * DAY_MS, limit: 100 });

export function homeReadDeps(c: Container): HomeReadDeps {
  const { redis } = c;
  const { prefix } = c.config;
  const pickups = new PickupStore(redis, prefix);
  const deadlines = new DeadlineStore(redis, prefix);
  const runs = new RunStore(redis, prefix);
  return {
    clock: c.clock,
    partners: c.stores.partners,
    deliveries: c.stores.deliveries,
    lastPickups: (ids) => pickups.lastPickupTimes(ids),
    overdueMembers: () => deadlines.overdueMembers(),
    requests: c.stores.requests,
    changes: c.stores.changes,
    failures: (kind, ids) => runs.failures(kind, ids),
    threads: (refs) => resolveRefs(redis, prefix, refs),
    reviewsDue: reviewsDue(c),
  };
}

export function homeUseCases(c: Container): HomeUseCases {
  const store = new HomeStore(c.redis, c.config.prefix);
  const deps: HomeDeps = { clock: c.clock, store, refresh: (users, o) => c.refreshHome(users, o) };
  return {
    openHome: (input) => openHome(deps, input),
    navigateHome: (input) => navigateHome(deps, input),
    searchPartnerIds: (typed) => searchPartnerIds(c.stores.partners, typed),
    noticeOnHome: (input) => noticeOnHome(deps, input),
  };
}

/** The Home's publisher and its minute sweep. */
export function homeWorkers(c: Container): WorkerGroup {
  const { config, logger } = c;
  const options = { ...DEFAULT_HOME_OPTIONS, ...c.overrides.workerOptions?.home };
  // Shared within half the change delay, and never older than the mark of the person it is built for.
  const read = homeReadDeps(c);
  const snapshot = sharedSnapshot(() => readHomeSnapshot(read), Math.min(500, options.changeDelayMs / 2));
  const store = new HomeStore(c.redis, config.prefix);
  const worker = createHomeWorker({
    redis: c.workerRedis(), prefix: config.prefix, logger,
    slack: { apiCall: async (method, args) => ({ ...(await c.slack.apiCall(method, args)) }) },
    viewFor: (user, markedAtMs) => homeViewFor({ snapshot, details: (wanted) => readHomeDetails(read, wanted), store, approvers: c.approvers, members: c.members }, user, markedAtMs),
    onSlackError: (code) => c.metrics.slackErrors.inc({ code }),
    options,
    ...(c.overrides.workerOptions?.stall ? { stall: c.overrides.workerOptions.stall } : {}),
  });
  return {
    workers: [worker],
    start: () => scheduleHomeSweep(c.queues.home, options.sweepEveryMs),
    close: async () => worker.close(),
  };
}
