/** The /partner-status answer and the /resend-file answers. Pure. */
import type { types } from '@slack/bolt';
import type { DeliveryRecord } from '../../domain/delivery.js';
import type { KeyView } from '../../domain/key-ages.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { chunkLines, code, escapeMrkdwn, when } from './mrkdwn.js';
import { formatBytes, type SlackMessage } from './delivery.js';
import { ACTIONS } from './ids.js';

type Block = types.KnownBlock;

const STATUS_LABEL: Record<PartnerRecord['status'], string> = {
  provisioning: ':hourglass_flowing_sand: provisioning',
  provision_failed: ':x: provisioning failed',
  verifying: ':mag: verifying',
  verify_failed: ':x: verification failed',
  live: ':large_green_circle: LIVE',
  offboarded: ':no_entry: offboarded',
};

function deliveryLine(d: DeliveryRecord): string {
  if (d.outcome === 'failed') {
    return `:x: ${code(d.key)} ${when(d.at)} — ${code(d.error?.code ?? 'error')} ${escapeMrkdwn(d.error?.message ?? '').slice(0, 200)}`;
  }
  const size = d.size !== undefined ? ` · ${formatBytes(d.size)}` : '';
  const forced = d.forcedBy ? ' · re-sent' : '';
  return `:white_check_mark: ${code(d.key)} → ${code(d.targetKey)} ${when(d.at)}${size}${forced}`;
}

export function buildPartnerStatus(
  p: PartnerRecord,
  deliveries: DeliveryRecord[],
  keys: { old: KeyView[]; maxAgeDays: number | null } = { old: [], maxAgeDays: null },
): SlackMessage {
  const fields = [
    `*Partner*\n${escapeMrkdwn(p.displayName)} (${code(p.partnerId)})`,
    `*Status*\n${STATUS_LABEL[p.status]}${p.dryRun ? ' (dry run)' : ''}`,
    `*Feeds*\n${p.feeds.length ? p.feeds.map(code).join(', ') : 'none'}`,
    `*Home*\n${code(`partners/${p.partnerId}/`)}`,
    `*Provisioned*\n${p.provisionedAt ? when(p.provisionedAt) : 'not yet'}`,
    `*Verified*\n${p.verifiedAt ? when(p.verifiedAt) : 'not yet'}`,
  ];
  const lines = deliveries.length ? deliveries.map(deliveryLine) : ['No deliveries yet.'];
  const blocks: Block[] = [
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn' as const, text })) },
    { type: 'section', text: { type: 'mrkdwn', text: deliveries.length ? `*Last ${deliveries.length} deliveries*` : '*Deliveries*' } },
    ...chunkLines(lines).map((text): Block => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ...(keys.old.length > 0
      ? [{
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: [
              `:warning: *${keys.old.length} SSH key${keys.old.length === 1 ? '' : 's'} older than ${keys.maxAgeDays} days* — rotate with ${code('/partner-keys ' + p.partnerId)}`,
              ...keys.old.map((k) => `• ${code(k.fingerprint)} (${k.type}, ${k.ageDays} days)`),
            ].join('\n').slice(0, 2900),
          },
        } as Block]
      : []),
    // Partner lifecycle (docs/lifecycle.md): feeds and contact of a live partner.
    ...(p.status === 'live'
      ? [{ type: 'actions', block_id: 'partner_edit', elements: [{ type: 'button', action_id: ACTIONS.editPartner, value: p.partnerId, text: { type: 'plain_text', text: 'Edit feeds and contact' } }] } as Block]
      : []),
  ];
  return { text: `${p.partnerId}: ${p.status}, ${deliveries.length} recent deliveries`, blocks };
}

/** A refusal or answer, with candidates listed when there are some. */
export function buildAnswer(message: string, candidates?: string[]): SlackMessage {
  const lines = [message, ...(candidates ?? []).map((c) => `• ${code(c)}`)];
  return {
    text: [message, ...(candidates ?? [])].join('\n'),
    blocks: chunkLines(lines).map((text): Block => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  };
}
