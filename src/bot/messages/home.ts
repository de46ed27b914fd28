/**
 * The App Home of one person (docs/app-home.md): what waits on them, the partners with a filter and
 * pages, and the platform's recent failures and re-sends, from one snapshot of the stores and the
 * details of the partners it lists (homeSelection says which). Pure.
 * Whatever the data, the view stays inside Slack's limits: 100 blocks, 3,000 characters a section,
 * 150 of plain text in a header or button, 100 options of 75 characters in a select.
 */
import type { types } from '@slack/bolt';
import type { Block } from '../../domain/notify-message.js';
import type { ChangeRequest, OnboardingRequest } from '../../domain/requests.js';
import type { PartnerStatus } from '../../domain/partner.js';
import {
  filterPartners, HOME_STATUSES, isolationProvenAt, messageLink, type FailedRun, type HomeDetails, type HomeSnapshot, type HomeState,
  type PartnerSummary, type RecentDelivery, type ReviewDue,
} from '../../domain/home.js';
import { CHANGE_APPROVAL, changeTitle, decisionButtons, REQUEST_APPROVAL } from './approval-card.js';
import { contextBlock, section } from './blocks.js';
import { cardRef, HOME_ACTIONS } from './ids.js';
import { capped, code, composed, joinMrkdwn, messageLinkTo, mrkdwn, plainText, user, when, type Mrkdwn } from './mrkdwn.js';
import { retryProvisionButton } from './provision.js';
import { retryVerifyButton } from './verify.js';
import { STATUS_LABELS } from './status-labels.js';

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
  /** Of the partners the selection shows (homeSelection); a partner missing here shows "never" and no link. */
  details: HomeDetails;
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

const STATUS_LABEL = STATUS_LABELS.short;

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


/** What one person's Home shows of the snapshot: the slices every section takes, computed once. */
export interface HomeSelection {
  requests: OnboardingRequest[];
  changes: ChangeRequest[];
  waitingTotal: number;
  quarantined: PartnerSummary[];
  quarantinedTotal: number;
  failed: FailedRun[];
  reviews: ReviewDue[];
  /** Partners the filter keeps, the page shown (clamped) and how many pages. */
  kept: number;
  page: number;
  pages: number;
  shown: PartnerSummary[];
  recent: RecentDelivery[];
}

export function homeSelection(s: HomeSnapshot, viewer: HomeViewer, state: HomeState): HomeSelection {
  const approver = viewer.member && viewer.approver;
  const requests = approver ? s.requests.filter((r) => r.status === 'pending' && r.requestedBy !== viewer.user) : [];
  const changes = approver ? s.changes.filter((c) => c.status === 'pending' && c.requestedBy !== viewer.user) : [];
  const shownRequests = requests.slice(0, HOME_SHOWN.waiting);
  const q = approver ? s.partners.filter((p) => p.status === 'quarantined') : [];
  const kept = viewer.member ? filterPartners(s.partners, state) : [];
  const per = HOME_SHOWN.partnersPerPage;
  const pages = Math.max(1, Math.ceil(kept.length / per));
  const page = Math.min(state.page, pages - 1);
  return {
    requests: shownRequests, changes: changes.slice(0, HOME_SHOWN.waiting - shownRequests.length), waitingTotal: requests.length + changes.length,
    quarantined: q.slice(0, HOME_SHOWN.quarantined), quarantinedTotal: q.length,
    failed: approver ? s.failed : [], reviews: approver ? s.reviewsDue : [],
    kept: kept.length, page, pages, shown: kept.slice(page * per, page * per + per),
    recent: viewer.member ? s.recent.slice(0, HOME_SHOWN.recent) : [],
  };
}

