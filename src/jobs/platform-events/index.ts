export { createPlatformEventsSource, handlePlatformEvent, type EventOutcome, type PlatformEventsDeps } from './consumer.js';
export {
  flushDuePickups, flushPickupThread, handlePickupMessage, recordEarlyPickups, startPickupFlusher, PICKUP_WINDOW_MS,
  type PickupDeps, type PickupHandled,
} from './pickups.js';
