/** jobs/lifecycle: what the rest of the program may use; everything else in this folder is internal. */
export { findDrift, intendedFor } from './drift.js';
export { findPlatformDrift, platformDifference } from './platform-drift.js';
export { createLifecycleQueues, createLifecycleWorkers, type LifecycleQueues, type LifecycleWorkerOptions } from './lifecycle-workers.js';
export { addOffboardJob } from './offboard.js';
export { addPartnerChangeJob } from './partner-change.js';
export { formatRebuildReport, rebuildRegistry } from './rebuild-registry.js';
export {
  addEventCheckJob, addReapplyJob, addSweepJob, changeCausesKey, CHECK_JOB, createReconcileProcessor, driftKey, EVENT_CHECK_COALESCE_MS, PROVE_JOB, quarantineOnEvent, readDrift,
  type QuarantineDeps, type ReconcilePayload,
} from './reconcile.js';
