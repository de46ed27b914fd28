/** The /offboard-partner modal and the reading of its submission. Pure. */
import type { types } from '@slack/bolt';
import { LIFECYCLE_FIELDS as F, VIEWS } from '../messages/ids.js';
import type { OffboardPrefixOption } from '../../domain/requests.js';
import type { ViewState } from './parse-onboard-submission.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

export function buildOffboardModal(input: { partnerId: string; channelId: string }): types.View {
  return {
    type: 'modal',
    callback_id: VIEWS.offboard,
    title: text('Offboard a partner'),
    submit: text('Request approval'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ channelId: input.channelId }),
    blocks: [
      {
        type: 'input', block_id: F.partnerId, label: text('Partner id'),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 32, ...(input.partnerId ? { initial_value: input.partnerId } : {}) },
      },
      {
        type: 'input', block_id: F.prefixOption, label: text("The partner's files"),
        element: {
          type: 'radio_buttons', action_id: 'value',
          options: [
            { text: text('Keep them where they are (nobody can read them any more)'), value: 'keep' },
            { text: text('Archive them under archive/partners/<id>/'), value: 'archive' },
          ],
        },
      },
      {
        type: 'input', block_id: F.reason, optional: true, label: text('Reason'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 1000 },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Deliveries stop, the SFTP user and the role are deleted, live sessions are revoked, and the id is retired for good. A second person approves first.' }],
      },
    ],
  };
}

export type OffboardSubmission =
  | { ok: true; partnerId: string; prefix: OffboardPrefixOption; reason: string }
  | { ok: false; errors: Record<string, string> };

export function readOffboardSubmission(state: ViewState): OffboardSubmission {
  const partnerId = (state[F.partnerId]?.['value']?.value ?? '').trim();
  const option = (state[F.prefixOption]?.['value'] as { selected_option?: { value?: string } | null } | undefined)?.selected_option?.value;
  const reason = (state[F.reason]?.['value']?.value ?? '').trim().slice(0, 1000);
  const errors: Record<string, string> = {};
  if (partnerId === '') errors[F.partnerId] = 'Partner id is required.';
  if (option !== 'keep' && option !== 'archive') errors[F.prefixOption] = 'Choose whether to keep or archive the files.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, partnerId, prefix: option as OffboardPrefixOption, reason };
}
