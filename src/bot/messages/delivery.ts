/** Delivery messages: receipts, failures with a Resend button, fan-out summaries, reports. Pure. */
import type { types } from '@slack/bolt';
import type { DeliveryRecord } from '../../domain/delivery.js';
import { ACTIONS } from './ids.js';
import { BLOCK_LIMIT, chunkLines, code, escapeMrkdwn, when } from './mrkdwn.js';

type Block = types.KnownBlock;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function receiptLine(r: DeliveryRecord): string {
  const size = r.size !== undefined ? `${formatBytes(r.size)} (${r.size} bytes)` : 'size unknown';
  const checksum = r.checksum ? `${r.checksum.algorithm} ${code(r.checksum.value)}` : 'no checksum';
  const forced = r.forcedBy ? ` · re-sent for <@${r.forcedBy}>` : '';
  return `:white_check_mark: ${code(r.key)} → ${code(r.targetKey)}\n${size} · ${checksum} · ${when(r.at)}${forced}`;
}

/** One message for every receipt of a thread that arrived within the window. */
export function buildReceipts(records: DeliveryRecord[]): SlackMessage {
  const first = records[0];
  const text =
    records.length === 1 && first
      ? `Delivered ${first.key} to ${first.targetKey}`
      : `Delivered ${records.length} files`;
  const header = records.length === 1 ? [] : [`*Delivered ${records.length} files*`];
  const chunks = chunkLines([...header, ...records.map(receiptLine)]);
  const blocks = chunks.slice(0, BLOCK_LIMIT - 1).map(section);
  if (chunks.length > BLOCK_LIMIT - 1) blocks.push(section(`…and more: see \`/partner-status ${escapeMrkdwn(first?.partnerId ?? '')}\``));
  return { text, blocks };
}

/** A final failure in the partner's thread: the file, the error, a Resend button. */
export function buildDeliveryFailure(r: DeliveryRecord, resendValue: string): SlackMessage {
  const error = r.error ?? { code: 'Unknown', message: 'unknown error' };
  return {
    text: `Delivery failed: ${r.key} (${error.code})`,
    blocks: [
      section(
        `:x: *Delivery failed*: ${code(r.key)} → ${code(r.targetKey)}\n` +
          `Error ${code(error.code)}: ${escapeMrkdwn(error.message).slice(0, 1500)}\n${when(r.at)}`,
      ),
      {
        type: 'actions',
        block_id: 'delivery_failure',
        elements: [
          {
            type: 'button',
            action_id: ACTIONS.resend,
            text: { type: 'plain_text', text: 'Resend' },
            value: resendValue,
          },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Approvers and re-senders can re-send the latest version.' }] },
    ],
  };
}

export interface FanoutSummary {
  feed: string;
  key: string;
  delivered: number;
  failed: number;
  total: number;
  parked: number;
  failures: { partnerId: string; error: string }[];
}

/** One summary of a feed publication in DELIVERIES_CHANNEL. */
export function buildFanoutSummary(s: FanoutSummary): SlackMessage {
  const icon = s.failed > 0 ? ':warning:' : ':package:';
  const parked = s.parked > 0 ? `; ${s.parked} more when they go LIVE` : '';
  const head = `${icon} Feed ${code(s.feed)}: ${code(s.key)} delivered to ${s.delivered} of ${s.total} partners${parked}`;
  const failures = s.failures.slice(0, 50).map((f) => `• ${code(f.partnerId)}: ${escapeMrkdwn(f.error).slice(0, 300)}`);
  const more = s.failures.length > 50 ? [`…and ${s.failures.length - 50} more`] : [];
  const lines = [head, ...(failures.length ? ['*Failed:*', ...failures, ...more] : [])];
  return {
    text: `Feed ${s.feed}: ${s.key} delivered to ${s.delivered} of ${s.total} partners${s.failed ? `, ${s.failed} failed` : ''}`,
    blocks: chunkLines(lines).slice(0, BLOCK_LIMIT).map(section),
  };
}

/** A file under the outbound prefix that goes nowhere (reported once, left alone). */
export function buildUnroutable(key: string, reason: string): SlackMessage {
  return {
    text: `Not delivered: ${key} (${reason})`,
    blocks: [section(`:no_entry: *Not delivered*: ${code(key)}\n${escapeMrkdwn(reason)}. The file is left where it is.`)],
  };
}

/** A file for a partner that does not exist or was offboarded. */
export function buildUndeliverable(key: string, partnerId: string, reason: 'unknown' | 'offboarded'): SlackMessage {
  const why = reason === 'unknown' ? 'there is no such partner' : 'the partner was offboarded';
  return {
    text: `Not delivered: ${key} to ${partnerId} (${why})`,
    blocks: [section(`:no_entry: *Not delivered*: ${code(key)} to ${code(partnerId)}: ${why}. The file is left where it is.`)],
  };
}
