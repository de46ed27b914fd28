/**
 * Every message builder that takes outside text, as a function of one string put in every outside
 * field: display names, partner ids, contact e-mails, notes, reasons, SSH keys and their comments,
 * object keys and file names from the pipeline, feeds, error codes and messages from AWS, check and
 * step details. Slack user ids and timestamps stay fixed: they come from Slack and our clock, and
 * mrkdwn.test.ts checks `user` and `when` on their own. The escaping tests feed this table attack
 * strings and arbitrary ones (test/unit/properties/slack-messages.test.ts).
 */
import { buildApprovalCard, CHANGE_APPROVAL, firstApprovalLine, nudgeLine, refusalText, REQUEST_APPROVAL } from '../../src/bot/messages/approval-card.js';
import { buildDeliveryFailure, buildFanoutSummary, buildReceipts, buildUndeliverable, buildUnroutable } from '../../src/bot/messages/delivery.js';
import {
  buildAutoRevertReport, buildDriftReport, driftDiff, driftResolvedText, reappliedText, reapplyAskedText, reapplyRefusedText, secondApproverNeededText,
  quarantinedText, releasedText,
} from '../../src/bot/messages/drift.js';
import type { DriftDocument, DriftItem, PlatformDrift } from '../../src/domain/drift.js';
import {
  changeAppliedText, changeFailedText, changeNotLiveText, changeRefusedText, externalIdRotatedLine, keysChangedLine, oldKeysText, partnerEditedLine,
} from '../../src/bot/messages/lifecycle.js';
import { buildOffboardEvidence, buildOffboardProgress, offboardRefusedText, offboardStoppedText } from '../../src/bot/messages/offboard.js';
import { buildAnswer, buildPartnerStatus } from '../../src/bot/messages/partner-status.js';
import { code, Mrkdwn } from '../../src/bot/messages/mrkdwn.js';
import { buildPickups, pickupLine } from '../../src/bot/messages/pickups.js';
import { buildOverdueDigest, buildPickupReminder } from '../../src/bot/messages/pickup-deadlines.js';
import {
  buildAnsweredReviewCard, buildReviewCard, buildReviewDm, buildReviewEscalation, buildReviewLapsed, buildReviewReminder,
} from '../../src/bot/messages/reviews.js';
import type { ReviewEvidence } from '../../src/domain/reviews.js';
import { buildPlanMessages } from '../../src/bot/messages/plan.js';
import { buildPlanDocumentsModal } from '../../src/bot/views/plan-documents-modal.js';
import { summarizeAccess, type AccessSummary } from '../../src/domain/access-summary.js';
import type { Plan } from '../../src/domain/plan.js';
import type { PickupRecord } from '../../src/domain/pickup-events.js';
import { buildPlatformChangeAlert, buildPlatformDriftReport } from '../../src/bot/messages/platform-events.js';
import { buildAccessFindingAlert } from '../../src/bot/messages/access-findings.js';
import {
  buildProvisionFailure, buildProvisionFailureRetried, buildProvisionProgress, provisionRefusedText, provisionRetriedText, provisionStoppedText,
} from '../../src/bot/messages/provision.js';
import { buildDecisionDm, buildFailedDm, buildLiveDm } from '../../src/bot/messages/requester.js';
import { buildExternalIdDm, buildWelcomeDm, welcomeSentText } from '../../src/bot/messages/welcome.js';
import { sshKeyLine } from '../../src/bot/messages/ssh-key-line.js';
import { buildVerifyChecklist, buildVerifyRetried, verifyNotRecordedText } from '../../src/bot/messages/verify.js';
import type { DeliveryRecord } from '../../src/domain/delivery.js';
import { ErrorCode } from '../../src/domain/errors.js';
import type { PartnerRecord } from '../../src/domain/partner.js';
import type { ChangeRequest, ChangeSpec, Decision, OnboardingRequest } from '../../src/domain/requests.js';

