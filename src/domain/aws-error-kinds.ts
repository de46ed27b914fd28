/**
 * The families of AWS error codes that say the same thing whatever the service: AWS asked us to slow
 * down (throttling), AWS failed on its side (server), or no answer came (network); AWS refused the
 * bot's rights (denied) or its credentials, found a request invalid, or did not find something.
 * src/aws/aws-error.ts decides from the first three whether retrying can help; src/domain/failure-advice.ts
 * what to tell people, from all of them. Pure.
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

/** The bot's identity is known but may not do this (the AccessDenied… codes are told by their prefix). */
export const DENIED_CODES: ReadonlySet<string> = new Set([
  'UnauthorizedOperation', 'UnauthorizedException', 'Unauthorized', 'NotAuthorized', 'NotAuthorizedException',
  'Forbidden', 'ForbiddenException', 'AuthorizationError',
]);

/** The bot's credentials were missing, expired or not accepted. */
export const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidAccessKeyId',
  'SignatureDoesNotMatch', 'InvalidSignatureException', 'IncompleteSignature', 'MissingAuthenticationToken', 'CredentialsProviderError',
]);

/** A parameter or request AWS refuses as it is: sent again, it is refused again. */
export const INVALID_CODES: ReadonlySet<string> = new Set([
  'ValidationException', 'ValidationError', 'InvalidParameterValue', 'InvalidParameterValueException', 'InvalidParameterException',
  'InvalidParameterCombination', 'InvalidRequest', 'InvalidRequestException', 'InvalidInput', 'InvalidInputException',
]);

/** Something AWS was asked about is not there (a bucket's and an object's have codes of their own). */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'NoSuchEntity', 'NoSuchEntityException', 'ResourceNotFoundException', 'NotFoundException', 'NotFound',
]);
