/**
 * Re-send a file to a partner (`/resend-file <partner-id> <file>`, or the Resend button on a failed
 * delivery): an approver or a re-sender (RESENDERS; the gate, src/domain/authorization.ts `resend`, lets
 * only them this far) names the file as a key under the outbound prefix or a
 * path in the partner's home; the latest version is queued as a forced delivery (it bypasses the
 * once-per-version record), and the answer says where the receipt will appear.
 */
import { checkObjectKey, describeObjectKeyProblem } from '../../domain/outbound-key.js';
import { FEEDS_SEGMENT, deliveryTarget, type RoutingConfig } from '../../domain/routing.js';
import { isPartnerId } from '../../domain/partner-id.js';
import { excerpt } from '../../domain/text.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { DeliverPayload, DeliveryStorage } from './contract.js';
import { channel, code } from '../../bot/messages/mrkdwn.js';
import type { Audit } from '../ports.js';
import type { UseCaseDeps } from '../ports.js';
import { ErrorCode } from '../../domain/errors.js';

export interface ResendDeps extends UseCaseDeps {
  partners: { get(partnerId: string): Promise<PartnerRecord | null> };
  files: Pick<DeliveryStorage, 'latest' | 'list'>;
  routing: RoutingConfig;
  /** Queues the forced delivery (a new job each time). */
  queueResend: (payload: DeliverPayload) => Promise<void>;
  /** The audit trail: a `delivery.resent` record per queued re-send, `delivery.resend-refused` per refusal (optional). */
  audit?: Audit;
}

export interface ResendInput {
  partnerId: string;
  file: string;
  actor: string;
}


export type ResendResult =
  | { ok: true; partnerId: string; key: string; versionId: string | undefined; targetKey: string; message: string }
  | { ok: false; code: ErrorCode; message: string; candidates?: string[] };

/** How many objects a name search looks at, and how many candidates an answer lists. */
const SEARCH_LIMIT = 10_000;
const SHOWN = 10;

const refuse = (c: ErrorCode, message: string, candidates?: string[]): ResendResult => ({
  ok: false, code: c, message, ...(candidates ? { candidates } : {}),
});

export async function resendFile(deps: ResendDeps, input: ResendInput): Promise<ResendResult> {
  const log = deps.logger.child({ actor: input.actor, partnerId: input.partnerId });
  const result = await resolveAndQueue(deps, input);
  if (result.ok) {
    log.info({ key: result.key, versionId: result.versionId, targetKey: result.targetKey }, 'resend queued');
    await deps.audit?.({
      type: 'delivery.resent', partnerId: result.partnerId, actor: input.actor,
      details: { key: result.key, versionId: result.versionId ?? null, targetKey: result.targetKey, asked: input.file },
    });
  } else {
    log.info({ refusal: result.code }, 'resend refused');
    // Who tried to send what, and why not: a refused re-send is worth as much to an auditor as one queued.
    const partnerId = input.partnerId.trim();
    await deps.audit?.({
      type: 'delivery.resend-refused', actor: input.actor, ...(isPartnerId(partnerId) ? { partnerId } : {}),
      details: { refusal: result.code, asked: excerpt(input.file.trim(), 200) },
    });
  }
  return result;
}

