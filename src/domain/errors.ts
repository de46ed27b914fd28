/**
 * The one error vocabulary. Every code the program raises is in ErrorCode, whether it is thrown (a
 * job failure, an AWS or Slack failure) or answered (a refusal: `{ ok: false, code, message }`).
 * Each kind of failure is a class carrying its code, whether retrying can help, and its cause.
 * AwsError and SlackError also carry the remote side's own codes (the SDK's exception names, Slack's
 * `error` strings): those vocabularies are AWS's and Slack's, and the metrics count them as they are.
 */
export const ErrorCode = {
  // The input is wrong (ValidationError).
  Validation: 'VALIDATION', PolicyTooLarge: 'POLICY_TOO_LARGE', ObjectTooLarge: 'OBJECT_TOO_LARGE', TooLargeToHash: 'TOO_LARGE_TO_HASH',
  // Deciding an approval, and the re-check before a job acts on it (answered refusals).
  NotApprover: 'not_approver', SelfApproval: 'self_approval', AlreadyDecided: 'already_decided', Expired: 'expired',
  UnknownRequest: 'unknown_request', UnknownChange: 'unknown_change', WrongKind: 'wrong_kind', NotApproved: 'not_approved',
  SelfApproved: 'self_approved', ApproverNotApprover: 'approver_not_approver', ApprovedAfterExpiry: 'approved_after_expiry',
  PartnerIdNotHeld: 'partner_id_not_held', PlanChanged: 'plan_changed',
  // An approval given the wrong way: a reaction on a change (src/domain/approval.ts `mayApproveVia`); a
  // re-apply that creates something or rewrites a trust policy, without a second approver (src/domain/drift.ts).
  ButtonRequired: 'button_required', SecondApproverNeeded: 'second_approver_needed',
  // The stored item does not match its seal (src/domain/approval-seal.ts): never acted on.
  IntegrityFailed: 'integrity_failed',
  // The other use cases' refusals (answered), and what a job refuses to do (RefusedError).
  InvalidPartnerId: 'invalid_partner_id', UnknownPartner: 'unknown_partner', Offboarded: 'offboarded', NotLive: 'not_live',
  NoAccount: 'no_account', AlreadyOpen: 'already_open', NoChange: 'no_change', NotFailed: 'not_failed', AlreadyRetried: 'already_retried',
  NotAllowed: 'not_allowed', NotOwner: 'not_owner', BadInput: 'bad_input', NotFound: 'not_found', Ambiguous: 'ambiguous', DriftChanged: 'drift_changed',
  PolicyCheckFailed: 'POLICY_CHECK_FAILED', NoRole: 'NO_ROLE', DryRun: 'DRY_RUN',
  // A paced AWS call whose service's shared budget (src/domain/aws-pace.ts) is spent for longer than a job waits (BudgetError).
  OutOfBudget: 'OUT_OF_BUDGET',
  PartnerIdTaken: 'partner_id_taken', SftpLimit: 'sftp_limit', RoleLimit: 'role_limit', Invalid: 'invalid',
  // SSH keys while TRANSFER_HOST is unset (src/domain/access.ts `sftpEndpointRefusal`).
  SftpHostUnset: 'sftp_host_unset',
  // An SSH key registered to, or requested for, another partner (src/domain/ssh-key-holder.ts).
  SshKeyInUse: 'ssh_key_in_use',
  // Something that should be there is not (NotFoundError).
  TransferUserMissing: 'TRANSFER_USER_MISSING', RoleMissing: 'ROLE_MISSING', PartnerMissing: 'PARTNER_MISSING',
  SourceMissing: 'SOURCE_MISSING', RefNotFound: 'ref_not_found',
  // What is there is not what this needs: not ours, different, or not settled yet (ConflictError).
  ResourceNotOurs: 'RESOURCE_NOT_OURS', TransferUserDiffers: 'TRANSFER_USER_DIFFERS', RoleDiffers: 'ROLE_DIFFERS', StatusChanged: 'STATUS_CHANGED',
  SourceChanged: 'SOURCE_CHANGED', TransferNotSettled: 'TRANSFER_NOT_SETTLED', AccessNotYetGone: 'ACCESS_NOT_YET_GONE',
  // A result does not hold up against what it should be (IntegrityError).
  VerifyMismatch: 'VERIFY_MISMATCH', VerifyUnavailable: 'VERIFY_UNAVAILABLE', VerifyFailed: 'VERIFY_FAILED',
  // AWS answered, but not what the SDK models (AwsError).
  UnreadableAnswer: 'UNREADABLE_ANSWER', NoUploadId: 'NoUploadId', NoETag: 'NoETag', NoCredentials: 'NoCredentials',
  // A queued Slack message that cannot be read back (the notify queue's dead letters).
  InvalidMessage: 'invalid_message',
  // A bug or a wiring mistake (InternalError).
  LifecycleNotWired: 'LIFECYCLE_NOT_WIRED', StatusByEvent: 'STATUS_BY_EVENT',
  // What a step runner records for a failure that is not one of ours (a bug, or BullMQ's own).
  Unrecoverable: 'UNRECOVERABLE', Internal: 'INTERNAL',
  // A job whose worker died with it too often: reported instead of run again (src/jobs/platform/stalls.ts).
  WorkerStalled: 'WORKER_STALLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refusal answered rather than thrown: its code, and what the person (or the thread) is told. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

/** `retryable`: whether trying the same again later can help (false unless said). */
export type ErrorOptions = { retryable?: boolean; cause?: unknown };

/** What every error below is: `code` (ours, or the remote side's), `retryable`, `cause`. Throw a kind, not this. */
export abstract class AppError extends Error {
  readonly retryable: boolean;
  constructor(readonly code: string, message: string, options: ErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.retryable = options.retryable ?? false;
    this.name = new.target.name;
  }
}

/** The kinds whose codes are all ours. */
abstract class OwnError extends AppError {
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The input is wrong; nothing was changed. Shown to the user as is. */
export class ValidationError extends OwnError {
  constructor(message: string, readonly field?: string, code: ErrorCode = ErrorCode.Validation) {
    super(code, message);
  }
}

/** Not allowed — to this actor, in this state, or in DRY_RUN; nothing was changed. */
export class RefusedError extends OwnError {}

/** Something that should be there is not. */
export class NotFoundError extends OwnError {}

/** What is there is not what this needs: another's resource, different from intended, or not settled yet. */
export class ConflictError extends OwnError {}

/** A result does not hold up against what it should be (a copy that does not match its source). */
export class IntegrityError extends OwnError {}

/**
 * A paced AWS call could not take a token from its service's shared bucket within the wait a job
 * allows: nothing was sent. Retryable: the job is delayed `retryInMs` and carries on from where it was.
 */
export class BudgetError extends OwnError {
  constructor(readonly service: string, readonly retryInMs: number) {
    super(ErrorCode.OutOfBudget, `the ${service} budget is spent for ${Math.ceil(retryInMs)} ms`, { retryable: true });
  }
}

/** A bug or a wiring mistake: nobody's input, and retrying does not help. */
export class InternalError extends OwnError {}

export type AwsService = 'transfer' | 'iam' | 'sts' | 's3' | 'kms' | 'access-analyzer' | 'sqs';

/** An AWS call failed (src/aws/aws-error.ts makes these from SDK exceptions): AWS's code, or ours when AWS gave none. */
export class AwsError extends AppError {
  readonly httpStatus: number | undefined;
  constructor(
    readonly service: AwsService,
    readonly operation: string,
    code: string,
    message: string,
    options: ErrorOptions & { httpStatus?: number | undefined } = {},
  ) {
    super(code, message, options);
    this.httpStatus = options.httpStatus;
  }
}

/** A Slack call failed (src/jobs/notify/slack-errors.ts makes these): Slack's code; `retryAfterMs` when Slack said how long to wait. */
export class SlackError extends AppError {
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, options: ErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
