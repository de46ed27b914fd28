/**
 * The lifecycle use cases bound for the Slack listeners: one call from the composition root gives
 * every function of LifecycleBotDeps. An approved change is handed to the job of its kind.
 */
import type { LifecycleBotDeps } from '../bot/lifecycle-deps.js';
import type { ChangeRequest } from '../domain/requests.js';
import { addOffboardJob } from '../jobs/lifecycle/index.js';
import { addPartnerChangeJob } from '../jobs/lifecycle/index.js';
import { partnerKeysView, requestKeyChanges } from '../actions/lifecycle/index.js';
import { editPartner, partnerForEdit } from '../actions/lifecycle/index.js';
import type { PartnerStore } from '../store/partners.js';
import type { Redis } from 'ioredis';
import { requestReapply } from '../actions/lifecycle/index.js';
import { addReapplyJob, driftKey } from '../jobs/lifecycle/index.js';
import type { LifecycleQueues } from '../jobs/lifecycle/index.js';
import { changeApprovals, decide } from '../actions/approval/index.js';
import { requestChange, type ChangeDeps } from '../actions/lifecycle/index.js';
import type { ApproverDirectory } from '../actions/ports.js';

export interface LifecycleUseCaseDeps extends ChangeDeps {
  approvers: ApproverDirectory;
  queues: LifecycleQueues;
  keyMaxAgeDays: number;
  partners: PartnerStore;
  feeds: string[];
  redis: Redis;
  prefix: string;
}

export function applyChange(queues: LifecycleQueues) {
  return async (change: ChangeRequest): Promise<void> => {
    switch (change.spec.kind) {
      case 'offboard':
        return addOffboardJob(queues.offboard, change.id);
      case 'ssh-keys':
      case 'external-id':
      case 'add-feeds':
        return addPartnerChangeJob(queues.partnerChange, change.id);
    }
  };
}

export function createLifecycleUseCases(deps: LifecycleUseCaseDeps): LifecycleBotDeps {
  const decideDeps = { ...deps, kind: changeApprovals(deps.changes), onApproved: applyChange(deps.queues) };
  return {
    requestChange: (input) => requestChange(deps, input),
    decideChange: ({ changeId, ...input }) => decide(decideDeps, { id: changeId, ...input }),
    partnerKeysView: (partnerId) => partnerKeysView(deps, partnerId),
    requestKeyChanges: (input) => requestKeyChanges(deps, input),
    partnerForEdit: (partnerId) => partnerForEdit(deps, partnerId),
    editPartner: (input) => editPartner(deps, input),
    requestReapply: (input) =>
      requestReapply({
        ...deps,
        currentDrift: (partnerId) => deps.redis.get(driftKey(deps.prefix, partnerId)),
        enqueueReapply: (partnerId, by, hash) => addReapplyJob(deps.queues.reconcile, partnerId, by, hash),
      }, input),
  };
}
