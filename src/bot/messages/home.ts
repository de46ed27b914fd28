/**
 * The App Home of one person (docs/app-home.md): what waits on them, the partners with a filter and
 * pages, and the platform's recent failures and re-sends, from one snapshot of the stores. Pure.
 * Whatever the data, the view stays inside Slack's limits: 100 blocks, 3,000 characters a section,
 * 150 of plain text in a header or button, 100 options of 75 characters in a select.
 */
import type { types } from '@slack/bolt';
import type { Block } from '../../domain/notify-message.js';
import type { ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { PartnerStatus } from '../../domain/partner.js';
import {
  filterPartners, HOME_STATUSES, isolationProvenAt, messageLink, type HomeSnapshot, type HomeState, type PartnerSummary,
} from '../../domain/home.js';
import { CHANGE_APPROVAL, changeTitle, decisionButtons, REQUEST_APPROVAL } from './approval-card.js';
import { contextBlock, section } from './blocks.js';
import { HOME_ACTIONS } from './ids.js';
import { capped, code, composed, joinMrkdwn, messageLinkTo, mrkdwn, plainText, user, when, type Mrkdwn } from './mrkdwn.js';
import { retryProvisionButton } from './provision.js';
import { retryVerifyButton } from './verify.js';

/** Slack's limits for a Home view. */
export const HOME_LIMITS = { blocks: 100, section: 3000, plainText: 150, options: 100, optionText: 75 } as const;

/** How many of each the Home shows before "and N more". */
export const HOME_SHOWN = { waiting: 5, quarantined: 5, failed: 5, reviews: 5, partnersPerPage: 20, recent: 10 } as const;

export interface HomeViewer {
  user: string;
  /** A full member (the gate's `view`): sees the partners. */
  member: boolean;
  /** An approver: sees what waits on them. */
  approver: boolean;
}

export interface HomeViewInput {
  snapshot: HomeSnapshot;
  viewer: HomeViewer;
  state: HomeState;
  /** A refusal to show at the top, once. */
  notice: string | null;
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
  private_metadata: string;
}

/** The block whose text changes with every build: left out of the view's hash. */
export const HOME_AS_OF_BLOCK = 'home_as_of';

const STATUS_LABEL: Record<PartnerStatus, string> = {
  live: ':large_green_circle: live', quarantined: ':red_circle: quarantined', provisioning: ':hourglass: provisioning',
  provision_failed: ':x: provisioning failed', verifying: ':hourglass: verifying', verify_failed: ':x: verification failed', offboarded: 'offboarded',
};

const ACCESS_LABEL = { sftp: 'SFTP', 's3-role': 'S3 role' } as const;

const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: plainText(text).slice(0, HOME_LIMITS.plainText) } });
const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: plainText(text).slice(0, max) || ' ' });
/** A section of lines, never over the limit: lines that do not fit are counted instead. */
function linesSection(lines: readonly Mrkdwn[], more = 0): Block {
  const kept: Mrkdwn[] = [];
  let used = 0;
  for (const l of lines) {
    const line = capped(l, 900);
    if (used + line.toString().length + 1 > HOME_LIMITS.section - 40) break;
    kept.push(line);
    used += line.toString().length + 1;
  }
  const left = more + lines.length - kept.length;
  return section(mrkdwn`${kept.length > 0 ? joinMrkdwn(kept, '\n') : '—'}${left > 0 ? `\n… and ${left} more` : ''}`);
}

function threadLink(s: HomeSnapshot, partnerId: string): Mrkdwn {
  const at = s.threads.get(partnerId);
  return at ? messageLinkTo(messageLink(at), 'thread') : mrkdwn``;
}

const moreLine = (n: number, where: string): Block[] => (n > 0 ? [contextBlock(mrkdwn`… and ${n} more ${where}`)] : []);

function waiting(s: HomeSnapshot, viewer: HomeViewer): Block[] {
  const requests = s.requests.filter((r) => r.status === 'pending' && r.requestedBy !== viewer.user);
  const changes = s.changes.filter((c) => c.status === 'pending' && c.requestedBy !== viewer.user);
  const items: Block[][] = [
    ...requests.map((r: OnboardingRequest, i) => [
      section(mrkdwn`*Onboarding* of ${capped(r.displayName, 100)} (${code(r.partnerId)}) — asked by ${user(r.requestedBy)}, expires ${when(r.expiresAt)} ${threadLink(s, r.partnerId)}`),
      decisionButtons(REQUEST_APPROVAL, r, `home_request_${i}`),
    ]),
    ...changes.map((c: ChangeRequest, i) => [
      section(mrkdwn`*${changeTitle(c.spec)}* for ${code(c.partnerId)} — asked by ${user(c.requestedBy)}, expires ${when(c.expiresAt)} ${threadLink(s, c.partnerId)}`),
      decisionButtons(CHANGE_APPROVAL, c, `home_change_${i}`),
    ]),
  ];
  const shown = items.slice(0, HOME_SHOWN.waiting).flat();
  return [
    header('Waiting on you'),
    ...(items.length === 0 ? [contextBlock(mrkdwn`Nothing waits on you.`)] : shown),
    ...moreLine(items.length - HOME_SHOWN.waiting, 'in the approvals channel'),
  ];
}