const AT = '2024-06-01T10:00:00.000Z';
const LATER = '2024-06-02T10:00:00.000Z';
const REQUESTER = 'UREQUESTER1';
const APPROVER = 'UAPPROVER2';
/** A real ed25519 public key (normalized), so the builders compute its fingerprint. */
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJUzz4Qk/RP8ihyEutBzt1Pmc403gMdnA1Gxk8eOqJuE';

const approved: Decision = { status: 'approved', by: APPROVER, at: LATER, via: 'reaction' };
const rejected: Decision = { status: 'rejected', by: APPROVER, at: LATER, via: 'button' };

function request(x: string, decision: Decision | null = null): OnboardingRequest {
  return {
    id: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: x, requestedBy: REQUESTER, requestedAt: AT, expiresAt: LATER, channel: 'CAPPROVALS',
    displayName: x, contactEmail: x, sshKeys: [KEY, x], sshKeyComments: { [KEY]: x }, accountId: x, externalId: x, feeds: [x, 'price-lists'],
    notes: x, planHash: 'ab'.repeat(32), status: decision?.status ?? 'pending', decision,
  };
}

/** An offboarding the bot asked for (a lapsed review), approved first by an approver; `decision`: the second's. */
const botChange = (x: string, decision: Decision | null): ChangeRequest => ({
  ...change(x, { kind: 'offboard', prefix: 'keep', reason: x }, decision), requestedBy: 'partnergate', firstApproval: { by: REQUESTER, at: AT, via: 'button' },
});

function change(x: string, spec: ChangeSpec, decision: Decision | null = null): ChangeRequest {
  return {
    id: 'chg_abcdefghijklmnopqrstuvwxyz', partnerId: x, requestedBy: REQUESTER, requestedAt: AT, expiresAt: LATER, channel: 'CPARTNERS',
    spec, threadRef: 'card:req_abcdefghijklmnopqrstuvwxyz', status: decision?.status ?? 'pending', decision,
  };
}

const specs = (x: string): Record<string, ChangeSpec> => ({
  offboard: { kind: 'offboard', prefix: 'archive', reason: x },
  'ssh-keys': { kind: 'ssh-keys', add: [KEY, x], remove: [x] },
  'external-id': { kind: 'external-id', reason: x },
  edit: { kind: 'edit', addFeeds: [x, 'price-lists'], removeFeeds: [x], contactEmail: x },
  reapply: { kind: 'reapply', hash: 'ab'.repeat(32), items: [x, `IAM role ${x} is missing`] },
});

const driftItems = (x: string): DriftItem[] => [
  { subject: 'trust-policy', state: 'differs', line: x }, { subject: 'inline-policy', state: 'extra', line: `IAM role: inline policy ${x} is not rendered` },
];
/** Documents as AWS could hold them: outside text in names, keys, values and ExternalIds. */
const driftDocuments = (x: string): DriftDocument[] => [
  {
    name: `IAM role ${x}: trust policy`,
    actual: { Statement: [{ Sid: x, Principal: { AWS: x }, Condition: { StringEquals: { 'sts:ExternalId': x } } }] },
    intended: { Statement: [{ Sid: 'Partner', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Condition: { StringEquals: { 'sts:ExternalId': 'e'.repeat(43) } } }] },
  },
  { name: `IAM role: inline policy ${x}`, actual: { [x]: [x, x], Resource: `arn:aws:s3:::${x}/*` }, intended: null },
];

/** A platform difference as AWS could hold it: outside text in the lines, names and documents. */
const platformDrift = (x: string): PlatformDrift => ({
  parts: ['bucket-policy', 'transfer-role'],
  items: [{ part: 'bucket-policy', line: x }, { part: 'transfer-role', line: `the Transfer role partnergate-transfer: inline policy ${x} is not rendered` }],
  documents: [
    { part: 'bucket-policy', name: `bucket policy ${x}`, actual: { Statement: [{ Sid: x, Principal: { AWS: x } }] }, intended: { Statement: [] } },
    { part: 'transfer-role', name: `IAM role partnergate-transfer: inline policy ${x}`, actual: { [x]: x }, intended: null },
  ],
});

