import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/bot/messages/ids.js';
import {
  buildProvisionFailure, buildProvisionFailureRetried, buildProvisionProgress, parseRetryProvisionValue, retryProvisionValue,
} from '../../../src/bot/messages/provision.js';
import { buildVerifyChecklist, buildVerifyRetried } from '../../../src/bot/messages/verify.js';
import { expectWithinSlackLimits, firstLine } from '../../support/slack-limits.js';

type AnyBlock = { type: string; block_id?: string; text?: { text: string }; elements?: { type: string; action_id?: string; value?: string; text?: unknown }[] };
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as AnyBlock[];
const allText = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);
const buttons = (m: { blocks: unknown[] }) => blocksOf(m).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

const failure = {
  requestId: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: 'acme', attempt: 1, step: 'partner-role',
  stepLabel: 'Partner role and its inline policy', code: 'AccessDenied', message: 'not authorized to perform iam:CreateRole <b>',
  approvers: { users: ['UAPPROVER1', 'UAPPROVER2'], usergroup: 'S0APPROVERS' },
};

describe('provision messages', () => {
  it('the progress checklist shows one line per step with its state, and in DRY_RUN says planned, never ✅', () => {
    const m = buildProvisionProgress({
      partnerId: 'acme', attempt: 2, dryRun: true, outcome: 'provisioned',
      steps: [{ label: 'Transfer user', state: 'planned', detail: 'CreateUser acme' }, { label: 'SSH keys', state: 'planned', detail: '1 key, with CreateUser' }, { label: 'Registry', state: 'pending' }],
    });
    const text = allText(m);
    expect(firstLine(m)).toBe('Provisioning `acme` (attempt 2): planned — a dry run: AWS changes are planned, not made');
    expect(text).toContain(':memo: Transfer user — planned: CreateUser acme');
    expect(text).toContain(':memo: SSH keys — planned: 1 key, with CreateUser');
    expect(text).not.toContain(':white_check_mark:');
    expect(text).toContain(':white_square: Registry');
    expect(buttons(m)).toEqual([]);
    expectWithinSlackLimits(m);
  });

  it('a failure says where and why in words (the code stays out), shows what AWS said escaped, names who can retry, and carries the Retry button', () => {
    const m = buildProvisionFailure(failure);
    const [button] = buttons(m);
    expect(button).toMatchObject({ type: 'button', action_id: ACTIONS.retryProvision, value: `${failure.requestId}:partner-role` });
    expect(parseRetryProvisionValue(button!.value!)).toEqual({ requestId: failure.requestId, step: 'partner-role' });
    expect(firstLine(m)).toBe(':x: Provisioning `acme` failed at *Partner role and its inline policy* (attempt 1): AWS refused the bot. The bot’s role is not allowed to do this (its permissions, the bucket policy or the key policy). The partner is not live; steps before this one stay as they are.');
    const text = allText(m);
    expect(text).not.toContain('AccessDenied');
    expect(text).toContain('Details: not authorized to perform iam:CreateRole &lt;b&gt;');
    expect(text).not.toContain('<b>');
    expect(text).toContain('Next: <@UAPPROVER1>, <@UAPPROVER2> or <!subteam^S0APPROVERS> can press Retry once the cause is fixed');
    expect(m.text).not.toContain('AccessDenied');
    expectWithinSlackLimits(buildProvisionFailure({ ...failure, message: 'x'.repeat(10_000) }));
  });

  it('once retried, the failure loses its button and says who retried', () => {
    const m = buildProvisionFailureRetried(failure, 'UAPPROVER2', 2);
    expect(buttons(m)).toEqual([]);
    expect(allText(m)).toContain('<@UAPPROVER2>');
    expect(allText(m)).not.toContain('AccessDenied');
  });

  it('retry values parse with and without a step', () => {
    expect(parseRetryProvisionValue(retryProvisionValue('req_x', 'ssh-keys'))).toEqual({ requestId: 'req_x', step: 'ssh-keys' });
    expect(parseRetryProvisionValue('req_x')).toEqual({ requestId: 'req_x', step: undefined });
  });
});

describe('verify checklist', () => {
  const checks = [
    { label: 'as the partner role: list partners/acme/', outcome: 'pass' as const },
    { label: 'as the partner role: read partners/-canary/canary.txt', outcome: 'fail' as const, detail: 'ALLOWED, expected denied' },
    { label: 'SFTP probe', outcome: 'skipped' as const, detail: 'TRANSFER_HOST not set' },
  ];

  const approvers = { users: ['UAPPROVER1'] };

  it('a failed verification says so first, lists every check, names who can retry and carries the Retry verification button', () => {
    const m = buildVerifyChecklist({ requestId: 'req_x', partnerId: 'acme', attempt: 1, dryRun: false, checks, result: 'verify_failed', approvers });
    const text = allText(m);
    expect(firstLine(m)).toMatch(/^:red_circle: Verification of `acme` failed: the partner is not live\./);
    expect(text).toContain('Next: <@UAPPROVER1> can press Retry verification once the cause is fixed');
    expect(text).toContain(':x: as the partner role: read partners/-canary/canary.txt — ALLOWED, expected denied');
    expect(text).toContain(':white_check_mark: as the partner role: list partners/acme/');
    expect(text).toContain(':heavy_minus_sign: SFTP probe');
    expect(buttons(m)).toEqual([expect.objectContaining({ action_id: ACTIONS.retryVerify, value: 'req_x' })]);
  });

  it('a LIVE checklist has no button; in DRY_RUN its first line says planned and nothing exists, without a green mark', () => {
    const dry = buildVerifyChecklist({ requestId: 'req_x', partnerId: 'acme', attempt: 1, dryRun: true, checks: [checks[0]!], result: 'live', approvers });
    expect(buttons(dry)).toEqual([]);
    expect(firstLine(dry)).toMatch(/^:memo: `acme` is LIVE in a dry run, as planned: nothing exists on AWS/);
    expect(allText(dry)).not.toContain(':large_green_circle:');
    const live = buildVerifyChecklist({ requestId: 'req_x', partnerId: 'acme', attempt: 1, dryRun: false, checks: [checks[0]!], result: 'live', approvers });
    expect(firstLine(live)).toMatch(/^:large_green_circle: `acme` is LIVE: every check passed/);
    expectWithinSlackLimits(live);
  });

  it('once retried, the failed checklist message loses its button', () => {
    expect(buttons(buildVerifyRetried({ partnerId: 'acme', attempt: 1, failed: 'x', by: 'U1', nextAttempt: 2 }))).toEqual([]);
  });
});
