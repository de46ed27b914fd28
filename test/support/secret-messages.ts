/**
 * Every message builder whose output can hold a secret, built with known secret values: the
 * ExternalId DM (on purpose: the requester passes it on) and every builder that
 * shows text we do not write ourselves (notes, key comments, reasons, error messages, step and
 * check details, what a user typed). The secrets are real in shape: bot-made and hand-given
 * ExternalIds, Slack tokens of each kind, SSH public keys and private keys in each armour.
 * Used by the masker's coverage test and the log-capture test.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import sshpk from 'sshpk';
import { createPlanRenderer } from '../../src/actions/onboarding/plan.js';
import { renderPartnerSidePolicy } from '../../src/aws/policies/index.js';
import { buildApprovalCard, CHANGE_APPROVAL, REQUEST_APPROVAL } from '../../src/bot/messages/approval-card.js';
import { buildAutoRevertReport, buildDriftReport, driftDiff, reappliedText } from '../../src/bot/messages/drift.js';
import { buildPlatformDriftReport } from '../../src/bot/messages/platform-events.js';
import type { DriftDocument } from '../../src/domain/drift.js';
import { buildOffboardEvidence, buildOffboardProgress } from '../../src/bot/messages/offboard.js';
import { buildAnswer } from '../../src/bot/messages/partner-status.js';
import { buildPlanMessages } from '../../src/bot/messages/plan.js';
import { buildProvisionFailure, buildProvisionProgress, provisionRefusedText } from '../../src/bot/messages/provision.js';
import { buildExternalIdDm, buildWelcomeDm } from '../../src/bot/messages/welcome.js';
import { buildVerifyChecklist } from '../../src/bot/messages/verify.js';
import { buildPartnerKeysModal } from '../../src/bot/views/partner-keys-modal.js';
import type { ChangeRequest, OnboardingRequest } from '../../src/domain/requests.js';
import { fingerprintOf } from '../../src/domain/key-ages.js';
import { testPlatform } from './iam-fixtures.js';

const ed25519 = () => generateKeyPairSync('ed25519');
const pkcs8 = (key = ed25519().privateKey) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicLine = (key = ed25519().publicKey) =>
  sshpk.parseKey(key.export({ type: 'spki', format: 'pem' }).toString(), 'pem').toString('ssh').split(' ').slice(0, 2).join(' ');

/** The secret values, each as the whole string that must never be written. */
export const SECRETS = {
  /** As the bot makes them (newExternalId): 32 random bytes, base64url. */
  externalId: randomBytes(32).toString('base64url'),
  /** As `partnergate render --external-id` accepts them: every character STS allows. */
  givenExternalId: `Ext+Id=2024,acme.partner@example:eu/west-1_${randomBytes(6).toString('hex')}`,
  botToken: `xoxb-1234567890-0987654321-${randomBytes(12).toString('hex')}`,
  userToken: `xoxp-1234567890-1234567890-1234567890-${randomBytes(16).toString('hex')}`,
  appToken: `xapp-1-A0123456789-1234567890-${randomBytes(32).toString('hex')}`,
  refreshToken: `xoxe-1-${randomBytes(40).toString('base64url').replace(/_/g, 'A')}`,
  sshPublicKey: publicLine(),
  rsaPublicKey: sshpk.parseKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'pem').toString('ssh').split(' ').slice(0, 2).join(' '),
  pkcs8PrivateKey: pkcs8(),
  opensshPrivateKey: sshpk.parsePrivateKey(pkcs8(), 'pem').toString('openssh'),
  rsaPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  puttyPrivateKey: [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    'Encryption: none',
    'Comment: partner@laptop',
    'Public-Lines: 2',
    'AAAAC3NzaC1lZDI1NTE5AAAAIMq5Gf0bX2o9c0dJbXZ2eF9xN0x3c2ZQbHJ0Vm5lS2hR',
    'c2tleQ==',
    'Private-Lines: 1',
    `AAAAI${randomBytes(30).toString('base64').replace(/=+$/, '')}`,
    'Private-MAC: 6fa1b5c6e4e0d6f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80910',
  ].join('\n'),
};

/**
 * What must not survive masking: each secret whole, and each piece of it long enough to matter
 * (a key's body lines, a token's random part), so a secret cut short by a builder is caught too.
 */
export function secretPieces(): string[] {
  const pieces = new Set<string>();
  for (const secret of Object.values(SECRETS)) {
    pieces.add(secret);
    for (const part of secret.split(/[\s-]+/)) if (part.length >= 16 && !/^(?:PRIVATE|Private-Lines|PuTTY)/.test(part)) pieces.add(part);
  }
  return [...pieces];
}

