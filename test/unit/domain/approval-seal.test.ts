import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ApprovalSigningKey, approvalSeals, parseApprovalSigningKey } from '../../../src/domain/approval-seal.js';
import type { ChangeRequest, OnboardingRequest, OnboardingRequestData } from '../../../src/domain/requests.js';

const seals = approvalSeals(new ApprovalSigningKey(randomBytes(32)));

const data: OnboardingRequestData = {
  id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', displayName: 'Acme', contactEmail: 'a@acme.example',
  sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], accountId: '444455556666',
  externalId: 'x'.repeat(43), feeds: ['price-lists'], notes: '', requestedBy: 'UREQ', requestedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-04T00:00:00.000Z', planHash: 'h1', channel: 'C1',
};
const seal = seals.content('request', data);
const pending: OnboardingRequest = { ...data, status: 'pending', decision: null, seal };
const decision = { status: 'approved' as const, by: 'UAPP', at: '2030-01-02T00:00:00.000Z', via: 'button' as const };
const approved: OnboardingRequest = { ...pending, status: 'approved', decision, decisionSeal: seals.decision('request', data.id, seal, decision) };

describe('approval seals', () => {
  it('when an item is as the bot sealed it, pending or decided, then it passes', () => {
    expect(seal).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(seals.problem('request', pending)).toBeNull();
    expect(seals.problem('request', approved)).toBeNull();
  });

  it.each<[string, Partial<OnboardingRequest>]>([
    ['the account id', { accountId: '999988887777' }],
    ['the ExternalId', { externalId: 'y'.repeat(43) }],
    ['the SSH keys', { sshKeys: [] }],
    ['the feeds', { feeds: ['price-lists', 'compliance'] }],
    ['the contact', { contactEmail: 'evil@example.com' }],
    ['the plan hash', { planHash: 'h2' }],
    ['the requester', { requestedBy: 'UAPP2' }],
    ['the channel', { channel: 'C2' }],
    ['the expiry', { expiresAt: '2031-01-01T00:00:00.000Z' }],
    ['the partner id', { partnerId: 'acme-corp' }],
    ['the id (a sealed record copied under another id)', { id: 'req_bbbbbbbbbbbbbbbbbbbbbbbbbb' }],
  ])('when %s changes after sealing, then the content check fails', (_what, change) => {
    expect(seals.problem('request', { ...approved, ...change })?.reason).toBe('content');
  });

  it.each<[string, Partial<OnboardingRequest>]>([
    ['status approved with a forged decision (HSET)', { status: 'approved', decision, decisionSeal: 'v1.forged' }],
    ['status approved with no decision', { status: 'approved', decision: null }],
    ['status approved with no decision seal', { status: 'approved', decision }],
    ['the decision seal of another request', { status: 'approved', decision, decisionSeal: seals.decision('request', 'req_bbbbbbbbbbbbbbbbbbbbbbbbbb', seal, decision) }],
    ['the decision seal of a change with the same id', { status: 'approved', decision, decisionSeal: seals.decision('change', data.id, seal, decision) }],
    ['the decision seal over other content', { status: 'approved', decision, decisionSeal: seals.decision('request', data.id, 'v1.other', decision) }],
  ])('when a pending request gets %s, then the decision check fails', (_what, change) => {
    expect(seals.problem('request', { ...pending, ...change })?.reason).toBe('decision');
  });

  it('when a sealed decision is edited (another approver, an earlier time, status flipped), then the decision check fails', () => {
    expect(seals.problem('request', { ...approved, decision: { ...decision, by: 'UOTHER' } })?.reason).toBe('decision');
    expect(seals.problem('request', { ...approved, decision: { ...decision, at: '2030-01-01T00:00:01.000Z' } })?.reason).toBe('decision');
    const rejected = { ...decision, status: 'rejected' as const };
    const sealedRejection = { ...pending, status: 'rejected' as const, decision: rejected, decisionSeal: seals.decision('request', data.id, seal, rejected) };
    expect(seals.problem('request', sealedRejection)).toBeNull();
    expect(seals.problem('request', { ...sealedRejection, status: 'approved' })?.reason).toBe('decision');
  });

  it('when an item was stored before sealing (no seal), then it is refused as unsealed, with a message saying so', () => {
    const { seal: _s, ...legacy } = approved;
    expect(seals.problem('request', legacy)).toEqual({ reason: 'unsealed', message: expect.stringContaining('stored before approvals were sealed') });
  });

  it('when a change’s spec changes after sealing, then the content check fails', () => {
    const change: ChangeRequest = {
      id: 'chg_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', spec: { kind: 'ssh-keys', add: [], remove: ['SHA256:abc'] }, threadRef: 'card:x',
      requestedBy: 'UREQ', requestedAt: data.requestedAt, expiresAt: data.expiresAt, channel: 'C1', status: 'pending', decision: null,
    };
    const sealed = { ...change, seal: seals.content('change', change) };
    expect(seals.problem('change', sealed)).toBeNull();
    expect(seals.problem('change', { ...sealed, spec: { kind: 'ssh-keys', add: ['ssh-ed25519 AAAA'], remove: [] } })?.reason).toBe('content');
  });

  it('when another key seals, then nothing it sealed passes', () => {
    const other = approvalSeals(new ApprovalSigningKey(randomBytes(32)));
    expect(other.problem('request', approved)?.reason).toBe('content');
    expect(other.reapplyProblem({ partnerId: 'acme', by: 'UAPP', hash: 'a'.repeat(64) }, seals.reapply({ partnerId: 'acme', by: 'UAPP', hash: 'a'.repeat(64) }))).not.toBeNull();
  });

  it('when a re-apply click is sealed, then only that click passes', () => {
    const click = { partnerId: 'acme', by: 'UAPP', hash: 'a'.repeat(64) };
    const s = seals.reapply(click);
    expect(seals.reapplyProblem(click, s)).toBeNull();
    expect(seals.reapplyProblem({ ...click, by: 'UOTHER' }, s)).not.toBeNull();
    expect(seals.reapplyProblem({ ...click, hash: 'b'.repeat(64) }, s)).not.toBeNull();
    expect(seals.reapplyProblem(click, undefined)?.reason).toBe('unsealed');
  });
});

describe('APPROVAL_SIGNING_KEY parsing', () => {
  it('when it is 32 random bytes in hex, base64 or base64url, then it is taken', () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex').toUpperCase()]) {
      expect(parseApprovalSigningKey(text).ok, text).toBe(true);
    }
  });

  it.each([
    ['too short (16 bytes)', randomBytes(16).toString('hex'), /at least 32 random bytes \(it is 16/],
    ['hex with a digit missing', randomBytes(32).toString('hex').slice(1), /even number of digits/],
    ['neither hex nor base64', 'correct horse battery staple, stapled', /must be hex or base64/],
    ['one byte repeated', '00'.repeat(32), /not one byte repeated/],
  ])('when it is %s, then it is refused', (_what, text, message) => {
    const parsed = parseApprovalSigningKey(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(message);
  });

  it('when the key is logged or serialized, then its bytes do not show', () => {
    const bytes = randomBytes(32);
    const key = new ApprovalSigningKey(bytes);
    expect(JSON.stringify({ key })).toBe('{"key":"[REDACTED]"}');
    expect(inspect(key)).not.toContain(bytes.toString('hex').slice(0, 8));
  });
});
