/**
 * What a failure means to the person told about it: the one place an error code (src/domain/errors.ts,
 * or AWS's own) becomes words. Every message that reports a failure takes its words from here; the
 * code itself stays in the logs and the audit trail, never in the message. Pure.
 *
 *   failureAdvice(code) → {
 *     what:   what happened, a clause without a capital or a full stop ("the file was removed from
 *             outbound/ before it could be copied"): a message's first line states it;
 *     why:    the cause, as far as the code tells it, a sentence;
 *     next:   the next step, a sentence naming the people who take it (never a setting);
 *     who:    who takes it — 'publisher' (the team or pipeline that publishes files to outbound/),
 *             'platform' (the platform team, who run partnergate and its AWS account), 'approvers',
 *             'anyone' (whoever reads it: pressing Resend is enough);
 *     resend: whether Resend (or /resend-file) can help — 'now', 'after' the next step, or 'no';
 *   }
 *
 * A code with no entry of its own gets its family's (src/domain/aws-error-kinds.ts: AWS throttling,
 * AWS's own failure, no answer, rights, credentials, an invalid request, not found; and KMS) or the
 * fallback's; `hasAdvice` says whether one has its own.
 */
import { ErrorCode } from './errors.js';
import {
  CREDENTIAL_CODES, DENIED_CODES, INVALID_CODES, NETWORK_CODES, NOT_FOUND_CODES, SERVER_CODES, THROTTLING_CODES,
} from './aws-error-kinds.js';

export type AdviceActor = 'publisher' | 'platform' | 'approvers' | 'anyone';

export interface FailureAdvice {
  what: string;
  why: string;
  next: string;
  who: AdviceActor;
  resend: 'now' | 'after' | 'no';
}

const PLATFORM_LOG = 'tell the platform team, with the time of this message: the details are in the bot’s log and the audit trail';
const PLATFORM_LOG_NOW = `${PLATFORM_LOG.charAt(0).toUpperCase()}${PLATFORM_LOG.slice(1)}.`;

