/**
 * AWS limits the rendered documents must respect, and the quotas that cap the platform.
 * IAM counts policy size without whitespace; the renderer measures minified JSON, which is what
 * it sends.
 */
import { ErrorCode, ValidationError } from '../../domain/errors.js';
import type { PolicyDocument } from './types.js';

export const POLICY_SIZE_LIMITS = {
  /** Transfer Family session policy of a user. */
  transferSessionPolicy: 2_048,
  /** Role trust policy (the default quota; it can be raised to 4,096). */
  trustPolicy: 2_048,
  /** All inline policies of one role together. */
  roleInlinePolicies: 10_240,
  /** One customer managed policy (the permissions boundary, the partner-side policy). */
  managedPolicy: 6_144,
  bucketPolicy: 20_480,
  kmsKeyPolicy: 32_768,
} as const;

export const QUOTAS = {
  /** Transfer Family users per server (AWS quota). */
  transferUsersPerServer: 10_000,
  /** IAM roles per account: the default quota, and the most AWS grants on request. */
  iamRolesPerAccountDefault: 1_000,
  iamRolesPerAccountMax: 5_000,
} as const;

export class PolicyTooLargeError extends ValidationError {
  constructor(
    readonly document: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${document} is ${size} characters, over the ${limit}-character limit`, undefined, ErrorCode.PolicyTooLarge);
  }
}

/** The size AWS counts: the document as minified JSON. */
export function policySize(doc: PolicyDocument | PolicyDocument[]): number {
  return (Array.isArray(doc) ? doc : [doc]).reduce((n, d) => n + JSON.stringify(d).length, 0);
}

/** Returns the size, or throws PolicyTooLargeError naming the document. */
export function checkPolicySize(document: string, doc: PolicyDocument | PolicyDocument[], limit: number): number {
  const size = policySize(doc);
  if (size > limit) throw new PolicyTooLargeError(document, size, limit);
  return size;
}
