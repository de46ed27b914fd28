/**
 * The families of AWS error codes that say the same thing whatever the service: AWS asked us to slow
 * down (throttling), AWS failed on its side (server), or no answer came (network). src/aws/aws-error.ts
 * decides from them whether retrying can help; src/domain/failure-advice.ts what to tell people. Pure.
 */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequests', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException', 'BandwidthLimitExceeded', 'EC2ThrottledException',
]);

export const SERVER_CODES: ReadonlySet<string> = new Set([
  'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalError', 'InternalServerError',
  'InternalServiceError', 'InternalServiceErrorException', 'InternalServerException', 'ServiceFailure',
  'ServiceFailureException', 'RequestTimeout', 'RequestTimeoutException',
]);

/** Node and SDK names for a request that never got an answer. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'TimeoutError', 'NetworkingError', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