const ADVICE: Readonly<Record<string, FailureAdvice>> = {
  // A delivery's copy (src/aws/s3-copy-verified.ts, s3-copy-source.ts, s3-multipart.ts).
  [ErrorCode.SourceMissing]: {
    what: 'the file was removed from outbound/ before it could be copied',
    why: 'The version that was published is no longer in the bucket.',
    next: 'Ask the team that publishes it to publish it again: the new version is delivered by itself, and Resend works again once it is back.',
    who: 'publisher', resend: 'after',
  },
  [ErrorCode.SourceChanged]: {
    what: 'the file was replaced while it was being copied',
    why: 'A newer version was published in the middle of the copy, so this one was not delivered.',
    next: 'Nothing to do: the newer version is delivered by itself.',
    who: 'anyone', resend: 'no',
  },
  [ErrorCode.VerifyMismatch]: {
    what: 'the copy did not match the original',
    why: 'S3 reported a different size or checksum for the copy than for the published file, on every try; the bad copy was removed where it could be.',
    next: `Press Resend to copy it again; if it fails again, ${PLATFORM_LOG}.`,
    who: 'anyone', resend: 'now',
  },
  [ErrorCode.VerifyUnavailable]: {
    what: 'the copy could not be checked against the original',
    why: 'S3 reported no checksum for it, and it is too large for the bot to compare by content.',
    next: `Resend would end the same way: ${PLATFORM_LOG}.`,
    who: 'platform', resend: 'no',
  },
  [ErrorCode.ObjectTooLarge]: {
    what: 'the file is too large to copy',
    why: 'S3 copies at most 10,000 parts of 5 GiB.',
    next: 'Ask the team that publishes it to split it into smaller files.',
    who: 'publisher', resend: 'no',
  },
  [ErrorCode.TooLargeToHash]: {
    what: 'the file is too large for the bot to check by content',
    why: 'S3 reported no checksum for it, and reading it whole is over the bot’s limit.',
    next: `Resend would end the same way: ${PLATFORM_LOG}.`,
    who: 'platform', resend: 'no',
  },
  [ErrorCode.NoUploadId]: {
    what: 'S3 gave an incomplete answer during the copy',
    why: 'S3 started a copy in parts but did not say which, on every try.',
    next: `Press Resend to try again; if it fails again, ${PLATFORM_LOG}.`,
    who: 'anyone', resend: 'now',
  },
  [ErrorCode.NoETag]: {
    what: 'S3 gave an incomplete answer during the copy',
    why: 'S3 copied a part but did not identify it, on every try.',
    next: `Press Resend to try again; if it fails again, ${PLATFORM_LOG}.`,
    who: 'anyone', resend: 'now',
  },
  [ErrorCode.UnreadableAnswer]: {
    what: 'AWS answered with something the bot could not read',
    why: 'The answer was not what AWS sends (a proxy’s error page, mostly), on every try.',
    next: `Press Resend to try again; if it fails again, ${PLATFORM_LOG}.`,
    who: 'anyone', resend: 'now',
  },
  [ErrorCode.OutOfBudget]: {
    what: 'the bot was too busy with AWS to do it in time',
    why: 'Its share of AWS calls was used up by other work for longer than this job waits.',
    next: 'Try again in a few minutes.',
    who: 'anyone', resend: 'now',
  },
  [ErrorCode.WorkerStalled]: {
    what: 'the worker stopped again and again while doing it',
    why: 'The process died (crashed or was stopped) during every try, so it is not tried again by itself: this may be what kills it.',
    next: `Try once more; if it stops again, ${PLATFORM_LOG}.`,
    who: 'anyone', resend: 'now',
  },
  // AWS's own answers that mean the same whatever the call.
  AccessDenied: {
    what: 'AWS refused the bot',
    why: 'The bot’s role is not allowed to do this (its permissions, the bucket policy or the key policy).',
    next: 'Ask the platform team to check the bot role’s rights (`partnergate doctor` lists what is missing); then try again.',
    who: 'platform', resend: 'after',
  },
  NoSuchBucket: {
    what: 'the distribution bucket is gone',
    why: 'AWS answered that the bucket the bot uses is not there.',
    next: 'Tell the platform team at once: every partner’s files are in it.',
    who: 'platform', resend: 'after',
  },
  InvalidObjectState: {
    what: 'the file is archived and cannot be copied',
    why: 'The published file is in an archive storage class (Glacier) and must be restored first.',
    next: 'Ask the team that publishes it to restore it or publish it again; then press Resend.',
    who: 'publisher', resend: 'after',
  },
  // The lifecycle jobs (provisioning, changes, offboarding).
  [ErrorCode.TransferUserMissing]: {
    what: 'the partner’s SFTP user is missing',
    why: 'AWS has no SFTP user where partnergate expects one: it was deleted outside partnergate, or, just created, it was not there yet when the tries ran out.',
    next: 'Ask an approver to re-apply the partner from its drift report, or offboard it.',
    who: 'approvers', resend: 'no',
  },
  [ErrorCode.RoleMissing]: {
    what: 'the partner’s role is missing',
    why: 'AWS has no role where partnergate expects one: it was deleted outside partnergate, or, just created, it was not there yet when the tries ran out.',
    next: 'Ask an approver to re-apply the partner from its drift report, or offboard it.',
    who: 'approvers', resend: 'no',
  },
  [ErrorCode.ResourceNotOurs]: {
    what: 'a resource with the partner’s name exists and was not made by partnergate',
    why: 'The bot changes only what it created (its tags say so), so it left it alone.',
    next: 'Ask the platform team who made it; once it is removed or renamed, ask again.',
    who: 'platform', resend: 'no',
  },
  [ErrorCode.TransferUserDiffers]: {
    what: 'the partner’s SFTP user is not as approved',
    why: 'Someone changed it outside partnergate.',
    next: 'Ask an approver to re-apply the partner from its drift report; then ask again.',
    who: 'approvers', resend: 'no',
  },
  [ErrorCode.RoleDiffers]: {
    what: 'the partner’s role is not as approved',
    why: 'Someone changed it outside partnergate.',
    next: 'Ask an approver to re-apply the partner from its drift report; then ask again.',
    who: 'approvers', resend: 'no',
  },
  [ErrorCode.StatusChanged]: {
    what: 'the partner changed state meanwhile',
    why: 'Another change or check moved it on while this one ran.',
    next: 'Look at `/partner-status` and ask again if it is still needed.',
    who: 'anyone', resend: 'no',
  },
  [ErrorCode.TransferNotSettled]: {
    what: 'AWS had not finished an earlier change to the SFTP user',
    why: 'The SFTP service was still applying it when the bot gave up waiting.',
    next: 'Wait a few minutes and ask again.',
    who: 'anyone', resend: 'no',
  },
  [ErrorCode.AccessNotYetGone]: {
    what: 'the partner could still reach its files after its access was removed',
    why: 'AWS had not yet made the removal take effect everywhere when the bot checked.',
    next: 'Wait a few minutes, then ask an approver to approve a new offboarding: finished steps are not repeated.',
    who: 'approvers', resend: 'no',
  },
  [ErrorCode.PolicyCheckFailed]: {
    what: 'the policy check refused the documents',
    why: 'IAM Access Analyzer found that what would be written grants more than a partner may have.',
    next: `Nothing was written; ${PLATFORM_LOG}.`,
    who: 'platform', resend: 'no',
  },
  [ErrorCode.PolicyTooLarge]: {
    what: 'the partner’s policy would be larger than AWS allows',
    why: 'Too many feeds or keys make the policy longer than IAM takes.',
    next: 'Ask for fewer feeds for this partner, or tell the platform team.',
    who: 'platform', resend: 'no',
  },
  [ErrorCode.SftpLimit]: {
    what: 'the SFTP server has no room for another user',
    why: 'The account’s limit of SFTP users is reached.',
    next: 'Ask the platform team to raise the limit or offboard unused partners.',
    who: 'platform', resend: 'no',
  },
  [ErrorCode.RoleLimit]: {
    what: 'the account has no room for another role',
    why: 'The account’s limit of IAM roles is reached.',
    next: 'Ask the platform team to raise the limit or offboard unused partners.',
    who: 'platform', resend: 'no',
  },
  LimitExceeded: {
    what: 'an AWS limit was reached',
    why: 'AWS refused to create or attach one more of something.',
    next: 'Ask the platform team to raise the limit (the bot’s log names it); then ask again.',
    who: 'platform', resend: 'no',
  },
  MalformedPolicyDocument: {
    what: 'AWS refused a policy document as malformed',
    why: 'AWS found a policy the bot wrote not valid: its form, or an account, role or key it names that AWS does not know.',
    next: PLATFORM_LOG_NOW,
    who: 'platform', resend: 'no',
  },
};

