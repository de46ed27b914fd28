/** Modal state → the raw onboarding fields, and field errors → Slack block ids. Pure. */
import type { OnboardingErrors, OnboardingRaw } from '../../domain/onboarding-input.js';
import { ONBOARD_FIELDS, type OnboardField } from '../messages/ids.js';

interface StateValue {
  type?: string;
  value?: string | null;
  selected_options?: { value?: string }[] | null;
  selected_user?: string | null;
}
export type ViewState = Record<string, Record<string, StateValue> | undefined>;

function field(state: ViewState, f: OnboardField): StateValue | undefined {
  const { block, action } = ONBOARD_FIELDS[f];
  return state[block]?.[action];
}

const text = (v: StateValue | undefined): string | null => (typeof v?.value === 'string' ? v.value : null);

export function readOnboardSubmission(state: ViewState): OnboardingRaw {
  const feeds = field(state, 'feeds')?.selected_options;
  return {
    displayName: text(field(state, 'displayName')),
    partnerId: text(field(state, 'partnerId')),
    contactEmail: text(field(state, 'contactEmail')),
    sshKeys: text(field(state, 'sshKeys')),
    accountId: text(field(state, 'accountId')),
    feeds: Array.isArray(feeds) ? feeds.map((o) => (typeof o?.value === 'string' ? o.value : '')) : [],
    notes: text(field(state, 'notes')),
  };
}

/** `response_action: errors` wants one message per block id. */
export function errorsByBlock(errors: OnboardingErrors): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, message] of Object.entries(errors)) {
    if (message === undefined) continue;
    const f = ONBOARD_FIELDS[name as OnboardField];
    if (f) out[f.block] = message;
  }
  return out;
}