/** The partners whose details the selection shows, and the ref of each one's thread: what to read for this Home alone. */
export function detailsWanted(s: HomeSnapshot, sel: HomeSelection): { partnerIds: string[]; threadRefs: Map<string, string> } {
  const byId = new Map(s.partners.map((p) => [p.partnerId, p]));
  const refs = new Map<string, string>();
  for (const r of sel.requests) refs.set(r.partnerId, byId.get(r.partnerId)?.threadRef ?? cardRef(r.id));
  const ids = [
    ...sel.changes.map((c) => c.partnerId), ...sel.quarantined.map((p) => p.partnerId), ...sel.failed.slice(0, HOME_SHOWN.failed).map((f) => f.partnerId),
    ...sel.reviews.slice(0, HOME_SHOWN.reviews).map((r) => r.partnerId), ...sel.shown.map((p) => p.partnerId), ...sel.recent.map((r) => r.partnerId),
  ];
  for (const id of ids) {
    const ref = byId.get(id)?.threadRef;
    if (ref && !refs.has(id)) refs.set(id, ref);
  }
  return { partnerIds: sel.shown.map((p) => p.partnerId), threadRefs: refs };
}

type Data = HomeSnapshot & HomeDetails;

function threadLink(s: Data, partnerId: string): Mrkdwn {
  const at = s.threads.get(partnerId);
  return at ? messageLinkTo(messageLink(at), 'thread') : mrkdwn``;
}

const moreLine = (n: number, where: string): Block[] => (n > 0 ? [contextBlock(mrkdwn`… and ${n} more ${where}`)] : []);

function waiting(s: Data, sel: HomeSelection): Block[] {
  const items: Block[] = [
    ...sel.requests.flatMap((r: OnboardingRequest, i) => [
      section(mrkdwn`*Onboarding* of ${capped(r.displayName, 100)} (${code(r.partnerId)}) — asked by ${user(r.requestedBy)}, expires ${when(r.expiresAt)} ${threadLink(s, r.partnerId)}`),
      decisionButtons(REQUEST_APPROVAL, r, `home_request_${i}`),
    ]),
    ...sel.changes.flatMap((c: ChangeRequest, i) => [
      section(mrkdwn`*${changeTitle(c.spec)}* for ${code(c.partnerId)} — asked by ${user(c.requestedBy)}, expires ${when(c.expiresAt)} ${threadLink(s, c.partnerId)}`),
      decisionButtons(CHANGE_APPROVAL, c, `home_change_${i}`),
    ]),
  ];
  return [
    header('Waiting on you'),
    ...(sel.waitingTotal === 0 ? [contextBlock(mrkdwn`Nothing waits on you.`)] : items),
    ...moreLine(sel.waitingTotal - sel.requests.length - sel.changes.length, 'in the approvals channel'),
  ];
}

function quarantined(s: Data, sel: HomeSelection): Block[] {
  if (sel.quarantinedTotal === 0) return [];
  const lines = sel.quarantined.map((p) => mrkdwn`:red_circle: ${code(p.partnerId)} ${capped(p.name, 80)} ${threadLink(s, p.partnerId)}`);
  return [header(`Quarantined (${sel.quarantinedTotal})`), linesSection(lines, sel.quarantinedTotal - lines.length)];
}

function failed(s: Data, sel: HomeSelection): Block[] {
  if (sel.failed.length === 0) return [];
  const blocks: Block[] = sel.failed.slice(0, HOME_SHOWN.failed).map((f, i) => ({
    type: 'section', block_id: `home_failed_${i}`,
    text: {
      type: 'mrkdwn',
      text: capped(mrkdwn`:x: ${f.kind === 'provision' ? 'Provisioning' : 'Verification'} of ${code(f.partnerId)} failed${f.step ? mrkdwn` at ${code(f.step)}` : ''}${f.error ? mrkdwn`: ${capped(f.error, 300)}` : ''} ${threadLink(s, f.partnerId)}`, HOME_LIMITS.section).toString(),
    },
    accessory: f.kind === 'provision' ? retryProvisionButton(f.requestId, f.step ?? '') : retryVerifyButton(f.requestId),
  }));
  return [header(`Failed (${sel.failed.length})`), ...blocks, ...moreLine(sel.failed.length - blocks.length, 'failed')];
}

