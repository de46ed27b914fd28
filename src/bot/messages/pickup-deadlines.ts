/** Pickup deadline messages: the overdue reminder in a partner's thread, the daily digest, the /partner-status lines. Pure. */
import { describeSla, oldestOverdue, overdueByPartner, type OverdueFile, type SourceOfRecord } from '../../domain/pickup-deadlines.js';
import type { PickupRecord } from '../../domain/pickup-events.js';
import type { Block } from '../../domain/notify-message.js';
import { contextBlock, section, slackMessage, type SlackMessage } from './blocks.js';
import { formatBytes } from './delivery.js';
import { BLOCK_LIMIT, capped, chunkLines, code, joinMrkdwn, mrkdwn, user, when, type Mrkdwn } from './mrkdwn.js';

const isoOf = (ms: number) => new Date(ms).toISOString();

/** What the source of record said, as one sentence. */
export function sourceOfRecordLine(s: SourceOfRecord): Mrkdwn {
  switch (s.kind) {
    case 'found':
      return mrkdwn`Transfer's log shows a complete download ${when(s.at)}: recorded as its pickup.`;
    case 'partial':
      return mrkdwn`Transfer's log shows only an incomplete download (${s.bytes === null ? 'bytes unknown' : formatBytes(s.bytes)}) ${when(s.at)}.`;
    case 'not-found':
      return mrkdwn`Not found in the source of record: ${capped(s.where, 300)}.`;
    case 'unavailable':
      return mrkdwn`The source of record could not be checked (${capped(s.why, 200)}); the file is treated as not picked up.`;
  }
}

export interface ReminderInput {
  partnerId: string;
  targetKey: string;
  deliveredAt: string;
  deadlineMs: number;
  slaHours: number;
  feed: string | null;
  /** The partner's owner (a Slack user id), mentioned; null: nobody on record. */
  owner: string | null;
  source: SourceOfRecord;
}

/** The one reminder in the partner's thread when a file was not picked up by its deadline. */
export function buildPickupReminder(r: ReminderInput): SlackMessage {
  const who = r.owner ? mrkdwn`${user(r.owner)}: ` : '';
  const feed = r.feed ? mrkdwn` (${code(r.feed)})` : '';
  const lines = [
    mrkdwn`:alarm_clock: ${who}${code(r.targetKey)}${feed}, delivered ${when(r.deliveredAt)}, was not picked up by its deadline ${when(isoOf(r.deadlineMs))} (${describeSla(r.slaHours)}).`,
    sourceOfRecordLine(r.source),
    mrkdwn`Please check with the partner. This is the only reminder for this file; it stays in the daily digest until it is picked up or replaced by a newer version.`,
  ];
  return slackMessage(mrkdwn`Not picked up by its deadline: ${r.targetKey} (${r.partnerId})`, [section(joinMrkdwn(lines, '\n'))]);
}

/** Files listed in the digest at most (the counts cover every one). */
export const DIGEST_FILES_MAX = 40;
const DIGEST_PARTNERS_MAX = 20;

/** The daily digest in DELIVERIES_CHANNEL: counts, then the oldest overdue files; within Slack's limits. */
export function buildOverdueDigest(input: { files: readonly OverdueFile[]; total: number; nowMs: number }): SlackMessage {
  const byPartner = overdueByPartner(input.files);
  const oldest = oldestOverdue(input.files, DIGEST_FILES_MAX);
  const partners = byPartner.slice(0, DIGEST_PARTNERS_MAX).map((p) => mrkdwn`${code(p.partnerId)} ${p.count}`);
  const more = byPartner.length > DIGEST_PARTNERS_MAX ? mrkdwn`, and ${byPartner.length - DIGEST_PARTNERS_MAX} more partners` : '';
  const lines = oldest.map((f) => mrkdwn`• ${code(f.targetKey)} — due ${when(isoOf(f.deadlineMs))}, delivered ${when(f.deliveredAt)}`);
  const head = mrkdwn`:alarm_clock: *${input.total} file${input.total === 1 ? '' : 's'} not picked up by ${input.total === 1 ? 'its' : 'their'} deadline* at ${when(isoOf(input.nowMs))}, ${byPartner.length} partner${byPartner.length === 1 ? '' : 's'}`;
  const blocks: Block[] = [
    section(head),
    section(capped(mrkdwn`By partner: ${joinMrkdwn(partners, ', ')}${more}`, 2900)),
    section(mrkdwn`*The oldest ${lines.length}*`),
    ...chunkLines(lines).slice(0, BLOCK_LIMIT - 4).map((t) => section(t)),
  ];
  if (input.total > lines.length) blocks.push(contextBlock(mrkdwn`${input.total - lines.length} more not listed. Each partner's open files: ${code('/partner-status <partner-id>')}.`));
  return slackMessage(mrkdwn`${input.total} files not picked up by their deadline`, blocks.slice(0, BLOCK_LIMIT));
}

/** A file not picked up yet, as /partner-status lists it. */
export interface OpenFileView {
  targetKey: string;
  deliveredAt: string;
  deadlineMs: number;
  overdue: boolean;
}

/** Open files listed by /partner-status at most (the count covers every one). */
export const STATUS_OPEN_FILES = 15;

/** /partner-status's pickup lines: the files not picked up yet (with their deadlines) and the last pickup. */
export function pickupStatusBlocks(open: readonly OpenFileView[], openTotal: number, last: PickupRecord | null): Block[] {
  const lastLine = last
    ? mrkdwn`*Last pickup*\n${code(last.targetKey)} ${when(last.at)} by ${last.channel === 'sftp' ? 'SFTP' : 'S3'}`
    : mrkdwn`*Last pickup*\nnone yet`;
  const lines = open.map((f) =>
    f.overdue
      ? mrkdwn`:alarm_clock: ${code(f.targetKey)} — OVERDUE since ${when(isoOf(f.deadlineMs))} (delivered ${when(f.deliveredAt)})`
      : mrkdwn`:hourglass_flowing_sand: ${code(f.targetKey)} — due ${when(isoOf(f.deadlineMs))} (delivered ${when(f.deliveredAt)})`,
  );
  const head = openTotal === 0 ? mrkdwn`*Not picked up*\nnone: every delivered file was picked up` : mrkdwn`*Not picked up: ${openTotal}*${openTotal > open.length ? ` (the oldest ${open.length})` : ''}`;
  return [section(lastLine), section(head), ...chunkLines(lines).slice(0, 4).map((t) => section(t))];
}
