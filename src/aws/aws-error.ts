/**
 * SDK exceptions as domain errors. Every adapter in src/aws turns what the SDK throws into an
 * AwsError (src/domain/errors.ts): the AWS error code, the HTTP status, and whether retrying can
 * help. Throttling, 5xx and network failures are retryable (the job's backoff retries them);
 * AccessDenied, validation and malformed-policy errors are not (the job fails at once).
 */
import { AwsError, ErrorCode, type AwsService } from '../domain/errors.js';
import { NETWORK_CODES, SERVER_CODES, THROTTLING_CODES } from '../domain/aws-error-kinds.js';

interface SdkLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  $response?: { statusCode?: number };
}

/** The AWS error code of an SDK exception (its name), or the Node error code of a network failure. */
export function awsErrorCode(err: unknown): string {
  const e = (err ?? {}) as SdkLike;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return 'UnknownError';
}

/** Whether retrying an SDK exception can help: throttling, 5xx and the network, nothing else. */
export function isRetryableAwsError(err: unknown): boolean {
  const e = (err ?? {}) as SdkLike;
  const code = awsErrorCode(err);
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING_CODES.has(code) || SERVER_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  if (e.$retryable) return true;
  return status !== undefined && (status === 429 || status >= 500);
}

export function toAwsError(service: AwsService, operation: string, err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  const e = (err ?? {}) as SdkLike;
  const httpStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // A body the SDK could not parse (a proxy's HTML error page, mostly) comes as the parser's own
  // error — a SyntaxError for JSON — with the response attached: say what AWS answered instead.
  if (e.$response !== undefined && (e.name === 'SyntaxError' || String(e.message).includes('Deserialization error'))) {
    const body = e.name === 'SyntaxError' ? 'a non-JSON body' : 'a body it could not read';
    const retryable = httpStatus !== undefined && (httpStatus === 429 || httpStatus >= 500);
    return new AwsError(service, operation, ErrorCode.UnreadableAnswer, `AWS answered HTTP ${httpStatus ?? '(unknown)'} with ${body}`, { retryable, httpStatus, cause: err });
  }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  return new AwsError(service, operation, awsErrorCode(err), message, { retryable: isRetryableAwsError(err), httpStatus, cause: err });
}

/** Sends one command and turns what the SDK throws into an AwsError. */
export async function call<T>(service: AwsService, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw toAwsError(service, operation, err);
  }
}

/** True when AWS said "too many requests" (a throttling code or HTTP 429): the caller should slow down, not only retry. */
export function isThrottling(err: unknown): err is AwsError {
  return err instanceof AwsError && (THROTTLING_CODES.has(err.code) || err.httpStatus === 429);
}

/** True when `err` is an AwsError with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): err is AwsError {
  return err instanceof AwsError && codes.includes(err.code);
}
