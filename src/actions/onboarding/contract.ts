/**
 * What the onboarding use cases hand the provision and verify jobs: payloads and job ids. The first
 * provision attempt's id is the request id (one job per approval).
 */
import { z } from 'zod';

export const provisionPayload = z.object({
  requestId: z.string().regex(/^req_[a-z2-7]{26}$/),
  /** Set by a Retry button: the step to resume from. */
  fromStep: z.string().max(64).optional(),
  attempt: z.number().int().min(1).default(1),
});
export type ProvisionPayload = z.infer<typeof provisionPayload>;

export function provisionJobId(p: Pick<ProvisionPayload, 'requestId' | 'attempt'>): string {
  return p.attempt <= 1 ? p.requestId : `${p.requestId}-retry-${p.attempt}`;
}

export const verifyPayload = z.object({
  requestId: z.string().regex(/^req_[a-z2-7]{26}$/),
  attempt: z.number().int().min(1).default(1),
});
export type VerifyPayload = z.infer<typeof verifyPayload>;

export function verifyJobId(p: VerifyPayload): string {
  return `${p.requestId}-verify-${p.attempt}`;
}
