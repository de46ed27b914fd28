/** Pickup messages: the lines in a partner's thread when its files are downloaded. Pure. */
import type { PickupRecord } from '../../domain/pickup-events.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { formatBytes } from './delivery.js';
import { BLOCK_LIMIT, capped, chunkLines, code, mrkdwn, when, type Mrkdwn } from './mrkdwn.js';

const CHANNEL_NAMES = { sftp: 'SFTP', s3: 'S3' } as const;

function amount(p: PickupRecord): string {
  if (p.bytes === null) return p.size === null ? 'size unknown' : `of ${formatBytes(p.size)}`;
  return p.size === null ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} of ${formatBytes(p.size)}`;
}

/** "partners/acme/a.csv picked up 14:03 by SFTP, complete (1.2 MiB of 1.2 MiB) from 203.0.113.7". */
export function pickupLine(p: PickupRecord): Mrkdwn {
  const via = CHANNEL_NAMES[p.channel];
  const from = p.clientIp ? mrkdwn` from ${p.clientIp}` : p.source === 'log' ? mrkdwn` (found in Transfer's log; its event was lost)` : '';
  if (p.outcome === 'complete') {
    return mrkdwn`:inbox_tray: ${code(p.targetKey)} picked up ${when(p.at)} by ${via}, complete (${amount(p)})${from}`;
  }
  const what = p.outcome === 'partial' ? 'partial' : 'failed';
  return mrkdwn`:warning: ${code(p.targetKey)} download ${what} ${when(p.at)} by ${via}: ${capped(p.reason ?? 'no reason given', 300)} (${amount(p)})${from}`;
}

/** One reply for the pickups of a thread that came within the same minute. */
export function buildPickups(records: PickupRecord[]): SlackMessage {
  const first = records[0];
  const problems = records.filter((r) => r.outcome !== 'complete').length;
  const text =
    records.length === 1 && first
      ? first.outcome === 'complete'
        ? mrkdwn`Picked up: ${first.targetKey} by ${CHANNEL_NAMES[first.channel]}`
        : mrkdwn`Download ${first.outcome}: ${first.targetKey}`
      : mrkdwn`${records.length} pickups${problems ? `, ${problems} not complete` : ''}`;
  const header = records.length === 1 ? [] : [mrkdwn`*${records.length} pickups*`];
  const chunks = chunkLines([...header, ...records.map(pickupLine)]);
  const blocks = chunks.slice(0, BLOCK_LIMIT - 1).map(section);
  if (chunks.length > BLOCK_LIMIT - 1) blocks.push(section(mrkdwn`…and more: see \`/partner-status ${first?.partnerId ?? ''}\``));
  return slackMessage(text, blocks);
}
