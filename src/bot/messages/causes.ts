/**
 * A failure's cause in plain words, from its code (AWS's exception name or ours, src/domain/errors.ts),
 * for the people a provisioning or verification failure is told to. The code itself stays in the
 * logs and the audit trail. Pure.
 */
const CAUSES: [RegExp, string][] = [
  [/AccessDenied|Unauthori[sz]ed|NotAuthorized|Forbidden|InvalidClientTokenId|ExpiredToken|NoCredentials|SignatureDoesNotMatch/i, "AWS refused the bot: its role lacks a permission this needs"],
  [/Throttl|TooManyRequests|SlowDown|RequestLimitExceeded|OUT_OF_BUDGET/i, 'AWS kept asking the bot to slow down, and the tries ran out'],
  [/LimitExceeded|QuotaExceeded|sftp_limit|role_limit/i, 'an AWS account limit was reached'],
  [/POLICY_CHECK_FAILED/, 'the policy checks found a document that would allow more than the plan'],
  [/MalformedPolicy|POLICY_TOO_LARGE/i, 'AWS refused a policy document as malformed or too large'],
  [/RESOURCE_NOT_OURS/, "something with the partner's name already exists on AWS, and partnergate did not create it"],
  [/DIFFERS/, "something with the partner's name exists on AWS but is not as the plan says"],
  [/STATUS_CHANGED/, 'the partner changed status meanwhile (offboarded, for example)'],
  [/Validation|InvalidParameter|InvalidRequest|InvalidInput/i, 'AWS refused the request as invalid'],
  [/MISSING|NOT_SETTLED|NoSuchEntity|NotFound/i, 'something AWS was creating was not there yet when the tries ran out'],
  [/ServiceUnavailable|Internal(?:Error|Failure|Server|Service)|ServiceFailure|Timeout|ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Networking|UND_ERR/, 'AWS could not be reached, or failed on its side, and the tries ran out'],
];

export function causeInWords(code: string): string {
  return CAUSES.find(([pattern]) => pattern.test(code))?.[1] ?? 'an unexpected error (the details are in the logs and the audit trail)';
}
