/**
 * What the App Home shows (docs/app-home.md): the short summary the registry keeps of each partner,
 * the snapshot a Home is built from, and each person's filter and page. Pure.
 */
import type { ChangeRequest, OnboardingRequest } from './requests.js';
import type { PartnerRecord, PartnerStatus } from './partner.js';

export type AccessKind = 'sftp' | 's3-role';

/** What the Home shows of a partner, kept beside its record (`P:home:partners`) so 10,000 read in one call. */
export interface PartnerSummary {
  partnerId: string;
  name: string;
  status: PartnerStatus;
  access: AccessKind[];
  feeds: string[];
  requestId: string;
  channel: string;
  threadRef: string;
  verifiedAt: string | null;
  provenAt: string | null;
}

/** Names longer than this are cut in the summary: the Home never shows more. */
const SUMMARY_NAME_MAX = 120;

export function summaryOf(r: PartnerRecord): PartnerSummary {
  const access: AccessKind[] = [];
  if (r.sshKeys.length > 0) access.push('sftp');
  if (r.accountId) access.push('s3-role');
  return {
    partnerId: r.partnerId, name: r.displayName.slice(0, SUMMARY_NAME_MAX), status: r.status, access, feeds: r.feeds,
    requestId: r.requestId, channel: r.channel, threadRef: r.threadRef, verifiedAt: r.verifiedAt, provenAt: r.provenAt ?? null,
  };
}

/** When the partner's isolation was last proven: the assurance probes, else verification. */
export const isolationProvenAt = (s: Pick<PartnerSummary, 'verifiedAt' | 'provenAt'>): string | null => s.provenAt ?? s.verifiedAt;

/** An access review waiting for its owner (access reviews feed these; the Home only lists them). */
export interface ReviewDue {
  partnerId: string;
  /** Null: nobody answers for the partner yet. */
  owner: string | null;
  dueAt: string;
  state: string;
}

/** A partner whose provisioning or verification failed: what its Retry button carries. */
export interface FailedRun {
  partnerId: string;
  requestId: string;
  kind: 'provision' | 'verify';
  /** The step the provisioning run recorded as failed (the Retry starts there). */
  step: string | null;
  /** What failed, in words (src/domain/failure-advice.ts): the code stays in the run record and the log. */
  error: string | null;
}

/** A failed delivery or a forced re-send, platform-wide (`P:dl:recent`). */
export interface RecentDelivery {
  at: string;
  partnerId: string;
  key: string;
  outcome: 'delivered' | 'failed';
  /** What failed, in words (src/domain/failure-advice.ts). */
  error?: string;
  forcedBy?: string;
}

/** One read of the stores that every person's Home is built from (what every partner needs to be filtered and counted). */
export interface HomeSnapshot {
  /** Every partner not offboarded, by id. */
  partners: PartnerSummary[];
  overdue: ReadonlyMap<string, number>;
  requests: OnboardingRequest[];
  changes: ChangeRequest[];
  failed: FailedRun[];
  recent: RecentDelivery[];
  reviewsDue: ReviewDue[];
  /** When the snapshot was read (ISO). */
  at: string;
}

/** What a person's Home shows of the few partners on it, read for those alone. */
export interface HomeDetails {
  lastDelivered: ReadonlyMap<string, string>;
  lastPickup: ReadonlyMap<string, string>;
  /** Where each partner's thread is (its card's channel and ts), by partner id. */
  threads: ReadonlyMap<string, { channel: string; ts: string }>;
}

/** The statuses the filter offers (offboarded partners are not listed). */
export const HOME_STATUSES: readonly PartnerStatus[] = ['live', 'quarantined', 'provisioning', 'provision_failed', 'verifying', 'verify_failed'];

/** Each person's filter and page, kept in Redis so a re-published Home keeps them. */
export interface HomeState {
  /** Partner ids starting with this (an id chosen in the select is its own prefix). */
  idPrefix: string | null;
  status: PartnerStatus | null;
  page: number;
}

export const DEFAULT_HOME_STATE: HomeState = { idPrefix: null, status: null, page: 0 };

/** What a typed id prefix may hold: the partner id alphabet, at most an id long. */
export function cleanIdPrefix(typed: string): string {
  return typed.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 32);
}

/** A stored or clicked state, checked: anything else falls back to the default. */
export function readHomeState(value: unknown): HomeState {
  if (value === null || typeof value !== 'object') return DEFAULT_HOME_STATE;
  const v = value as Record<string, unknown>;
  const idPrefix = typeof v['idPrefix'] === 'string' && cleanIdPrefix(v['idPrefix']) !== '' ? cleanIdPrefix(v['idPrefix']) : null;
  const status = HOME_STATUSES.find((s) => s === v['status']) ?? null;
  const page = typeof v['page'] === 'number' && Number.isInteger(v['page']) && v['page'] >= 0 ? Math.min(v['page'], 100_000) : 0;
  return { idPrefix, status, page };
}

/** The partners a filter keeps, in id order. */
export function filterPartners(partners: readonly PartnerSummary[], state: HomeState): PartnerSummary[] {
  return partners.filter((p) => (state.status === null || p.status === state.status) && (state.idPrefix === null || p.partnerId.startsWith(state.idPrefix)));
}

/** Files overdue per partner, from the overdue index's members (`<partnerId>\t<dh>`). */
export function countOverdue(members: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of members) {
    const id = m.slice(0, m.indexOf('\t'));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A link to a message from where it landed, without a Web API call: https://slack.com/archives/C/p<ts without the dot>. */
export function messageLink(at: { channel: string; ts: string }): string | null {
  if (!/^[A-Z0-9]+$/.test(at.channel) || !/^\d+\.\d+$/.test(at.ts)) return null;
  return `https://slack.com/archives/${at.channel}/p${at.ts.replace('.', '')}`;
}
