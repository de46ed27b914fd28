/** The /partner-keys modal (keys with fingerprints and ages; add, remove, rotate the ExternalId) and its submission. Pure. */
import type { types } from '@slack/bolt';
import type { KeyView } from '../../domain/key-ages.js';
import { LIFECYCLE_FIELDS as F, VIEWS } from '../messages/ids.js';
import { chunkLines, escapeMrkdwn } from '../messages/mrkdwn.js';
import type { ViewState } from './parse-onboard-submission.js';
import type { KeysModalInput, KeysSubmission } from '../../actions/lifecycle/index.js';

const text = (t: string) => ({ type: 'plain_text' as const, text: t });


function keyLine(k: KeyView): string {
  const age = k.ageDays === null ? 'age unknown' : `${k.ageDays} day${k.ageDays === 1 ? '' : 's'} old`;
  return `• \`${k.type}\` \`${k.fingerprint}\` — ${age}${k.old ? ' :warning: *older than the limit: rotate it*' : ''}`;
}

export function buildPartnerKeysModal(input: KeysModalInput): types.View {
  const lines = input.keys.length ? input.keys.map(keyLine) : ['No SSH keys (S3 pull only).'];
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(input.displayName)}* (\`${input.partnerId}\`) — keys older than ${input.maxAgeDays} days are flagged.` } },
    ...chunkLines(lines).map((t): types.KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: t } })),
  ];
  if (input.keys.length > 0) {
    blocks.push({
      type: 'input', block_id: F.removeKeys, optional: true, label: text('Remove keys'),
      element: {
        type: 'checkboxes', action_id: 'value',
        options: input.keys.slice(0, 10).map((k) => ({ text: text(`${k.type} ${k.fingerprint}`.slice(0, 75)), value: k.fingerprint })),
      },
    });
  }
  blocks.push({
    type: 'input', block_id: F.addKeys, optional: true, label: text('Add SSH public keys'),
    hint: text('One per line: ssh-ed25519, ecdsa-sha2-nistp256/384/521, or ssh-rsa of 2048 bits or more.'),
    element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
  });
  if (input.hasRole) {
    blocks.push({
      type: 'input', block_id: F.rotateExternalId, optional: true, label: text('ExternalId'),
      element: { type: 'checkboxes', action_id: 'value', options: [{ text: text('Rotate the ExternalId (new welcome text for the partner)'), value: 'rotate' }] },
    });
  }
  blocks.push(
    { type: 'input', block_id: F.reason, optional: true, label: text('Reason'), element: { type: 'plain_text_input', action_id: 'value', max_length: 500 } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Each change is approved by a second person in the partner’s thread before it is applied.' }] },
  );
  return {
    type: 'modal',
    callback_id: VIEWS.partnerKeys,
    title: text('Partner keys'),
    submit: text('Request approval'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ partnerId: input.partnerId }),
    blocks,
  };
}


type Selected = { selected_options?: { value?: string }[] | null };

/** The partner id a lifecycle modal carries in its private_metadata ('' when it carries none). */
export function partnerIdFromMetadata(privateMetadata: string): string {
  try {
    return String((JSON.parse(privateMetadata) as { partnerId?: unknown }).partnerId ?? '');
  } catch {
    return '';
  }
}

export function readPartnerKeysSubmission(state: ViewState, privateMetadata: string): KeysSubmission {
  const partnerId = partnerIdFromMetadata(privateMetadata);
  const selected = (block: string) => ((state[block]?.['value'] as Selected | undefined)?.selected_options ?? []).map((o) => o.value ?? '');
  return {
    partnerId,
    addText: state[F.addKeys]?.['value']?.value ?? '',
    remove: selected(F.removeKeys),
    rotate: selected(F.rotateExternalId).includes('rotate'),
    reason: (state[F.reason]?.['value']?.value ?? '').trim().slice(0, 500),
  };
}
