/** What the lifecycle listeners (offboarding, keys, partner changes, drift) need; built by src/main.ts. */
import { ErrorCode, InternalError } from '../domain/errors.js';
import type { RequestChangeResult } from '../actions/lifecycle/index.js';
import type { DecideInput, DecideResult } from '../actions/approval/index.js';
import type { ChangeRequest, ChangeSpec } from '../domain/requests.js';
import type { KeyChangesResult } from '../actions/lifecycle/index.js';
import type { EditResult, EditView } from '../actions/lifecycle/index.js';
import type { ReapplyInput } from '../actions/lifecycle/index.js';
import type { PartnerEditSubmission } from '../actions/lifecycle/index.js';
import type { KeysModalInput, KeysSubmission } from '../actions/lifecycle/index.js';

export interface LifecycleBotDeps {
  requestChange: (input: { partnerId: string; requestedBy: string; spec: ChangeSpec }) => Promise<RequestChangeResult>;
  decideChange: (input: Omit<DecideInput, 'id'> & { changeId: string }) => Promise<DecideResult<ChangeRequest>>;
  partnerKeysView: (partnerId: string) => Promise<{ ok: true; view: KeysModalInput } | { ok: false; message: string }>;
  requestKeyChanges: (input: KeysSubmission & { requestedBy: string }) => Promise<KeyChangesResult>;
  partnerForEdit: (partnerId: string) => Promise<EditView>;
  editPartner: (input: PartnerEditSubmission & { requestedBy: string }) => Promise<EditResult>;
  requestReapply: (input: ReapplyInput) => Promise<{ ok: boolean; message: string }>;
}

/** The lifecycle deps, or an error for the app's handler when the composition root did not wire them. */
export function requireLifecycle(deps: { lifecycle?: LifecycleBotDeps | undefined }): LifecycleBotDeps {
  if (!deps.lifecycle) throw new InternalError(ErrorCode.LifecycleNotWired, 'the partner lifecycle is not wired in this process');
  return deps.lifecycle;
}
