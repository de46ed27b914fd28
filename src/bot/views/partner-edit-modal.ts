/** The "Edit feeds and contact" modal of a live partner, and the reading of its submission. Pure. */
import type { types } from '@slack/bolt';
import { LIFECYCLE_FIELDS as F, VIEWS } from '../messages/ids.js';
import type { ViewState } from './parse-onboard-submission.js';
import { partnerIdFromMetadata } from './partner-keys-modal.js';
import type { PartnerEditSubmission } from '../../actions/lifecycle/index.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

export function buildPartnerEditModal(input: {
  partnerId: string; displayName: string; feeds: string[]; configuredFeeds: string[]; contactEmail: string; owner?: string | null | undefined;
}): types.View {
  const option = (f: string) => ({ text: text(f), value: f });
  return {
    type: 'modal',
    callback_id: VIEWS.partnerEdit,
    title: text('Edit partner'),
    submit: text('Save'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ partnerId: input.partnerId }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${input.displayName.replace(/[<>&]/g, '')}* (\`${input.partnerId}\`)` } },
      {
        type: 'input', block_id: F.feeds, optional: true, label: text('Feeds'),
        hint: text('Removing a feed applies at once. Adding one widens what the partner receives: a second person approves it first.'),
        element: {
          type: 'multi_static_select', action_id: 'value', options: input.configuredFeeds.map(option),
          ...(input.feeds.length ? { initial_options: input.feeds.map(option) } : {}),
        },
      },
      {
        type: 'input', block_id: F.contactEmail, label: text('Partner contact e-mail'),
        element: { type: 'email_text_input', action_id: 'value', initial_value: input.contactEmail },
      },
      {
        type: 'input', block_id: F.owner, optional: true, label: text('Owner'),
        hint: text('Who answers for this partner: mentioned when its files are not picked up in time.'),
        element: { type: 'users_select', action_id: 'value', ...(input.owner ? { initial_user: input.owner } : {}) },
      },
    ],
  };
}


export function readPartnerEditSubmission(state: ViewState, privateMetadata: string): PartnerEditSubmission {
  const partnerId = partnerIdFromMetadata(privateMetadata);
  const selected = state[F.feeds]?.['value']?.selected_options ?? [];
  return {
    partnerId,
    feeds: selected.map((o) => o.value ?? ''),
    contactEmail: state[F.contactEmail]?.['value']?.value ?? '',
    owner: state[F.owner]?.['value']?.selected_user ?? '',
  };
}