function reviews(s: Data, sel: HomeSelection): Block[] {
  if (sel.reviews.length === 0) return [];
  const lines = sel.reviews.slice(0, HOME_SHOWN.reviews).map((r) => mrkdwn`:memo: ${code(r.partnerId)} — owner ${r.owner ? user(r.owner) : 'none'}, due ${when(r.dueAt)} (${capped(r.state, 40)}) ${threadLink(s, r.partnerId)}`);
  return [header(`Reviews due (${sel.reviews.length})`), linesSection(lines, sel.reviews.length - lines.length)];
}

function partnerLine(s: Data, p: PartnerSummary): Mrkdwn {
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

function partners(s: Data, sel: HomeSelection, state: HomeState): Block[] {
  const { kept, page, pages, shown } = sel;
  const per = HOME_SHOWN.partnersPerPage;
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
  const range = kept === 0 ? 'No partner' : `Partners ${page * per + 1}–${page * per + shown.length} of ${kept}`;
  const what = filtered ? mrkdwn` matching${state.idPrefix !== null ? mrkdwn` ids starting with ${code(state.idPrefix)}` : ''}${state.status !== null ? mrkdwn` status ${code(state.status)}` : ''}` : mrkdwn``;
  const nav = [
    ...(page > 0 ? [{ type: 'button' as const, action_id: `${HOME_ACTIONS.page}_prev`, text: plain('‹ Previous', HOME_LIMITS.plainText), value: String(page - 1) }] : []),
    ...(page < pages - 1 ? [{ type: 'button' as const, action_id: `${HOME_ACTIONS.page}_next`, text: plain('Next ›', HOME_LIMITS.plainText), value: String(page + 1) }] : []),
  ];
  return [
    header(`Partners (${s.partners.length})`),
    filter,
    contextBlock(mrkdwn`${range}${what} · page ${page + 1} of ${pages}`),
    ...shown.map((p) => section(capped(partnerLine(s, p), HOME_LIMITS.section))),
    ...(nav.length > 0 ? [{ type: 'actions', block_id: 'home_pages', elements: nav } as Block] : []),
  ];
}

function recent(s: Data, sel: HomeSelection): Block[] {
  const lines = sel.recent.map((r) =>
    r.outcome === 'failed'
      ? mrkdwn`:x: ${when(r.at)} ${code(r.partnerId)} ${code(r.key.slice(-120))} failed${r.error ? mrkdwn`: ${capped(r.error, 200)}` : ''} ${threadLink(s, r.partnerId)}`
      : mrkdwn`:repeat: ${when(r.at)} ${code(r.partnerId)} ${code(r.key.slice(-120))} re-sent by ${user(r.forcedBy ?? '')} ${threadLink(s, r.partnerId)}`,
  );
  return [header('Recent failures and re-sends'), lines.length === 0 ? contextBlock(mrkdwn`None.`) : linesSection(lines)];
}

export function buildHomeView(input: HomeViewInput): HomeView {
  const { viewer, state } = input;
  const s: Data = { ...input.snapshot, ...input.details };
  const sel = homeSelection(input.snapshot, viewer, state);
  const blocks: Block[] = [header('partnergate')];
  if (input.notice) blocks.push(section(mrkdwn`:no_entry_sign: ${capped(composed(input.notice), 2900)}`));
  blocks.push({ type: 'context', block_id: HOME_AS_OF_BLOCK, elements: [{ type: 'mrkdwn', text: mrkdwn`As of ${when(s.at)}`.toString() }] });
  if (!viewer.member) {
    blocks.push(section(mrkdwn`The partners are shown to full members of the workspace (not guests).`));
    return { type: 'home', blocks, private_metadata: '' };
  }
  if (viewer.approver) blocks.push(...waiting(s, sel), ...quarantined(s, sel), ...failed(s, sel), ...reviews(s, sel), { type: 'divider' });
  blocks.push(...partners(s, sel, state), { type: 'divider' }, ...recent(s, sel));
  return { type: 'home', blocks: blocks.slice(0, HOME_LIMITS.blocks), private_metadata: '' };
}