function quarantined(s: HomeSnapshot, partners: readonly PartnerSummary[]): Block[] {
  const q = partners.filter((p) => p.status === 'quarantined');
  if (q.length === 0) return [];
  const lines = q.slice(0, HOME_SHOWN.quarantined).map((p) => mrkdwn`:red_circle: ${code(p.partnerId)} ${capped(p.name, 80)} ${threadLink(s, p.partnerId)}`);
  return [header(`Quarantined (${q.length})`), linesSection(lines, q.length - lines.length)];
}

function failed(s: HomeSnapshot): Block[] {
  if (s.failed.length === 0) return [];
  const blocks: Block[] = s.failed.slice(0, HOME_SHOWN.failed).map((f, i) => ({
    type: 'section', block_id: `home_failed_${i}`,
    text: {
      type: 'mrkdwn',
      text: capped(mrkdwn`:x: ${f.kind === 'provision' ? 'Provisioning' : 'Verification'} of ${code(f.partnerId)} failed${f.step ? mrkdwn` at ${code(f.step)}` : ''}${f.error ? mrkdwn`: ${capped(f.error, 300)}` : ''} ${threadLink(s, f.partnerId)}`, HOME_LIMITS.section).toString(),
    },
    accessory: f.kind === 'provision' ? retryProvisionButton(f.requestId, f.step ?? '') : retryVerifyButton(f.requestId),
  }));
  return [header(`Failed (${s.failed.length})`), ...blocks, ...moreLine(s.failed.length - blocks.length, 'failed')];
}

function reviews(s: HomeSnapshot): Block[] {
  if (s.reviewsDue.length === 0) return [];
  const lines = s.reviewsDue.slice(0, HOME_SHOWN.reviews).map((r) => mrkdwn`:memo: ${code(r.partnerId)} — owner ${user(r.owner)}, due ${when(r.dueAt)} (${capped(r.state, 40)}) ${threadLink(s, r.partnerId)}`);
  return [header(`Reviews due (${s.reviewsDue.length})`), linesSection(lines, s.reviewsDue.length - lines.length)];
}

function partnerLine(s: HomeSnapshot, p: PartnerSummary): Mrkdwn {
  const feeds = p.feeds.length === 0 ? 'none' : joinMrkdwn([...p.feeds.slice(0, 5).map((f) => code(f.slice(0, 40))), ...(p.feeds.length > 5 ? [`+${p.feeds.length - 5}`] : [])], ', ');
  const access = p.access.length === 0 ? 'no access' : p.access.map((a) => ACCESS_LABEL[a]).join(', ');
  const at = (iso: string | null | undefined) => (iso ? when(iso) : mrkdwn`never`);
  const overdue = s.overdue.get(p.partnerId) ?? 0;
  const proven = isolationProvenAt(p);
  return mrkdwn`*${capped(p.name, 80)}* ${code(p.partnerId)} · ${STATUS_LABEL[p.status]} · ${access} · feeds ${feeds} ${threadLink(s, p.partnerId)}
last delivery ${at(s.lastDelivered.get(p.partnerId))} · last pickup ${at(s.lastPickup.get(p.partnerId))}${overdue > 0 ? mrkdwn` · :warning: ${overdue} overdue` : ''} · isolation proven ${at(proven)}`;
}

function statusOption(status: PartnerStatus | null) {
  return { text: plain(status === null ? 'Any status' : STATUS_LABEL[status].replace(/^:[a-z_]+: /, ''), HOME_LIMITS.optionText), value: status ?? 'any' };
}

/** The id select's option for a prefix (what the search offers first, and the filter's initial option). */
export function prefixOption(prefix: string): types.PlainTextOption {
  return { text: plain(`ids starting with ${prefix}`, HOME_LIMITS.optionText), value: `prefix:${prefix}` };
}

