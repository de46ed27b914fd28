/**
 * IAM Access Analyzer's findings on the platform events queue (src/domain/access-findings.ts says
 * which count and why):
 *
 * - an active finding of access no one approved: reported in the partner's thread (its role) or
 *   the approvals channel (the bucket, the key, a platform role), and audited `access.finding`; on
 *   a partner role a check of the partner is queued too (its trust is compared with the approved
 *   one, and a difference quarantines it);
 * - the partner role's finding for the partner's own approved account: logged, nothing else;
 * - archived, resolved, deleted and error findings: logged, nothing else.
 */
import type { Audit, Notify } from '../../actions/ports.js';
import { judgeAccessFinding, type AccessFinding } from '../../domain/access-findings.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { buildAccessFindingAlert } from '../../bot/messages/access-findings.js';
import type { Logger } from '../../logger.js';

export type FindingOutcome = 'finding-reported' | 'finding-expected' | 'finding-unchanged';

export interface AccessFindingDeps {
  partners: { get(partnerId: string): Promise<PartnerRecord | null> };
  checkPartner: (partnerId: string) => Promise<void>;
  notify: Notify;
  approvalsChannel: string;
  audit: Audit;
  logger: Logger;
}

export async function handleAccessFinding(deps: AccessFindingDeps, f: AccessFinding): Promise<FindingOutcome> {
  const record = f.target.type === 'partner' ? await deps.partners.get(f.target.partnerId) : null;
  // An offboarded partner's role should be gone: nothing on it is approved any more.
  const approved = record && record.status !== 'offboarded' ? record.accountId : null;
  const verdict = judgeAccessFinding(f, approved);
  const log = { eventId: f.eventId, findingId: f.findingId, status: f.status, resource: f.target.resource, principals: f.principals.map((p) => `${p.kind} ${p.value}`) };
  if (verdict.verdict === 'unchanged') {
    deps.logger.info({ ...log, reason: verdict.why }, 'access finding: changes nothing');
    return 'finding-unchanged';
  }
  if (verdict.verdict === 'expected') {
    deps.logger.debug(log, 'access finding: the partner’s own approved account, expected');
    return 'finding-expected';
  }
  const message = buildAccessFindingAlert(f, verdict.why);
  const where = record && f.target.type === 'partner'
    ? { channel: record.channel, thread: { ref: record.threadRef } }
    : { channel: deps.approvalsChannel };
  if (f.target.type === 'partner') await deps.checkPartner(f.target.partnerId);
  await deps.notify({ op: 'post', ...where, priority: 'progress', ...message });
  deps.logger.warn({ ...log, reason: verdict.why }, 'access finding: access from outside the account that no one approved');
  await deps.audit({
    type: 'access.finding', actor: 'iam-access-analyzer',
    ...(f.target.type === 'partner' ? { partnerId: f.target.partnerId } : {}),
    details: {
      findingId: f.findingId, resource: f.resource, resourceType: f.resourceType, principals: log.principals, actions: f.actions,
      isPublic: f.isPublic, conditionKeys: f.conditionKeys, at: f.at, why: verdict.why, eventId: f.eventId,
    },
  });
  return 'finding-reported';
}
