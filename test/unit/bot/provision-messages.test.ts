import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/bot/messages/ids.js';
import {
  buildProvisionFailure, buildProvisionFailureRetried, buildProvisionProgress, buildWelcome, parseRetryProvisionValue, retryProvisionValue,
} from '../../../src/bot/messages/provision.js';
import { buildVerifyChecklist, buildVerifyRetried } from '../../../src/bot/messages/verify.js';

type AnyBlock = { type: string; block_id?: string; text?: { text: string }; elements?: { type: string; action_id?: string; value?: string; text?: unknown }[] };
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as AnyBlock[];
const allText = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);
const buttons = (m: { blocks: unknown[] }) => blocksOf(m).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

const failure = {
  requestId: 'req_abcdefghijklmnopqrstuvwxyz', partnerId: 'acme', attempt: 1, step: 'partner-role',
  stepLabel: 'Partner role and its inline policy', code: 'AccessDenied', message: 'not authorized to perform iam:CreateRole <b>',
};

describe('provision messages', () => {
  it('the progress checklist shows one line per step with its state, and says DRY_RUN', () => {
    const m = buildProvisionProgress({
      partnerId: 'acme', attempt: 2, dryRun: true, outcome: 'running',
      steps: [{ label: 'Transfer user', state: 'planned', detail: 'CreateUser acme' }, { label: 'SSH keys', state: 'pending' }],
    });
    const text = allText(m);
    expect(text).toContain(':memo: Transfer user — CreateUser acme');
    expect(text).toContain(':white_square: SSH keys');
    expect(text).toContain('attempt 2');
    expect(text).toContain('DRY_RUN');
    expect(buttons(m)).toEqual([]);
  });

  it('a failure names the step, the AWS code and message (escaped), and carries the Retry button with request id and step', () => {
    const m = buildProvisionFailure(failure);
    const [button] = buttons(m);
    expect(button).toMatchObject({ type: 'button', action_id: ACTIONS.retryProvision, value: `${failure.requestId}:partner-role` });
    expect(parseRetryProvisionValue(button!.value!)).toEqual({ requestId: failure.requestId, step: 'partner-role' });
    const text = allText(m);
    expect(text).toContain('Partner role and its inline policy');
    expect(text).toContain('`AccessDenied`');
    expect(text).toContain('&lt;b&gt;');
    expect(text).not.toContain('<b>');
  });

  it('once retried, the failure loses its button and says who retried', () => {
    const m = buildProvisionFailureRetried(failure, 'UAPPROVER2', 2);
    expect(buttons(m)).toEqual([]);
    expect(allText(m)).toContain('<@UAPPROVER2>');
  });

  it('retry values parse with and without a step', () => {
    expect(parseRetryProvisionValue(retryProvisionValue('req_x', 'ssh-keys'))).toEqual({ requestId: 'req_x', step: 'ssh-keys' });
    expect(parseRetryProvisionValue('req_x')).toEqual({ requestId: 'req_x', step: undefined });
  });

  it('the welcome text gives SFTP host, port, user, host-key fingerprints and static IPs, role ARN, ExternalId and the partner-side policy', () => {
    const m = buildWelcome({
      partnerId: 'acme', displayName: 'Acme <Corp>', region: 'eu-west-1', bucket: 'b', homePrefix: 'partners/acme/', feeds: ['price-lists'], dryRun: false,
      sftp: { host: 'sftp.example.com', port: 22, userName: 'acme', hostKeys: ['SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0'], staticIps: ['203.0.113.10', '203.0.113.11'] },
      role: { arn: 'arn:aws:iam::1:role/partnergate/partners/partnergate-partner-acme', externalId: 'EXT-123', partnerSidePolicy: { Version: '2012-10-17', Statement: [] } },
    });
    const text = allText(m);
    for (const part of [
      'host: `sftp.example.com`, port `22`', 'user name: `acme`', 'fingerprint (check on first connection): `SHA256:b4mW3/PvHdJ2y0TgkjTz3t5eSxNY1fS2pDbxGKr8yq0`',
      'allow-list (outbound TCP `22`): `203.0.113.10`, `203.0.113.11`', 'partnergate-partner-acme', 'EXT-123', '2012-10-17', 'partners/acme/', 'Acme &lt;Corp&gt;',
    ]) {
      expect(text).toContain(part);
    }
  });

  it('the welcome text of an SFTP-only partner has no role part; with the public endpoint no addresses; a port other than 22 is given', () => {
    const m = buildWelcome({
      partnerId: 'acme', displayName: 'Acme', region: 'r', bucket: 'b', homePrefix: 'partners/acme/', feeds: [], dryRun: false,
      sftp: { host: 'sftp.example.com', port: 2222, userName: 'acme', hostKeys: ['SHA256:one', 'SHA256:two'], staticIps: [] }, role: null,
    });
    const text = allText(m);
    expect(text).not.toContain('ExternalId');
    expect(text).not.toContain('allow-list');
    expect(text).toContain('port `2222`');
    expect(text).toContain('fingerprints (check on first connection): `SHA256:one`, `SHA256:two`');
  });

  it('when the host keys could not be read, or there are none, then the welcome says so instead of a fingerprint', () => {
    const sftp = { host: undefined, port: 22, userName: 'acme', staticIps: [] };
    const text = (hostKeys: string[] | null, dryRun: boolean) =>
      allText(buildWelcome({ partnerId: 'acme', displayName: 'Acme', region: 'r', bucket: 'b', homePrefix: 'partners/acme/', feeds: [], dryRun, sftp: { ...sftp, hostKeys }, role: null }));
    expect(text(null, false)).toContain('could not be read just now; ask the platform team');
    expect(text([], false)).toContain('none reported by the server');
    expect(text([], true)).toContain('none in DRY_RUN');
  });
});

describe('verify checklist', () => {
  const checks = [
    { label: 'as the partner role: list partners/acme/', outcome: 'pass' as const },
    { label: 'as the partner role: read partners/-canary/canary.txt', outcome: 'fail' as const, detail: 'ALLOWED, expected denied' },
    { label: 'SFTP probe', outcome: 'skipped' as const, detail: 'TRANSFER_HOST not set' },
  ];

  it('a failed verification lists every check and carries the Retry verification button', () => {
    const m = buildVerifyChecklist({ requestId: 'req_x', partnerId: 'acme', attempt: 1, dryRun: false, checks, result: 'verify_failed' });
    const text = allText(m);
    expect(text).toContain(':x: as the partner role: read partners/-canary/canary.txt — ALLOWED, expected denied');
    expect(text).toContain(':white_check_mark: as the partner role: list partners/acme/');
    expect(text).toContain(':heavy_minus_sign: SFTP probe');
    expect(buttons(m)).toEqual([expect.objectContaining({ action_id: ACTIONS.retryVerify, value: 'req_x' })]);
  });

  it('a LIVE checklist has no button', () => {
    const m = buildVerifyChecklist({ requestId: 'req_x', partnerId: 'acme', attempt: 1, dryRun: true, checks: [checks[0]!], result: 'live' });
    expect(buttons(m)).toEqual([]);
    expect(allText(m)).toContain('LIVE');
    expect(allText(m)).toContain('DRY_RUN');
  });

  it('once retried, the failed checklist message loses its button', () => {
    expect(buttons(buildVerifyRetried({ partnerId: 'acme', attempt: 1, failed: 'x', by: 'U1', nextAttempt: 2 }))).toEqual([]);
  });
});