export function idOption(partnerId: string): types.PlainTextOption {
  return { text: plain(partnerId, HOME_LIMITS.optionText), value: `id:${partnerId}` };
}

function partners(s: HomeSnapshot, all: readonly PartnerSummary[], state: HomeState): Block[] {
  const kept = filterPartners(all, state);
  const per = HOME_SHOWN.partnersPerPage;
  const pages = Math.max(1, Math.ceil(kept.length / per));
  const page = Math.min(state.page, pages - 1);
  const shown = kept.slice(page * per, page * per + per);
  const filter: Block = {
    type: 'actions', block_id: 'home_filter',
    elements: [
      {
        type: 'external_select', action_id: HOME_ACTIONS.filterId, min_query_length: 1, placeholder: plain('Partner id…', HOME_LIMITS.optionText),
        ...(state.idPrefix !== null ? { initial_option: prefixOption(state.idPrefix) } : {}),
      },
      {
        type: 'static_select', action_id: HOME_ACTIONS.filterStatus, placeholder: plain('Status', HOME_LIMITS.optionText),
        options: [null, ...HOME_STATUSES].map(statusOption), initial_option: statusOption(state.status),
      },
      { type: 'button', action_id: HOME_ACTIONS.clear, text: plain('Clear filter', HOME_LIMITS.plainText), value: 'clear' },
    ],
  };
  const filtered = state.idPrefix !== null || state.status !== null;
  const range = kept.length === 0 ? 'No partner' : `Partners ${page * per + 1}–${page * per + shown.length} of ${kept.length}`;
  const what = filtered ? mrkdwn` matching${state.idPrefix !== null ? mrkdwn` ids starting with ${code(state.idPrefix)}` : ''}${state.status !== null ? mrkdwn` status ${code(state.status)}` : ''}` : mrkdwn``;
  const nav = [
    ...(page > 0 ? [{ type: 'button' as const, action_id: `${HOME_ACTIONS.page}_prev`, text: plain('‹ Previous', HOME_LIMITS.plainText), value: String(page - 1) }] : []),
    ...(page < pages - 1 ? [{ type: 'button' as const, action_id: `${HOME_ACTIONS.page}_next`, text: plain('Next ›', HOME_LIMITS.plainText), value: String(page + 1) }] : []),
  ];
  return [
    header(`Partners (${all.length})`),
    filter,
    contextBlock(mrkdwn`${range}${what} · page ${page + 1} of ${pages}`),
    ...shown.map((p) => section(capped(partnerLine(s, p), HOME_LIMITS.section))),
    ...(nav.length > 0 ? [{ type: 'actions', block_id: 'home_pages', elements: nav } as Block] : []),
  ];
}

function recent(s: HomeSnapshot): Block[] {
  const lines = s.recent.slice(0, HOME_SHOWN.recent).map((r) =>
    r.outcome === 'failed'
      ? mrkdwn`:x: ${when(r.at)} ${code(r.partnerId)} ${code(r.key.slice(-120))} failed${r.error ? mrkdwn`: ${capped(r.error, 200)}` : ''} ${threadLink(s, r.partnerId)}`
      : mrkdwn`:repeat: ${when(r.at)} ${code(r.partnerId)} ${code(r.key.slice(-120))} re-sent by ${user(r.forcedBy ?? '')} ${threadLink(s, r.partnerId)}`,
  );
  return [header('Recent failures and re-sends'), lines.length === 0 ? contextBlock(mrkdwn`None.`) : linesSection(lines)];
}

export function buildHomeView(input: HomeViewInput): HomeView {
  const { snapshot: s, viewer, state } = input;
  const blocks: Block[] = [header('partnergate')];
  if (input.notice) blocks.push(section(mrkdwn`:no_entry_sign: ${capped(composed(input.notice), 2900)}`));
  blocks.push({ type: 'context', block_id: HOME_AS_OF_BLOCK, elements: [{ type: 'mrkdwn', text: mrkdwn`As of ${when(s.at)}`.toString() }] });
  if (!viewer.member) {
    blocks.push(section(mrkdwn`The partners are shown to full members of the workspace (not guests).`));
    return { type: 'home', blocks, private_metadata: '' };
  }
  if (viewer.approver) blocks.push(...waiting(s, viewer), ...quarantined(s, s.partners), ...failed(s), ...reviews(s), { type: 'divider' });
  blocks.push(...partners(s, s.partners, state), { type: 'divider' }, ...recent(s));
  return { type: 'home', blocks: blocks.slice(0, HOME_LIMITS.blocks), private_metadata: '' };
}