function record(x: string, outcome: DeliveryRecord['outcome'] = 'delivered'): DeliveryRecord {
  return {
    outcome, at: AT, partnerId: x, key: `outbound/${x}/${x}.csv`, versionId: x, targetKey: `partners/${x}/${x}.csv`, size: 2048,
    checksum: { algorithm: x, value: x }, multipart: false, forcedBy: APPROVER,
    ...(outcome === 'failed' ? { error: { code: x, message: `Access Denied for ${x}` } } : {}),
  };
}

function partner(x: string): PartnerRecord {
  return {
    partnerId: x, requestId: 'req_abcdefghijklmnopqrstuvwxyz', displayName: x, contactEmail: x, accountId: x, externalId: x, feeds: [x],
    sshKeys: [KEY], status: 'live', steps: [], threadRef: 'card:req_abcdefghijklmnopqrstuvwxyz', channel: 'CPARTNERS', approvedBy: APPROVER,
    provisionedAt: AT, verifiedAt: AT, transferUserCreatedAt: AT, dryRun: false, updatedAt: AT,
  };
}

/** A pickup with outside text wherever an event can put it: the key, the reason, the client IP, the session. */
function pickup(x: string, outcome: PickupRecord['outcome'] = 'complete'): PickupRecord {
  return {
    id: x, eventId: x, channel: 'sftp', partnerId: x, targetKey: `partners/${x}/${x}.csv`, etag: x, at: AT, startedAt: AT, bytes: 10, size: 20,
    outcome, reason: outcome === 'complete' ? null : x, clientIp: x, session: x, delivery: { dh: x, key: x, versionId: x, deliveredAt: AT, fanout: x },
  };
}

const steps = (x: string) => [
  { label: x, state: 'done' as const, detail: x, at: AT },
  { label: x, state: 'failed' as const, detail: `AccessDenied: ${x}` },
  { label: x, state: 'unchanged' as const },
];
const checks = (x: string) => [
  { label: x, outcome: 'pass' as const },
  { label: x, outcome: 'fail' as const, detail: x },
];
/** Approvers as configured: fixed ids (mentioned), one of them a user group. */
const approvers = { users: [APPROVER], usergroup: 'S0APPROVERS' };
const failure = (x: string) => ({ requestId: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: x, attempt: 2, step: 'partner-role', stepLabel: x, code: x, message: x, approvers });
const welcome = (x: string, dryRun: boolean) => ({
  partnerId: x, displayName: x, contactEmail: x, contact: REQUESTER, region: x, bucket: x, homePrefix: `partners/${x}/`, feeds: [x], dryRun,
  sftp: { host: x, port: 22, userName: x, hostKeys: [x, 'SHA256:abc'], staticIps: [x, '203.0.113.10'], sshKeys: [KEY, x] },
  role: { arn: x, partnerSidePolicy: { Statement: [{ Resource: x }] } },
});
const options = { approvalReaction: 'white_check_mark' };

