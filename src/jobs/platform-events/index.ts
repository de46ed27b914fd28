export { createPlatformEventsSource, handlePlatformEvent, type EventOutcome, type PlatformEventsDeps } from './consumer.js';
export {
  flushDuePickups, flushPickupThread, handlePickupMessage, recordEarlyPickups, recordFoundPickup, startPickupFlusher, PICKUP_WINDOW_MS,
  type PickupDeps, type PickupHandled,
} from './pickups.js';
export {
  createPickupDeadlinesWorker, overdueFiles, partnerPickupStatus, postOverdueDigest, schedulePickupDeadlines, sweepDeadlines,
  PICKUP_DEADLINES_QUEUE, type DeadlineDeps, type PartnerPickupStatus, type SweepResult,
} from './deadlines.js';
