/** Slack payloads of the lifecycle modals, as Slack sends them (see tools/local/slack-requests.ts for the signing). */
import { interaction } from '../../tools/local/slack-requests.js';

type StateValue = { type: string; value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[] };

/** A view_submission of any modal, with its state values block → { value: element state }. */
export function viewSubmission(user: string, callbackId: string, values: Record<string, StateValue>, privateMetadata = '{}'): { body: string; type: string } {
  return interaction({
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    trigger_id: `trigger.${Math.random().toString(36).slice(2)}`,
    view: {
      id: `V${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
      type: 'modal', callback_id: callbackId, private_metadata: privateMetadata, hash: 'h',
      state: { values: Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { value: v }])) },
    },
  });
}

export const textValue = (value: string | null): StateValue => ({ type: 'plain_text_input', value });
export const radioValue = (value: string | null): StateValue => ({ type: 'radio_buttons', selected_option: value === null ? null : { value } });
export const multiValue = (values: string[]): StateValue => ({ type: 'multi_static_select', selected_options: values.map((value) => ({ value })) });
export const checkboxValue = (values: string[]): StateValue => ({ type: 'checkboxes', selected_options: values.map((value) => ({ value })) });