/** What approving grants, read from documents with `x` wherever a document has text: the sentence then quotes it, as other statements too. */
function access(x: string): AccessSummary {
  return summarizeAccess({
    partnerId: x, bucket: x, kmsKeyArn: x, knownRoles: { [x]: 'the verifier' },
    sftp: {
      userName: x, sshKeyCount: 1, homeDirectoryType: 'LOGICAL', mappings: [{ Entry: '/', Target: `/${x}/partners/${x}` }],
      sessionPolicy: {
        Statement: [
          { Sid: x, Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${x}`, Condition: { StringLike: { 's3:prefix': [x, `${x}/*`] } } },
          { Sid: x, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${x}/${x}*` },
          { Sid: x, Effect: x, Action: x, Resource: x, Condition: { [x]: { [x]: x } } },
        ],
      },
    },
    role: { roleName: x, trustPolicy: { Statement: [{ Sid: x, Effect: 'Allow', Principal: { AWS: [x, '444455556666'] }, Action: 'sts:AssumeRole' }] }, policies: [] },
  });
}
const plan = (x: string): Plan => ({
  hash: 'ab'.repeat(32), access: access(x), items: [{ action: 'create', resource: 'Transfer user', details: ['home: LOGICAL'] }],
  documents: [{ title: x, json: JSON.stringify({ Statement: [{ Sid: x, Resource: x }] }, null, 2) }],
});

/** Builder name → the message (or line) it builds with `x` in every outside field. */
export const MESSAGE_BUILDERS: Record<string, (x: string) => unknown> = {
  'approval card: onboarding request, pending': (x) => buildApprovalCard(REQUEST_APPROVAL, request(x), { ...options, access: access(x) }),
  'approval card: onboarding request, approved': (x) => buildApprovalCard(REQUEST_APPROVAL, request(x, approved), { ...options, access: access(x) }),
  'approval card: onboarding request, documents no longer render': (x) => buildApprovalCard(REQUEST_APPROVAL, request(x, rejected), { ...options, access: null }),
  ...Object.fromEntries(
    Object.keys(specs('')).flatMap((kind) => [
      [`approval card: ${kind} change, pending`, (x: string) => buildApprovalCard(CHANGE_APPROVAL, change(x, specs(x)[kind]!), options)],
      [`approval card: ${kind} change, rejected`, (x: string) => buildApprovalCard(CHANGE_APPROVAL, change(x, specs(x)[kind]!, rejected), options)],
      [`nudge: ${kind} change`, (x: string) => nudgeLine(CHANGE_APPROVAL, change(x, specs(x)[kind]!), 24)],
      [`decision line: ${kind} change`, (x: string) => CHANGE_APPROVAL.decisionLine(change(x, specs(x)[kind]!, approved))],
    ]),
  ),
  'nudge: onboarding request': (x) => nudgeLine(REQUEST_APPROVAL, request(x), 24),
  'decision line: onboarding request': (x) => REQUEST_APPROVAL.decisionLine(request(x, rejected)),
  'refusal: already decided': (x) => refusalText(REQUEST_APPROVAL, ErrorCode.AlreadyDecided, 'approve', request(x, approved)),
  'approval card: a change the bot asked for, first approved': (x) => buildApprovalCard(CHANGE_APPROVAL, botChange(x, null), options),
  'approval card: a change the bot asked for, approved by two': (x) => buildApprovalCard(CHANGE_APPROVAL, botChange(x, { ...approved, first: { by: REQUESTER, at: AT, via: 'button' } }), options),
  'first approval line: a change the bot asked for': (x) => firstApprovalLine(CHANGE_APPROVAL, botChange(x, null)),
  'refusal: a different approver is needed': (x) => refusalText(CHANGE_APPROVAL, ErrorCode.SecondApproverNeeded, 'approve', botChange(x, null)),
  'delivery receipt': (x) => buildReceipts([record(x)]),
  'delivery receipts, combined': (x) => buildReceipts([record(x), record(x)]),
  'delivery failure': (x) => buildDeliveryFailure(record(x, 'failed'), 'f'.repeat(40)),
  'fan-out summary': (x) => buildFanoutSummary({ feed: x, key: `outbound/feeds/${x}`, delivered: 1, failed: 1, total: 3, parked: 1, failures: [{ partnerId: x, error: x }] }),
  'fan-out summary, picked up': (x) => buildFanoutSummary({ feed: x, key: `outbound/feeds/${x}`, delivered: 2, failed: 0, total: 2, parked: 0, failures: [], pickedUp: 1 }),
  'pickup line': (x) => pickupLine(pickup(x)),
  'pickup line, failed': (x) => pickupLine(pickup(x, 'failed')),
  'pickups in a thread': (x) => buildPickups([pickup(x), pickup(x, 'partial'), { ...pickup(x, 'failed'), channel: 's3', at: x }]),
  'not delivered: unroutable': (x) => buildUnroutable(`outbound/${x}`, x),
  'not delivered: undeliverable': (x) => buildUndeliverable(`outbound/${x}`, x, 'offboarded'),
  'drift report': (x) => buildDriftReport({ partnerId: x, items: driftItems(x), documents: driftDocuments(x), unfixable: [x], hash: 'ab'.repeat(32) }),
  'drift report with its causes': (x) => buildDriftReport({ partnerId: x, items: driftItems(x), documents: [], unfixable: [], hash: 'ab'.repeat(32), causes: [{ call: x, actor: x, at: AT }, { call: x, actor: x, at: x }] }),
  'drift diff': (x) => driftDiff(driftDocuments(x)),
  'drift resolved': (x) => driftResolvedText(x),
  'quarantined': (x) => quarantinedText({ partnerId: x, items: [x, x] }),
  'released from quarantine': (x) => releasedText(x),
  're-applied': (x) => reappliedText({ partnerId: x, by: APPROVER, done: [x], remaining: [x] }),
  're-applied with a second approver': (x) => reappliedText({ partnerId: x, by: APPROVER, requestedBy: REQUESTER, done: [x], remaining: [x] }),
  're-apply refused': (x) => reapplyRefusedText({ partnerId: x, by: APPROVER, shown: x }),
  're-apply refused: second approver needed': (x) => secondApproverNeededText({ partnerId: x, by: APPROVER, shown: x, items: [x] }),
  're-apply asked of a second approver': (x) => reapplyAskedText({ partnerId: x, hash: x, items: [x, x] }),
  'offboard progress': (x) => buildOffboardProgress({ partnerId: x, dryRun: true, steps: steps(x), outcome: 'failed' }),
  'offboard evidence': (x) => buildOffboardEvidence({
    change: change(x, specs(x)['offboard']!, approved), startedAt: AT, steps: steps(x), checks: checks(x), finishedAt: LATER, dryRun: false,
  }),
  'partner status': (x) => buildPartnerStatus(partner(x), [record(x), record(x, 'failed')], {
    old: [{ normalized: x, type: x, fingerprint: x, addedAt: AT, ageDays: 400, old: true }], maxAgeDays: 365,
  }, { mayRequest: true }, { open: [{ targetKey: x, deliveredAt: AT, deadlineMs: 0, overdue: true }, { targetKey: x, deliveredAt: x, deadlineMs: 1, overdue: false }], openTotal: 3, last: pickup(x) }),
  'pickup reminder, not found': (x) => buildPickupReminder({ partnerId: x, targetKey: x, deliveredAt: AT, deadlineMs: 0, slaHours: 24, feed: x, owner: 'U0OWNER', source: { kind: 'not-found', where: x } }),
  'pickup reminder, partial': (x) => buildPickupReminder({ partnerId: x, targetKey: x, deliveredAt: x, deadlineMs: 0, slaHours: 0.5, feed: null, owner: null, source: { kind: 'partial', at: x, bytes: 1, session: x } }),
  'pickup reminder, unavailable': (x) => buildPickupReminder({ partnerId: x, targetKey: x, deliveredAt: AT, deadlineMs: 0, slaHours: 1, feed: null, owner: 'U0OWNER', source: { kind: 'unavailable', why: x } }),
  'pickup found in the log': (x) => pickupLine({ ...pickup(x), clientIp: null, source: 'log' }),
  'overdue digest': (x) => buildOverdueDigest({ files: [{ partnerId: x, dh: x, targetKey: x, deliveredAt: AT, deadlineMs: 0 }, { partnerId: 'acme', dh: x, targetKey: x, deliveredAt: x, deadlineMs: 1 }], total: 70, nowMs: 0 }),
  'answer with candidates': (x) => buildAnswer(`There is no file ${code(x)}.`, [x, `outbound/${x}`]),
  'plan messages': (x) => buildPlanMessages(request(x), plan(x)),
  'plan documents modal': (x) => buildPlanDocumentsModal({ partnerId: x, submittedHash: 'cd'.repeat(32), plan: plan(x), current: false }),
  'provision progress': (x) => buildProvisionProgress({ partnerId: x, attempt: 2, dryRun: false, steps: steps(x), outcome: 'failed' }),
  'provision failure': (x) => buildProvisionFailure(failure(x)),
  'provision failure, retried': (x) => buildProvisionFailureRetried(failure(x), APPROVER, 3),
  'provision refused': (x) => provisionRefusedText(x, x),
  'welcome DM': (x) => buildWelcomeDm(welcome(x, false)),
  'welcome DM, DRY_RUN, host planned': (x) => buildWelcomeDm({ ...welcome(x, true), sftp: { ...welcome(x, true).sftp, host: undefined, hostKeys: [] } }),
  'welcome DM, host keys unreadable': (x) => buildWelcomeDm({ ...welcome(x, false), sftp: { ...welcome(x, false).sftp, hostKeys: null } }),
  'ExternalId DM': (x) => buildExternalIdDm({ partnerId: x, displayName: x, roleArn: x, externalId: x, dryRun: false }),
  'welcome sent': (x) => welcomeSentText({ partnerId: x, to: [REQUESTER, APPROVER], externalId: true, dryRun: false }),
  'decision DM: approved': (x) => buildDecisionDm({ what: code(x), onboarding: true, decision: approved, channel: 'CAPPROVALS' }),
  'decision DM: rejected': (x) => buildDecisionDm({ what: code(x), onboarding: false, decision: rejected, channel: 'CAPPROVALS' }),
  'LIVE DM': (x) => buildLiveDm({ partnerId: x, displayName: x, dryRun: false, at: AT }),
  'failed DM': (x) => buildFailedDm({ partnerId: x, stage: 'verification', failed: x, cause: x, approvers, channel: 'CAPPROVALS' }),
  'verify checklist, failed': (x) => buildVerifyChecklist({ requestId: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: x, attempt: 2, dryRun: false, checks: checks(x), result: 'verify_failed', approvers }),
  'verify checklist, live': (x) => buildVerifyChecklist({ requestId: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: x, attempt: 1, dryRun: true, checks: checks(x), result: 'live', approvers }),
  'verify retried': (x) => buildVerifyRetried({ partnerId: x, attempt: 1, failed: x, by: APPROVER, nextAttempt: 2 }),
  'SSH key line': (x) => sshKeyLine(x, x).toString(),
  // Lines the jobs and use cases post in a partner's thread.
  'provision stopped': (x) => provisionStoppedText(x, x, x),
  'provision retried': (x) => provisionRetriedText(APPROVER, x, 2),
  'verify not recorded': (x) => verifyNotRecordedText(x, false, x),
  'offboard refused': (x) => offboardRefusedText(x, x),
  'offboard stopped': (x) => offboardStoppedText({ partnerId: x, stepLabel: x, code: x }),
  'change applied: SSH keys': (x) => changeAppliedText(keysChangedLine({ partnerId: x, added: [x], removed: [x, x], dryRun: true }), APPROVER, REQUESTER),
  'change applied: ExternalId': (x) => changeAppliedText(externalIdRotatedLine(x), APPROVER, REQUESTER),
  'change applied: edit': (x) => changeAppliedText(partnerEditedLine({ partnerId: x, added: [x], removed: [x], contact: { from: x, to: x }, feeds: [x, x], from: x }), APPROVER, REQUESTER),
  'change refused': (x) => changeRefusedText(x),
  'change not live': (x) => changeNotLiveText(x, x),
  'change failed': (x) => changeFailedText({ kind: x, partnerId: x, code: x }),
  'platform change alert': (x) => buildPlatformChangeAlert({
    kind: 'access-change', eventId: x, call: x, at: AT, actor: x, byBot: false, target: { type: 'platform', resource: x }, parameters: { roleName: x, [x]: x },
  }),
  'access finding alert (partner role)': (x) => buildAccessFindingAlert({
    kind: 'access-finding', eventId: x, findingId: x, status: 'ACTIVE', deleted: false, error: null, resource: x, resourceType: x,
    target: { type: 'partner', partnerId: x, resource: x }, principals: [{ kind: x, value: x, account: null }], isPublic: false,
    actions: [x, x], conditionKeys: [x], at: x,
  }, x),
  'access finding alert (platform, public)': (x) => buildAccessFindingAlert({
    kind: 'access-finding', eventId: x, findingId: x, status: 'ACTIVE', deleted: false, error: null, resource: x, resourceType: x,
    target: { type: 'platform', resource: x }, principals: [], isPublic: true, actions: Array.from({ length: 12 }, () => x), conditionKeys: [], at: x,
  }, x),
  'platform change alert, with the difference it leaves': (x) => buildPlatformChangeAlert({
    kind: 'access-change', eventId: x, call: x, at: AT, actor: x, byBot: false, target: { type: 'platform', resource: x, compared: 'bucket-policy' }, parameters: { bucketName: x },
  }, { kind: 'compared', drift: platformDrift(x) }),
  'platform change alert, the difference unreadable': (x) => buildPlatformChangeAlert({
    kind: 'access-change', eventId: x, call: x, at: AT, actor: x, byBot: false, target: { type: 'platform', resource: x }, parameters: {},
  }, { kind: 'unreadable', code: x }),
  'platform drift report': (x) => buildPlatformDriftReport(platformDrift(x)),
  'AUTO_REVERT report': (x) => buildAutoRevertReport({ partnerId: x, undone: [x], done: [x, x], documents: driftDocuments(x), remaining: [x] }),
  'review card': (x) => buildReviewCard({ reviewId: 'acme.1', partnerId: x, displayName: x, dueAt: x, owner: 'U0OWNER', evidence: reviewEvidence(x) }),
  'review card, no owner': (x) => buildReviewCard({ reviewId: 'acme.1', partnerId: x, displayName: x, dueAt: AT, owner: null, evidence: reviewEvidence(x) }),
  'review kept': (x) => buildAnsweredReviewCard({ partnerId: x }, { outcome: 'keep', by: 'U0OWNER', at: x, reason: x, nextDueAt: x }),
  'review offboard': (x) => buildAnsweredReviewCard({ partnerId: x }, { outcome: 'offboard', by: 'U0OWNER', at: AT, reason: '', nextDueAt: AT, offboard: { refused: x } }),
  'review DM': (x) => buildReviewDm({ partnerId: x, displayName: x, dueAt: x, idleDays: 70, channel: 'C0APPROVALS' }),
  'review reminder': (x) => buildReviewReminder({ partnerId: x, dueAt: x, owner: 'U0OWNER', daysLeft: 7 }),
  'review escalation': (x) => buildReviewEscalation({ partnerId: x, displayName: x, dueAt: x, owner: null, approvers: ['U0APPROVER'], usergroup: x, graceDays: 14, lapseAt: x }),
  'review lapsed': (x) => buildReviewLapsed({ partnerId: x, dueAt: x, graceDays: 14, paused: true, offboard: { refused: x } }),
  'old keys reminder': (x) => oldKeysText({ partnerId: x, keys: [{ fingerprint: x, ageDays: 400 }, { fingerprint: x, ageDays: null }], maxAgeDays: 365 }),
};

/** A review's evidence with outside text wherever a file name, a channel or a time can come from. */
export function reviewEvidence(x: string): ReviewEvidence {
  return {
    lastPickups: [{ at: x, targetKey: x, channel: x, outcome: x }, { at: AT, targetKey: x, channel: 'sftp', outcome: 'complete' }],
    neverPickedUp: { total: 7, oldest: [{ targetKey: x, deliveredAt: x }, { targetKey: x, deliveredAt: AT }] },
    isolationProvenAt: x, keys: [{ type: x, fingerprint: x, ageDays: 400, old: true }, { type: 'ssh-ed25519', fingerprint: x, ageDays: null, old: false }],
    keyMaxAgeDays: 365, idleDays: 61,
  };
}

/** What Slack could render of a built message: every string in it but button values, which Slack hands back to us and never shows. */
export function renderedStrings(message: unknown): string[] {
  if (typeof message === 'string') return [message];
  if (message instanceof Mrkdwn) return [message.toString()];
  if (Array.isArray(message)) return message.flatMap(renderedStrings);
  if (message && typeof message === 'object') {
    return Object.entries(message).flatMap(([k, v]) => (k === 'value' && typeof v === 'string' ? [] : renderedStrings(v)));
  }
  return [];
}
