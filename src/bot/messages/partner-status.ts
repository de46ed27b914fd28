/** The /partner-status answer and the /resend-file answers. Pure. */
import type { DeliveryRecord } from '../../domain/delivery.js';
import type { KeyView } from '../../domain/key-ages.js';
import type { Block } from '../../domain/notify-message.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { mrkdwnText, section, slackMessage, type SlackMessage } from './blocks.js';
import { capped, chunkLines, code, composed, joinMrkdwn, mrkdwn, when, type Mrkdwn } from './mrkdwn.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import { formatBytes } from './delivery.js';
import { ACTIONS } from './ids.js';
import { pickupStatusBlocks, type OpenFileView } from './pickup-deadlines.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import { STATUS_LABELS } from './status-labels.js';

const STATUS_LABEL = STATUS_LABELS.long;

function deliveryLine(d: DeliveryRecord): Mrkdwn {
  if (d.outcome === 'failed') {
    return mrkdwn`:x: ${code(d.key)} ${when(d.at)} — not delivered: ${failureAdvice(d.error?.code ?? '').what}`;
  }
  const size = d.size !== undefined ? ` · ${formatBytes(d.size)}` : '';
  const forced = d.forcedBy ? ' · re-sent' : '';
  return mrkdwn`:white_check_mark: ${code(d.key)} → ${code(d.targetKey)} ${when(d.at)}${size}${forced}`;
}

export function buildPartnerStatus(
  p: PartnerRecord,
  deliveries: DeliveryRecord[],
  keys: { old: KeyView[]; maxAgeDays: number | null } = { old: [], maxAgeDays: null },
  /** Whether the reader may ask for changes (src/domain/authorization.ts `request`): the buttons are for them alone. */
  viewer: { mayRequest: boolean } = { mayRequest: false },
  /** Files not picked up yet and the last pickup (docs/pickups.md); null: not tracked. */
  pickups: { open: OpenFileView[]; openTotal: number; last: PickupRecord | null } | null = null,
): SlackMessage {
  const fields = [
    mrkdwn`*Partner*\n${p.displayName} (${code(p.partnerId)})`,
    mrkdwn`*Status*\n${STATUS_LABEL[p.status]}${p.dryRun ? ' (dry run)' : ''}`,
    mrkdwn`*Feeds*\n${p.feeds.length ? joinMrkdwn(p.feeds.map(code), ', ') : 'none'}`,
    mrkdwn`*Home*\n${code(`partners/${p.partnerId}/`)}`,
    mrkdwn`*Provisioned*\n${p.provisionedAt ? when(p.provisionedAt) : 'not yet'}`,
    mrkdwn`*Verified*\n${p.verifiedAt ? when(p.verifiedAt) : 'not yet'}`,
    mrkdwn`*Isolation last proven*\n${p.provenAt ?? p.verifiedAt ? when((p.provenAt ?? p.verifiedAt)!) : 'not yet'}`,
  ];
  const lines = deliveries.length ? deliveries.map(deliveryLine) : [mrkdwn`No deliveries yet.`];
  const blocks: Block[] = [
    { type: 'section', fields: fields.map(mrkdwnText) },
    section(deliveries.length ? mrkdwn`*Last ${deliveries.length} deliveries*` : mrkdwn`*Deliveries*`),
    ...chunkLines(lines).map((text) => section(text)),
    ...(pickups ? pickupStatusBlocks(pickups.open, pickups.openTotal, pickups.last) : []),
    ...(keys.old.length > 0
      ? [section(capped(joinMrkdwn([
          mrkdwn`:warning: *${keys.old.length} SSH key${keys.old.length === 1 ? '' : 's'} older than ${String(keys.maxAgeDays)} days* — rotate with ${code('/partner-keys ' + p.partnerId)}`,
          ...keys.old.map((k) => mrkdwn`• ${code(k.fingerprint)} (${k.type}, ${String(k.ageDays)} days)`),
        ], '\n'), 2900))]
      : []),
    // Partner lifecycle (docs/lifecycle.md): a change to feeds and contact of a live partner, asked for approval.
    ...(p.status === 'live' && viewer.mayRequest
      ? [{ type: 'actions', block_id: 'partner_edit', elements: [{ type: 'button', action_id: ACTIONS.editPartner, value: p.partnerId, text: { type: 'plain_text', text: 'Edit feeds and contact' } }] } as Block]
      : []),
  ];
  return slackMessage(mrkdwn`${p.partnerId}: ${p.status}, ${deliveries.length} recent deliveries`, blocks);
}

/**
 * A refusal or answer (`message`: mrkdwn a use case composed, see `composed`), with candidates
 * (object keys) listed when there are some: outside text, escaped in the fallback as in the blocks.
 */
export function buildAnswer(message: string, candidates?: string[]): SlackMessage {
  const said = composed(message);
  const lines = [said, ...(candidates ?? []).map((c) => mrkdwn`• ${code(c)}`)];
  return slackMessage(joinMrkdwn([said, ...(candidates ?? [])], '\n'), chunkLines(lines).map((text) => section(text)));
}
