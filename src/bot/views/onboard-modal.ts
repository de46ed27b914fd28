/** The /onboard-partner modal. Pure: data in, Block Kit view out. */
import type { types } from '@slack/bolt';
import { ONBOARD_FIELDS as F, VIEWS } from '../messages/ids.js';

export interface OnboardModalInput {
  feeds: string[];
  displayName: string;
  suggestedId: string;
  /** Round-tripped in private_metadata: where the command was typed. */
  channelId: string;
}

const text = (t: string) => ({ type: 'plain_text' as const, text: t });

export function buildOnboardModal(input: OnboardModalInput): types.View {
  return {
    type: 'modal',
    callback_id: VIEWS.onboard,
    title: text('Onboard a partner'),
    submit: text('Request approval'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ channelId: input.channelId }),
    blocks: [
      {
        type: 'input', block_id: F.displayName.block, label: text('Display name'),
        element: { type: 'plain_text_input', action_id: F.displayName.action, max_length: 80,
          ...(input.displayName ? { initial_value: input.displayName.slice(0, 80) } : {}) },
      },
      {
        type: 'input', block_id: F.partnerId.block, label: text('Partner id'),
        hint: text('3–32 lower-case letters, digits and hyphens. Names the SFTP user, the home folder and the role; never reused.'),
        element: { type: 'plain_text_input', action_id: F.partnerId.action, max_length: 32,
          ...(input.suggestedId ? { initial_value: input.suggestedId } : {}) },
      },
      {
        type: 'input', block_id: F.contactEmail.block, label: text('Partner contact e-mail'),
        element: { type: 'email_text_input', action_id: F.contactEmail.action },
      },
      {
        type: 'input', block_id: F.sshKeys.block, optional: true, label: text('SSH public key(s)'),
        hint: text('One per line: ssh-ed25519, ecdsa-sha2-nistp256/384/521, or ssh-rsa of 2048 bits or more. Needed for SFTP.'),
        element: { type: 'plain_text_input', action_id: F.sshKeys.action, multiline: true, max_length: 3000 },
      },
      {
        type: 'input', block_id: F.accountId.block, optional: true, label: text('Partner AWS account id'),
        hint: text('Optional: 12 digits. The partner then pulls from S3 through its own role (no long-lived credentials).'),
        element: { type: 'plain_text_input', action_id: F.accountId.action, max_length: 12 },
      },
      {
        type: 'input', block_id: F.feeds.block, optional: true, label: text('Feeds'),
        element: {
          type: 'multi_static_select', action_id: F.feeds.action, placeholder: text('Feeds the partner receives'),
          options: input.feeds.map((f) => ({ text: text(f), value: f })),
        },
      },
      {
        type: 'input', block_id: F.notes.block, optional: true, label: text('Notes'),
        element: { type: 'plain_text_input', action_id: F.notes.action, multiline: true, max_length: 2000 },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Partners get read-only access to their own folder. A second person approves before anything is created.' }],
      },
    ],
  };
}
