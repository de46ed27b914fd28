/** actions/onboarding: what the rest of the program may use; everything else in this folder is internal. */
export { provisionJobId, provisionPayload, verifyJobId, verifyPayload, type ProvisionPayload, type VerifyPayload } from './contract.js';
export { createPlanRenderer, planHashOf, specOf, type PlanRenderer } from './plan.js';
export { newExternalId, requestOnboarding, type RequestOnboardingResult } from './request-onboarding.js';
export { retryProvisioning, retryVerification, type RetryResult } from './retry-provisioning.js';
export { showPlan, type ShowPlanResult } from './show-plan.js';