/** The same thing under another service's name. */
const ALIASES: Readonly<Record<string, string>> = {
  LimitExceededException: 'LimitExceeded', ServiceQuotaExceededException: 'LimitExceeded',
  MalformedPolicyDocumentException: 'MalformedPolicyDocument', MalformedPolicy: 'MalformedPolicyDocument',
};

/** A family of AWS codes, for a code with no entry of its own. */
function familyAdvice(code: string): FailureAdvice | null {
  if (THROTTLING_CODES.has(code)) {
    return {
      what: 'AWS was too busy', why: 'AWS asked the bot to slow down on every try.',
      next: 'Try again in a few minutes.', who: 'anyone', resend: 'now',
    };
  }
  if (SERVER_CODES.has(code)) {
    return {
      what: 'AWS failed on its side', why: 'AWS answered with an error of its own on every try.',
      next: 'Try again in a few minutes; if it goes on, tell the platform team (the AWS Health Dashboard may say why).', who: 'anyone', resend: 'now',
    };
  }
  if (NETWORK_CODES.has(code)) {
    return {
      what: 'the bot could not reach AWS', why: 'No answer came, on every try.',
      next: 'Try again in a few minutes; if it goes on, tell the platform team: the bot’s network may be down.', who: 'anyone', resend: 'now',
    };
  }
  if (code.startsWith('KMS') || code.startsWith('AccessDenied') || DENIED_CODES.has(code)) {
    return { ...ADVICE['AccessDenied']!, what: code.startsWith('KMS') ? 'the encryption key refused the bot' : 'AWS refused the bot' };
  }
  if (CREDENTIAL_CODES.has(code)) {
    return {
      what: 'AWS did not accept the bot’s credentials', why: 'The bot’s AWS credentials are missing, expired or not valid.',
      next: 'Ask the platform team to check the bot’s credentials (`partnergate doctor` says what AWS sees); then try again.', who: 'platform', resend: 'after',
    };
  }
  if (INVALID_CODES.has(code)) {
    return {
      what: 'AWS refused the request as invalid', why: 'AWS found something the bot sent not valid for this call; sent again, it would be refused again.',
      next: PLATFORM_LOG_NOW, who: 'platform', resend: 'no',
    };
  }
  if (NOT_FOUND_CODES.has(code)) {
    return {
      what: 'AWS did not find something the bot expected', why: 'Something just created was not there yet when the tries ran out, or it was removed outside partnergate.',
      next: `Try again in a few minutes; if it fails again, ${PLATFORM_LOG}.`, who: 'anyone', resend: 'now',
    };
  }
  return null;
}

const FALLBACK: FailureAdvice = {
  what: 'an unexpected error stopped it',
  why: 'The bot has no explanation of its own for this error.',
  next: `Try again; if it fails again, ${PLATFORM_LOG}.`,
  who: 'anyone', resend: 'now',
};

/** The words for a failure's code (ours or AWS's). */
export function failureAdvice(code: string): FailureAdvice {
  return ADVICE[ALIASES[code] ?? code] ?? familyAdvice(code) ?? FALLBACK;
}

/** Whether a code has words of its own or its family's (not the fallback's). */
export const hasAdvice = (code: string): boolean => failureAdvice(code) !== FALLBACK;

/**
 * The codes a delivery can fail with (src/jobs/delivery/deliver.ts): ours from the copy, and the AWS
 * answers S3 gives a copy that no retry fixes. Each has advice (test/unit/domain/failure-advice.test.ts).
 */
export const DELIVERY_FAILURE_CODES: readonly string[] = [
  ErrorCode.SourceMissing, ErrorCode.SourceChanged, ErrorCode.VerifyMismatch, ErrorCode.VerifyUnavailable,
  ErrorCode.ObjectTooLarge, ErrorCode.TooLargeToHash, ErrorCode.NoUploadId, ErrorCode.NoETag,
  ErrorCode.UnreadableAnswer, ErrorCode.OutOfBudget, ErrorCode.WorkerStalled,
  'AccessDenied', 'NoSuchBucket', 'InvalidObjectState', 'KMS.DisabledException', 'KMS.NotFoundException',
  'SlowDown', 'ServiceUnavailable', 'InternalError', 'ECONNRESET', 'TimeoutError',
];
