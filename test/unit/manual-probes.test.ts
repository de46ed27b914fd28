/**
 * scripts/manual-probes.sh (the runbook's live probes) against a fake `aws` command on PATH. The
 * fake stands for AWS the simplest way that can still catch the script out: each principal may do
 * exactly what its grants say, S3 answers AccessDenied otherwise (and NoSuchKey for a missing object
 * it may read), and STS hands out credentials only along the real trust chain (bot → verifier →
 * partner role with its ExternalId, or Transfer role with the user's session policy).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const FAKE_AWS = String.raw`#!/usr/bin/env node
const { appendFileSync } = require('node:fs');
const args = process.argv.slice(2);
const world = JSON.parse(process.env.FAKE_AWS_WORLD);
const who = process.env.AWS_ACCESS_KEY_ID || 'bot';
appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify({ who, args }) + '\n');
const opt = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const fail = (code, op) => { process.stderr.write('\nAn error occurred (' + code + ') when calling the ' + op + ' operation: ' + code + '\n'); process.exit(254); };
const [service, command] = args;
if (service === 'sts' && command === 'assume-role') {
  const arn = opt('--role-arn');
  const name = arn === world.verifierRoleArn ? 'verifier' : arn === world.partnerRoleArn ? 'partner' : arn === world.transferRoleArn ? 'transfer' : 'unknown';
  const ok =
    name === 'verifier' ? who === 'bot' :
    name === 'partner' ? who === 'verifier' && opt('--external-id') === world.externalId :
    name === 'transfer' ? who === 'verifier' && opt('--policy') === world.sessionPolicy : false;
  if (!ok || (world.refuse || []).includes(name)) fail('AccessDenied', 'AssumeRole');
  process.stdout.write(name + '\tsecret/' + name + '+k\ttoken-' + name + '\n');
} else if (service === 'iam' && command === 'get-role') {
  if (who !== 'bot' || opt('--role-name') !== world.partnerRoleArn.split('/').pop()) fail('AccessDenied', 'GetRole');
  process.stdout.write(world.externalId + '\n');
} else if (service === 'transfer' && command === 'describe-user') {
  if (who !== 'bot' || opt('--user-name') !== world.partnerId) fail('AccessDenied', 'DescribeUser');
  process.stdout.write(world.sessionPolicy + '\n');
} else if (service === 's3api') {
  const op = command === 'get-object' ? 'get' : 'list';
  const target = op === 'get' ? opt('--key') : (opt('--prefix') || '');
  if (opt('--bucket') !== world.bucket) fail('AccessDenied', op);
  const granted = (world.grants[who] || []).some((g) => g.op === op && target.startsWith(g.prefix));
  if (!granted) fail('AccessDenied', op === 'get' ? 'GetObject' : 'ListObjectsV2');
  if (op === 'get' && !world.objects.includes(target)) fail('NoSuchKey', 'GetObject');
  process.stdout.write('{}\n');
} else {
  fail('InvalidAction', args.join(' '));
}
`;

const dir = mkdtempSync(join(tmpdir(), 'pg-manual-probes-'));
writeFileSync(join(dir, 'aws'), FAKE_AWS);
chmodSync(join(dir, 'aws'), 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const own = (prefix: string) => [
  { op: 'list', prefix },
  { op: 'get', prefix },
];

function world(changes: { grants?: Record<string, Array<{ op: string; prefix: string }>>; objects?: string[] } = {}) {
  return {
    bucket: 'acme-partner-files',
    partnerId: 'acme',
    verifierRoleArn: 'arn:aws:iam::111122223333:role/partnergate/partnergate-verifier',
    transferRoleArn: 'arn:aws:iam::111122223333:role/partnergate/partnergate-transfer',
    partnerRoleArn: 'arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme',
    externalId: 'ext-acme-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    sessionPolicy: '{"Version":"2012-10-17","Statement":[]}',
    objects: changes.objects ?? ['partners/-canary/canary.txt', 'partners/acme/.partnergate'],
    grants: changes.grants ?? {
      verifier: [{ op: 'get', prefix: 'partners/-canary/' }],
      partner: own('partners/acme/'),
      transfer: own('partners/acme/'),
    },
  };
}

function run(w: ReturnType<typeof world>, env: Record<string, string | undefined> = {}) {
  const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(log, '');
  const r = spawnSync('sh', ['scripts/manual-probes.sh'], {
    encoding: 'utf8',
    env: {
      PATH: `${dir}:${process.env['PATH']}`,
      FAKE_AWS_WORLD: JSON.stringify(w),
      FAKE_AWS_LOG: log,
      BUCKET: w.bucket,
      PARTNER_ID: w.partnerId,
      TRANSFER_SERVER_ID: 's-0123456789abcdef0',
      VERIFIER_ROLE_ARN: w.verifierRoleArn,
      TRANSFER_ROLE_ARN: w.transferRoleArn,
      PARTNER_ROLE_ARN: w.partnerRoleArn,
      ...env,
    },
  });
  const calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { who: string; args: string[] });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines, calls, failures: lines.filter((l) => l.startsWith('FAIL')) };
}

describe('scripts/manual-probes.sh', () => {
  it('when the policies isolate the partner, then every probe passes, as the partner role and as the SFTP session', () => {
    const r = run(world());
    expect(r.failures).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('PASS'))).toHaveLength(1 + 7 * 2);
    for (const as of ['partner role', 'SFTP session']) {
      expect(r.stdout).toContain(`PASS  as the ${as}: list partners/acme/ (allowed)`);
      expect(r.stdout).toContain(`PASS  as the ${as}: read partners/-canary/canary.txt (denied)`);
      expect(r.stdout).toContain(`PASS  as the ${as}: list partners/acme (no slash) (denied)`);
      expect(r.stdout).toContain(`PASS  as the ${as}: list the bucket root (denied)`);
    }
  });

  it('when it runs, then S3 is asked only with the verifier\'s or the partner\'s credentials, never the bot\'s', () => {
    const r = run(world());
    const s3 = r.calls.filter((c) => c.args[0] === 's3api');
    expect(new Set(s3.map((c) => c.who))).toEqual(new Set(['verifier', 'partner', 'transfer']));
    const root = s3.filter((c) => c.args[1] === 'list-objects-v2' && !c.args.includes('--prefix'));
    expect(root.map((c) => c.who).sort()).toEqual(['partner', 'transfer']);
  });

  it('when the partner role can read the canary, then that probe fails and the script exits 1', () => {
    const w = world();
    w.grants['partner'] = [...own('partners/acme/'), { op: 'get', prefix: 'partners/-canary/' }];
    const r = run(w);
    expect(r.failures).toEqual(['FAIL  as the partner role: read partners/-canary/canary.txt (allowed; expected denied)']);
    expect(r.status).toBe(1);
  });

  it('when the SFTP session can list partners/<id> without the slash, then that probe fails', () => {
    const w = world();
    w.grants['transfer'] = own('partners/acme');
    const r = run(w);
    expect(r.failures).toEqual([
      'FAIL  as the SFTP session: list partners/acme (no slash) (allowed; expected denied)',
    ]);
    expect(r.status).toBe(1);
  });

  it('when the canary object was never created, then the check that it exists fails (a denial there would mean nothing)', () => {
    const r = run(world({ objects: ['partners/acme/.partnergate'] }));
    expect(r.failures).toEqual(['FAIL  canary partners/-canary/canary.txt exists (read as the verifier) (absent; expected allowed)']);
    expect(r.status).toBe(1);
  });

  it('when the home marker is missing, then reading it is reported as absent, not as a pass', () => {
    const r = run(world({ objects: ['partners/-canary/canary.txt'] }));
    expect(r.failures).toHaveLength(2);
    expect(r.failures[0]).toMatch(/read partners\/acme\/\.partnergate \(absent; expected allowed\)/);
  });

  it('when it assumes the partner role, then it presents the ExternalId of the deployed trust, and the Transfer role gets the deployed session policy', () => {
    const w = { ...world(), externalId: 'another-external-id-xxxxxxxxxxxxxxxxxxxxxxx', sessionPolicy: '{"Version":"2012-10-17","Statement":[{"Sid":"X"}]}' };
    const r = run(w);
    expect(r.status).toBe(0);
    const assumes = r.calls.filter((c) => c.args[1] === 'assume-role');
    const partner = assumes.find((c) => c.args.includes('--external-id'))!;
    expect(partner.args[partner.args.indexOf('--external-id') + 1]).toBe(w.externalId);
    const transfer = assumes.find((c) => c.args.includes('--policy'))!;
    expect(transfer.args[transfer.args.indexOf('--policy') + 1]).toBe(w.sessionPolicy);
  });

  it('when a role cannot be assumed as the partner, then that is a failure, not a skipped check', () => {
    const r = run({ ...world(), refuse: ['partner'] } as ReturnType<typeof world>);
    expect(r.failures).toEqual(['FAIL  as the partner role: assume it with its ExternalId (denied; expected allowed)']);
    expect(r.status).toBe(1);
  });

  it('when the partner has no account and no SFTP user, then only the canary is checked', () => {
    const r = run(world(), { PARTNER_ROLE_ARN: '', SFTP_USER: 'no' });
    expect(r.lines).toEqual(['PASS  canary partners/-canary/canary.txt exists (read as the verifier) (allowed)', '0 probe(s) failed']);
  });

  it('when a required setting is missing, then it names it and exits 2', () => {
    const r = run(world(), { VERIFIER_ROLE_ARN: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('VERIFIER_ROLE_ARN is not set');
  });
});
