/** Delivery messages: receipts, failures with a Resend button, fan-out summaries, reports. Pure. */
import type { DeliveryRecord } from '../../domain/delivery.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import type { Block } from '../../domain/notify-message.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { ACTIONS } from './ids.js';
import { BLOCK_LIMIT, capped, chunkLines, code, mrkdwn, user, when, type Mrkdwn } from './mrkdwn.js';

export type { SlackMessage } from './blocks.js';

/** A size in one human form: "22 B", "1.4 MB" (powers of 1,000, as file managers show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 999.5 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v < 9.95 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)} ${units[i]}`;
}

function receiptLine(r: DeliveryRecord): Mrkdwn {
  const size = r.size !== undefined ? formatBytes(r.size) : 'size unknown';
  const checksum = r.checksum ? mrkdwn`${r.checksum.algorithm} ${code(r.checksum.value)}` : 'no checksum';
  const forced = r.forcedBy ? mrkdwn` · re-sent for ${user(r.forcedBy)}` : '';
  return mrkdwn`:white_check_mark: ${code(r.key)} → ${code(r.targetKey)}\n${size} · ${checksum} · ${when(r.at)}${forced}`;
}

/** One message for every receipt of a thread that arrived within the window. */
export function buildReceipts(records: DeliveryRecord[]): SlackMessage {
  const first = records[0];
  const text =
    records.length === 1 && first
      ? mrkdwn`Delivered ${first.key} to ${first.targetKey}`
      : mrkdwn`Delivered ${records.length} files`;
  const header = records.length === 1 ? [] : [mrkdwn`*Delivered ${records.length} files*`];
  const chunks = chunkLines([...header, ...records.map(receiptLine)]);
  const blocks = chunks.slice(0, BLOCK_LIMIT - 1).map(section);
  if (chunks.length > BLOCK_LIMIT - 1) blocks.push(section(mrkdwn`…and more: see \`/partner-status ${first?.partnerId ?? ''}\``));
  return slackMessage(text, blocks);
}

/** What Resend can do, said under the button (approvers and re-senders may press it). */
const RESEND_NOTE = {
  now: 'Approvers and re-senders can press Resend to send the latest version again.',
  after: 'Once that is done, approvers and re-senders can press Resend to send the latest version.',
} as const;

/**
 * A final failure in the partner's thread: what happened to which file, why, and what to do next
 * (src/domain/failure-advice.ts), with a Resend button only where re-sending can help. The error's
 * code and AWS's message stay in the log, the audit trail and the delivery history.
 */
export function buildDeliveryFailure(r: DeliveryRecord, resendValue: string): SlackMessage {
  const advice = failureAdvice(r.error?.code ?? '');
  const blocks: Block[] = [
    section(mrkdwn`:x: *Not delivered*: ${code(r.key)} → ${code(r.targetKey)}: ${advice.what}.\n${advice.why} ${advice.next}\n${when(r.at)}`),
  ];
  if (advice.resend !== 'no') {
    blocks.push(
      {
        type: 'actions',
        block_id: 'delivery_failure',
        elements: [{ type: 'button', action_id: ACTIONS.resend, text: { type: 'plain_text', text: 'Resend' }, value: resendValue }],
      },
      contextBlock(mrkdwn`${RESEND_NOTE[advice.resend]}`),
    );
  }
  return slackMessage(mrkdwn`Not delivered: ${r.key}: ${advice.what}`, blocks);
}

export interface FanoutSummary {
  feed: string;
  key: string;
  delivered: number;
  failed: number;
  total: number;
  parked: number;
  failures: { partnerId: string; error: string }[];
  /** Partners that picked the file up (a quiet fan-out's summary is updated as they do). */
  pickedUp?: number;
}

/** One summary of a feed publication in DELIVERIES_CHANNEL. */
export function buildFanoutSummary(s: FanoutSummary): SlackMessage {
  const icon = s.failed > 0 ? ':warning:' : ':package:';
  const parked = s.parked > 0 ? `; ${s.parked} more when they go LIVE` : '';
  const pickedUp = s.pickedUp === undefined ? '' : `; picked up by ${s.pickedUp} of ${s.delivered}`;
  const head = mrkdwn`${icon} Feed ${code(s.feed)}: ${code(s.key)} delivered to ${s.delivered} of ${s.total} partners${parked}${pickedUp}`;
  const failures = s.failures.slice(0, 50).map((f) => mrkdwn`• ${code(f.partnerId)}: ${capped(f.error, 300)}`);
  const more = s.failures.length > 50 ? [mrkdwn`…and ${s.failures.length - 50} more`] : [];
  const lines = [head, ...(failures.length ? [mrkdwn`*Failed:*`, ...failures, ...more] : [])];
  return slackMessage(
    mrkdwn`Feed ${s.feed}: ${s.key} delivered to ${s.delivered} of ${s.total} partners${s.failed ? `, ${s.failed} failed` : ''}${pickedUp}`,
    chunkLines(lines).slice(0, BLOCK_LIMIT).map(section),
  );
}

/** A file under the outbound prefix that goes nowhere (reported once, left alone). */
export function buildUnroutable(key: string, reason: string): SlackMessage {
  return slackMessage(mrkdwn`Not delivered: ${key} (${reason})`, [
    section(mrkdwn`:no_entry: *Not delivered*: ${code(key)}\n${reason}. The file is left where it is.`),
  ]);
}

/** A file whose dispatch was cut short by the worker's death too often: not tried again (src/jobs/platform/stalls.ts). */
export function buildDispatchStalledOut(key: string, deaths: number): SlackMessage {
  return slackMessage(mrkdwn`Not dispatched: ${key} (the worker died ${deaths} times while dispatching it)`, [
    section(mrkdwn`:warning: *Not dispatched*: ${code(key)}
The worker died ${deaths} times while dispatching this file, so it is not tried again. Deliveries it queued before go on; partners without one get nothing. Upload the file again (its new version is dispatched anew), or use /resend-file for each partner.`),
  ]);
}

/** A file for a partner that does not exist or was offboarded. */
export function buildUndeliverable(key: string, partnerId: string, reason: 'unknown' | 'offboarded'): SlackMessage {
  const why = reason === 'unknown' ? 'there is no such partner' : 'the partner was offboarded';
  return slackMessage(mrkdwn`Not delivered: ${key} to ${partnerId} (${why})`, [
    section(mrkdwn`:no_entry: *Not delivered*: ${code(key)} to ${code(partnerId)}: ${why}. The file is left where it is.`),
  ]);
}
