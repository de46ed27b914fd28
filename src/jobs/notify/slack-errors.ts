/**
 * What a failed Slack Web API call means for whoever retries it, and the SlackError it becomes
 * (src/domain/errors.ts). Works on the errors of @slack/web-api's WebClient (by their `code`, so any
 * copy of the package will do) and on our own AppError. Configure the client with
 * `retryConfig: { retries: 0 }, rejectRateLimitedCalls: true` when the caller owns retries, as the
 * notify queue does.
 */
import { AppError, errorMessage, SlackError } from '../../domain/errors.js';

export type SlackFailure =
  /** 429 (or `ok: false, error: ratelimited`): wait retryAfterMs, then the same call may succeed. */
  | { kind: 'rate-limited'; code: string; retryAfterMs: number }
  /** 5xx, network, Slack-side errors: retry with backoff. */
  | { kind: 'transient'; code: string }
  /** Retrying cannot help (channel_not_found, invalid_blocks, msg_too_long, ...). */
  | { kind: 'permanent'; code: string };

/** `ok: false` errors that are Slack's trouble rather than ours. Every other `error` is permanent. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org', 'accesslimited',
]);

const DEFAULT_RETRY_AFTER_MS = 1000;

interface SlackishError {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
}

/** Classifies an error thrown by a Slack call; undefined when it is not one we know (a bug: let it throw). */
export function classifySlackError(err: unknown): SlackFailure | undefined {
  if (err instanceof AppError) return { kind: err.retryable ? 'transient' : 'permanent', code: err.code };
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as SlackishError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : undefined;
      return { kind: 'rate-limited', code: 'ratelimited', retryAfterMs: seconds === undefined ? DEFAULT_RETRY_AFTER_MS : seconds * 1000 };
    }
    case 'slack_webapi_platform_error': {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited') {
        const seconds = e.data?.response_metadata?.retryAfter;
        return { kind: 'rate-limited', code, retryAfterMs: typeof seconds === 'number' ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS };
      }
      return { kind: TRANSIENT_PLATFORM_ERRORS.has(code) ? 'transient' : 'permanent', code };
    }
    case 'slack_webapi_http_error': {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      const code = `http_${status}`;
      return { kind: status >= 500 || status === 408 || status === 0 ? 'transient' : 'permanent', code };
    }
    case 'slack_webapi_request_error':
      return { kind: 'transient', code: 'request_error' };
    default:
      return undefined;
  }
}

/** A failed Slack call as a SlackError (the cause kept); undefined for an error that is not Slack's (a bug: let it throw). */
export function toSlackError(err: unknown): SlackError | undefined {
  if (err instanceof SlackError) return err;
  const failure = classifySlackError(err);
  if (!failure) return undefined;
  const retryAfterMs = failure.kind === 'rate-limited' ? failure.retryAfterMs : undefined;
  return new SlackError(failure.code, errorMessage(err), { retryable: failure.kind !== 'permanent', retryAfterMs, cause: err });
}