/** Text users or AWS give us, with every form of every secret in it, as a builder would show it. */
function freeText(): string {
  const trust = { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': SECRETS.givenExternalId } } }] };
  return [
    `MalformedPolicyDocument: ${JSON.stringify(trust)}`,
    `ExternalId=${SECRETS.externalId}`,
    `*ExternalId:* \`${SECRETS.givenExternalId}\``,
    `partnergate render --partner-id acme --external-id ${SECRETS.externalId}`,
    `tokens ${SECRETS.botToken} ${SECRETS.userToken} ${SECRETS.appToken} ${SECRETS.refreshToken} Bearer ${SECRETS.botToken}`,
    `keys ${SECRETS.sshPublicKey} partner@laptop and ${SECRETS.rsaPublicKey}`,
    SECRETS.pkcs8PrivateKey,
    SECRETS.opensshPrivateKey,
    SECRETS.puttyPrivateKey,
  ].join('\n');
}

const AT = '2030-01-01T00:00:00.000Z';

/**
 * A trust policy as the registry would render it (the bot-made ExternalId) against one found in AWS
 * (the hand-given one, also copied into a Sid, a list and a role name), and an inline policy holding
 * the free text: what a drift report diffs.
 */
function driftDocuments(text: string): DriftDocument[] {
  const trust = (externalId: unknown, sid: string) => ({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
  });
  return [
    {
      name: 'IAM role partnergate-partner-acme: trust policy',
      actual: trust([SECRETS.givenExternalId, SECRETS.externalId], `Copy${SECRETS.givenExternalId}`),
      intended: trust(SECRETS.externalId, 'Partner'),
    },
    {
      name: `IAM role partnergate-partner-acme: inline policy ${SECRETS.externalId}`, intended: null,
      actual: { Statement: [{ Sid: 'X', Resource: text, Condition: { StringEquals: { 'aws:userid': [SECRETS.botToken, SECRETS.sshPublicKey] } } }] },
    },
  ];
}

function onboardingRequest(notes: string): OnboardingRequest {
  return {
    id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', displayName: `Acme ${SECRETS.botToken}`, contactEmail: 'a@acme.example',
    sshKeys: [SECRETS.sshPublicKey], sshKeyComments: { [SECRETS.sshPublicKey]: SECRETS.botToken },
    accountId: '444455556666', externalId: SECRETS.externalId, feeds: ['price-lists'], notes, requestedBy: 'UREQ',
    requestedAt: AT, expiresAt: AT, planHash: 'f'.repeat(64), channel: 'C0APPROVALS', status: 'pending', decision: null,
  };
}

function changeRequest(spec: ChangeRequest['spec']): ChangeRequest {
  return {
    id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', spec, requestedBy: 'UREQ', requestedAt: AT, expiresAt: AT,
    channel: 'C0APPROVALS', threadRef: 'card:acme', status: 'approved', decision: { status: 'approved', by: 'UAPP', at: AT, via: 'button' },
  };
}

/** [builder, its output] for every builder that can show a secret. */
export function secretBearingMessages(): [string, unknown][] {
  const platform = testPlatform();
  const text = freeText();
  const request = onboardingRequest(text);
  const externalIdDm = (externalId: string) =>
    buildExternalIdDm({ partnerId: 'acme', displayName: 'Acme', roleArn: 'arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme', externalId, dryRun: false });
  const failure = { requestId: request.id, partnerId: 'acme', attempt: 2, step: 'role', stepLabel: 'Partner role', code: 'MalformedPolicyDocument', message: text, approvers: { users: ['UAPP'] } };
  const steps = [{ label: 'Partner role', state: 'failed' as const, detail: text }];
  const checks = [{ label: 'Partner role reaches its prefix', outcome: 'fail' as const, detail: text }];
  return [
    ['buildExternalIdDm (bot-made ExternalId)', externalIdDm(SECRETS.externalId)],
    ['buildExternalIdDm (ExternalId given to render)', externalIdDm(SECRETS.givenExternalId)],
    ['buildApprovalCard of a request (notes, display name)', buildApprovalCard(REQUEST_APPROVAL, request, { approvalReaction: 'white_check_mark' })],
    ['buildApprovalCard of a request (a private key cut short by the notes limit)', buildApprovalCard(REQUEST_APPROVAL, onboardingRequest(`${'n'.repeat(1900)}\n${SECRETS.rsaPrivateKey}`), { approvalReaction: 'white_check_mark' })],
    ['buildPlanMessages (key comments)', buildPlanMessages(request, createPlanRenderer(platform)({ ...request }))],
    ['buildProvisionProgress (step details)', buildProvisionProgress({ partnerId: 'acme', attempt: 1, dryRun: false, steps, outcome: 'failed' })],
    ['buildProvisionFailure (error message)', buildProvisionFailure(failure)],
    ['provisionRefusedText (reason)', provisionRefusedText('acme', text)],
    ['buildVerifyChecklist (check details)', buildVerifyChecklist({ requestId: request.id, partnerId: 'acme', attempt: 1, dryRun: false, checks, result: 'verify_failed', approvers: { users: ['UAPP'] } })],
    ['buildApprovalCard of a change (ExternalId rotation, reason)', buildApprovalCard(CHANGE_APPROVAL, changeRequest({ kind: 'external-id', reason: text }), { approvalReaction: 'white_check_mark' })],
    ['buildApprovalCard of a change (offboarding, reason)', buildApprovalCard(CHANGE_APPROVAL, changeRequest({ kind: 'offboard', prefix: 'archive', reason: text }), { approvalReaction: 'white_check_mark' })],
    ['buildOffboardProgress (step details)', buildOffboardProgress({ partnerId: 'acme', dryRun: false, steps, outcome: 'failed' })],
    ['buildOffboardEvidence (step and check details)', buildOffboardEvidence({
      change: changeRequest({ kind: 'offboard', prefix: 'keep', reason: '' }),
      startedAt: AT,
      steps, checks, finishedAt: AT, dryRun: false,
    })],
    ['buildDriftReport (items from AWS)', buildDriftReport({ partnerId: 'acme', items: [{ subject: 'trust-policy', state: 'differs', line: text }], documents: [], unfixable: [text], hash: 'a'.repeat(64) })],
    ['reappliedText', reappliedText({ partnerId: 'acme', by: 'UAPP', done: [text], remaining: [text] })],
    ['buildAnswer (what the user typed)', buildAnswer(`No file matches ${text}`, [text])],
  ];
}

/**
 * [builder, its output] for the builders that diff documents read from AWS: they redact ExternalIds
 * and mask every other secret themselves, so what they build shows none, before any masking.
 */
export function diffMessages(): [string, unknown][] {
  const text = freeText();
  return [
    ['buildDriftReport (the diff of a trust policy whose ExternalId differs, and free text in a policy)', buildDriftReport({
      partnerId: 'acme', items: [{ subject: 'trust-policy', state: 'differs', line: 'IAM role: trust policy differs' }], documents: driftDocuments(text), unfixable: [], hash: 'a'.repeat(64),
    })],
    ['driftDiff (ExternalIds in conditions, lists, other fields and names)', driftDiff(driftDocuments(text)).toString()],
    ['buildAutoRevertReport (the trust and the policy it undid)', buildAutoRevertReport({ partnerId: 'acme', undone: ['IAM role: trust policy differs'], done: ['detached'], documents: driftDocuments(text), remaining: [] })],
    ['buildPlatformDriftReport (a platform role\'s trust holding an ExternalId, and free text in a policy)', buildPlatformDriftReport({
      parts: ['transfer-role'], items: [{ part: 'transfer-role', line: 'the Transfer role partnergate-transfer: trust policy differs' }],
      documents: driftDocuments(text).map((d) => ({ ...d, part: 'transfer-role' as const })),
    })],
  ];
}

/** [builder, its output] for the builders that name SSH keys: by type and fingerprint, never by their material. */
export function keyNamingMessages(): [string, unknown][] {
  const request = onboardingRequest('');
  const keysChange = changeRequest({ kind: 'ssh-keys', add: [SECRETS.sshPublicKey, SECRETS.rsaPublicKey], remove: [fingerprintOf(SECRETS.sshPublicKey) ?? ''] });
  const platform = testPlatform();
  return [
    ['buildWelcomeDm (the keys registered, and the policy to attach)', buildWelcomeDm({
      partnerId: 'acme', displayName: 'Acme', contactEmail: 'a@acme.example', contact: 'UREQ', region: platform.region, bucket: platform.bucket,
      homePrefix: 'partners/acme/', feeds: ['price-lists'], dryRun: false,
      sftp: { host: 'sftp.example.com', port: 22, userName: 'acme', hostKeys: ['SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0'], staticIps: ['203.0.113.10'], sshKeys: [SECRETS.sshPublicKey, SECRETS.rsaPublicKey] },
      role: { arn: 'arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme', partnerSidePolicy: renderPartnerSidePolicy(platform, 'acme') },
    })],
    ['buildPlanMessages (the keys the approval binds)', buildPlanMessages(request, createPlanRenderer(testPlatform())({ ...request, sshKeyComments: {} }))],
    ['buildApprovalCard of a change (keys to add and remove)', buildApprovalCard(CHANGE_APPROVAL, keysChange, { approvalReaction: 'white_check_mark' })],
    ['buildPartnerKeysModal (the partner\'s keys)', buildPartnerKeysModal({
      partnerId: 'acme', displayName: 'Acme', maxAgeDays: 365, hasRole: true,
      keys: [{ normalized: SECRETS.sshPublicKey, type: 'ssh-ed25519', fingerprint: fingerprintOf(SECRETS.sshPublicKey) ?? '', addedAt: AT, ageDays: 3, old: false }],
    })],
  ];
}
