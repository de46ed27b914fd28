export { createPlatformEventsSource, handlePlatformEvent, type EventOutcome, type PlatformEventsDeps } from './consumer.js';
