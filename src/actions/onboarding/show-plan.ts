/**
 * The documents an approval of a request applies, rendered again from the stored request for the
 * card's "Show the exact documents" button. Whether they still render to the hash the request was
 * submitted with is said with them: the provision job refuses one that does not (check-approval).
 */
import type { OnboardingRequest } from '../../domain/requests.js';
import type { Plan } from '../../domain/plan.js';
import type { RequestStore } from '../../store/requests.js';
import type { PlanRenderer } from './plan.js';

export interface ShowPlanDeps {
  store: Pick<RequestStore, 'get'>;
  renderPlan: PlanRenderer;
}

export type ShowPlanResult =
  | { ok: true; request: OnboardingRequest; plan: Plan; current: boolean }
  | { ok: false; message: string };

export async function showPlan(deps: ShowPlanDeps, input: { requestId: string }): Promise<ShowPlanResult> {
  const request = await deps.store.get(input.requestId);
  if (!request) return { ok: false, message: 'This request no longer exists, so it has no documents to show.' };
  try {
    const plan = deps.renderPlan(request);
    return { ok: true, request, plan, current: plan.hash === request.planHash };
  } catch (err) {
    return {
      ok: false,
      message: `The documents of this request no longer render with the platform as it is configured now (${err instanceof Error ? err.message : String(err)}), so it cannot be provisioned. Ask the requester to submit it again.`,
    };
  }
}