async function resolveAndQueue(deps: ResendDeps, input: ResendInput): Promise<ResendResult> {
  const partnerId = input.partnerId.trim();
  const file = input.file.trim().replace(/^\/+/, '');
  if (!isPartnerId(partnerId) || file === '') {
    return refuse(ErrorCode.BadInput, 'Usage: `/resend-file <partner-id> <file>` — the file as a key under the outbound prefix or a path in the partner\'s home.');
  }
  const problem = checkObjectKey(file);
  if (problem) return refuse(ErrorCode.BadInput, `That file name is refused: ${describeObjectKeyProblem(problem)}.`);

  const partner = await deps.partners.get(partnerId);
  if (!partner) return refuse(ErrorCode.UnknownPartner, `There is no partner ${code(partnerId)}.`);
  if (partner.status !== 'live') {
    const why = partner.status === 'offboarded'
      ? 'was offboarded: nothing is sent to it any more'
      : `is not LIVE (${partner.status.replace('_', ' ')}): nothing was queued; its files are delivered by themselves once it goes LIVE`;
    return refuse(ErrorCode.NotLive, `Partner ${code(partnerId)} ${why}.`);
  }

  const exact = exactSource(partner, file, deps.routing);
  if (exact !== null && deliveryTarget(partner, exact, deps.routing) !== null) {
    const found = await queueLatest(deps, partner, exact, input.actor);
    if (found) return found;
  }

  const matches: string[] = [];
  const examples: string[] = [];
  let seen = 0;
  for (const prefix of partnerSources(partner, deps.routing)) {
    for await (const obj of deps.files.list(prefix)) {
      if (++seen > SEARCH_LIMIT) break;
      if (deliveryTarget(partner, obj.key, deps.routing) === null) continue;
      if (examples.length < SHOWN) examples.push(obj.key);
      if (obj.key === file || obj.key.endsWith(`/${file}`)) matches.push(obj.key);
    }
  }
  if (matches.length === 1) {
    const found = await queueLatest(deps, partner, matches[0]!, input.actor);
    if (found) return found;
  }
  if (matches.length > 1) {
    return refuse(ErrorCode.Ambiguous, `${code(file)} matches ${matches.length} files for ${code(partnerId)}; name one of them:`, matches.slice(0, SHOWN));
  }
  return refuse(
    ErrorCode.NotFound,
    examples.length > 0
      ? `No file ${code(file)} for ${code(partnerId)}. Some of its files:`
      : `No file ${code(file)} for ${code(partnerId)}: there is nothing in its outbound folder or its feeds.`,
    examples.length > 0 ? examples : undefined,
  );
}

/** The outbound key a name points at directly, or null when it points outside the partner's files. */
function exactSource(partner: PartnerRecord, file: string, routing: RoutingConfig): string | null {
  const out = routing.outboundPrefix;
  if (file.startsWith(out)) return file;
  let path = file;
  const home = `partners/${partner.partnerId}/`;
  if (path.startsWith(home)) path = path.slice(home.length);
  else if (path.startsWith('partners/')) return null;
  if (path.startsWith(`${FEEDS_SEGMENT}/`)) return `${out}${path}`;
  return `${out}${partner.partnerId}/${path}`;
}

function partnerSources(partner: PartnerRecord, routing: RoutingConfig): string[] {
  const out = routing.outboundPrefix;
  return [`${out}${partner.partnerId}/`, ...partner.feeds.map((f) => `${out}${FEEDS_SEGMENT}/${f}/`)];
}

async function queueLatest(deps: ResendDeps, partner: PartnerRecord, key: string, actor: string): Promise<ResendResult | null> {
  const target = deliveryTarget(partner, key, deps.routing);
  if (target === null) return null;
  const latest = await deps.files.latest(key);
  if (latest === null) return null;
  const payload: DeliverPayload = {
    key,
    ...(latest.versionId !== undefined ? { versionId: latest.versionId } : {}),
    etag: latest.etag,
    ...(latest.lastModified ? { lastModified: latest.lastModified.toISOString() } : {}),
    partnerId: partner.partnerId,
    targetKey: target.targetKey,
    route: target.route,
    ...(target.feed !== undefined ? { feed: target.feed } : {}),
    origin: 'resend',
    forcedBy: actor,
  };
  await deps.queueResend(payload);
  return {
    ok: true,
    partnerId: partner.partnerId,
    key,
    versionId: latest.versionId,
    targetKey: target.targetKey,
    message:
      `Queued a re-send of the latest version of ${code(key)} to ${code(target.targetKey)}. ` +
      `The receipt (or the failure) will appear in ${code(partner.partnerId)}'s thread in ${channel(partner.channel)}.`,
  };
}

export interface ResendFailedDeps extends ResendDeps {
  /** What a Resend button's value names: the failed delivery's partner and file. */
  failure: (token: string) => Promise<{ partnerId: string; key: string } | null>;
}

/** The Resend button on a failed delivery: the same as /resend-file for that partner and file. */
export async function resendFailedDelivery(deps: ResendFailedDeps, input: { token: string; actor: string }): Promise<ResendResult> {
  const failed = /^[0-9a-f]{40}$/.test(input.token) ? await deps.failure(input.token) : null;
  if (!failed) {
    return refuse(ErrorCode.Expired, 'This failure is too old to re-send from here; use `/resend-file <partner-id> <file>`.');
  }
  return resendFile(deps, { partnerId: failed.partnerId, file: failed.key, actor: input.actor });
}
