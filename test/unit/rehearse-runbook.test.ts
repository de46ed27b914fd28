/**
 * scripts/rehearse-runbook.sh and the runbook's own shell, as far as they can be checked here: the
 * extraction (order, sections, skip markers, indented blocks, --set), that every block of
 * docs/runbook.md parses, and — run by bash against a fake `aws` on PATH — the shell set-up reading
 * the platform stack's outputs, the key-import loop on a file without a final newline, and the
 * approver's hand-off reading the ExternalId back from a plan and checking it as files.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRender } from '../../src/cli/render.js';
import { testEnv } from '../../tools/local/env.js';

const SCRIPT = 'scripts/rehearse-runbook.sh';
const dir = mkdtempSync(join(tmpdir(), 'pg-rehearse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake `aws`: logs its arguments, answers the few calls these blocks make. */
const FAKE_AWS = [
  '#!/usr/bin/env bash',
  'printf \'%s\\n\' "$* (as ${AWS_ACCESS_KEY_ID:-own credentials})" >> "$FAKE_AWS_LOG"',
  'case "$1 $2" in',
  '  "sts get-caller-identity") echo "${FAKE_ACCOUNT:-111122223333}" ;;',
  '  "cloudformation describe-stacks")',
  '    printf \'AwsRegion\\teu-west-1\\nDistributionBucket\\tpartnergate-distribution-111122223333\\nVerifierRoleArn\\tarn:aws:iam::111122223333:role/partnergate/partnergate-verifier\\nTransferServerId\\ts-0123456789abcdef0\\nOutboundPrefix\\tdrops/ with a space\' ;;',
  '  "transfer import-ssh-public-key"|"transfer describe-user"|"iam get-role") ;;',
  '  "sts assume-role") case "$*" in *"${FAKE_ASSUMABLE:-partnergate-verifier}"*) printf \'AKIA\\tsecret\\ttoken\\n\' ;; *) echo "An error occurred (AccessDenied) when calling the AssumeRole operation" >&2; exit 254 ;; esac ;;',
  '  "secretsmanager get-secret-value") cat "$FAKE_HANDOFF" ;;',
  '  "accessanalyzer validate-policy") echo 0 ;;',
  '  "accessanalyzer check-access-not-granted") case "$*" in *"${FAKE_DENY:-@none@}"*) echo FAIL ;; *) echo PASS ;; esac ;;',
  '  "accessanalyzer check-no-public-access") echo PASS ;;',
  '  *) echo "fake aws: unexpected: $*" >&2; exit 254 ;;',
  'esac',
  '',
].join('\n');
writeFileSync(join(dir, 'aws'), FAKE_AWS);
chmodSync(join(dir, 'aws'), 0o755);

function rehearse(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs `script` in bash with the fake aws first on PATH; answers stdout, stderr, status and what aws was asked. */
function bash(script: string, env: Record<string, string> = {}) {
  const log = join(dir, `aws-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH!}`, FAKE_AWS_LOG: log, HOME: dir, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

interface Listed { n: number; section: string; skip: string; first: string }
function list(): Listed[] {
  return rehearse(['--list']).out.trim().split('\n').map((l) => {
    const [n, section, skip, first] = l.split('\t');
    return { n: Number(n), section: section!, skip: skip!, first: first ?? '' };
  });
}
const blockWhere = (first: RegExp, section = /./) => {
  const found = list().filter((b) => first.test(b.first) && section.test(b.section));
  expect(found).toHaveLength(1);
  return String(found[0]!.n);
};

describe('rehearse-runbook: the extraction', () => {
  it('when the runbook is listed, then its sh blocks come in order with their sections, and the ECS and interactive ones are skipped with a reason', () => {
    const blocks = list();
    expect(blocks.map((b) => b.n)).toEqual(blocks.map((_, i) => i + 1));
    expect(blocks[0]).toMatchObject({ section: 'Setting up your shell', skip: 'run' });
    expect(blocks.find((b) => b.first.includes('while read -r key') || b.first.includes('|| [ -n "$key" ]'))).toMatchObject({
      section: 'Onboarding a partner by hand › 5. Import the other SSH keys', skip: 'run',
    });
    expect(blocks.find((b) => b.first === '(')!.skip).toMatch(/^skip \(asks you to compare fingerprints/);
    for (const b of blocks.filter((x) => /\b(bot_task|as_bot_sh|aws ecs)\b/.test(x.first))) expect(b.skip).toMatch(/^skip \(needs the runtime stack/);
  });

  it('when checked, then every block of docs/runbook.md parses as bash', () => {
    const r = rehearse(['--check']);
    expect(r.out).toMatch(/^every block parses \(\d+ blocks\)$/m);
    expect(r.code).toBe(0);
  });

  it('when a block is indented in a list, carries a heredoc, follows a skip marker or sets a variable --set names, then the script says so', () => {
    const book = join(dir, 'book.md');
    writeFileSync(book, [
      '# Book', '', '## Setting up your shell', '', '```sh', 'export W=$(mktemp -d)', '```', '',
      '## Steps', '', '### 1. One', '', '1. **Write it**', '', '   ```sh', '   export PARTNER_ID=acme-corp   # yours', '   cat > "$W/x" <<\'EOF\'',
      '   inside', '   EOF', '   ```', '', '   <!-- rehearse: skip (needs a person) -->', '   ```sh', '   read -r -p "ok? " ok', '   ```', '',
      '```json', '{"not": "shell"}', '```', '',
      '## Elsewhere', '', '```sh', 'echo elsewhere', '```', '',
    ].join('\n'));
    const r = rehearse(['--print', '--runbook', book, '--section', 'Steps', '--set', "PARTNER_ID=it's-1"]);
    expect(r.code).toBe(0);
    const script = r.out.slice(r.out.indexOf('# ---- block 1'));
    expect(script).toBe([
      '# ---- block 1: Setting up your shell', "echo '# block 1: Setting up your shell'", '_rehearse_keys', 'export W=$(mktemp -d)', 'echo "# block 1: exit $?"', '',
      '# ---- block 2: Steps › 1. One', "echo '# block 2: Steps › 1. One'", '_rehearse_keys', "export PARTNER_ID=it\\'s-1   # --set",
      'cat > "$W/x" <<\'EOF\'', 'inside', 'EOF', 'echo "# block 2: exit $?"', '',
      '# ---- block 3: Steps › 1. One', "echo '# block 3: skipped (needs a person)'", '# read -r -p "ok? " ok', '',
    ].join('\n'));
    // The assembled script runs: the heredoc ends where it should once the indentation is gone.
    const ran = spawnSync('bash', ['-c', `${r.out}\ncat "$W/x"`], { encoding: 'utf8' });
    expect(ran.stdout).toContain('# block 2: exit 0\n# block 3: skipped (needs a person)\ninside\n');
  });

  it('when a block does not parse, then --check names it and exits 1', () => {
    const book = join(dir, 'broken.md');
    writeFileSync(book, '## Setting up your shell\n\n```sh\necho ok\n```\n\n## Later\n\n```sh\nif true; then echo\n```\n');
    const r = rehearse(['--check', '--runbook', book]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^block 2 \(Later\) does not parse: /m);
  });

  it('when --run has neither an emulator endpoint nor the sandbox account, then it refuses before running anything', () => {
    const none = rehearse(['--run']);
    expect(none).toMatchObject({ code: 2, err: expect.stringContaining('--run needs AWS_ENDPOINT_URL') });
    const other = rehearse(['--run', '--account', '999988887777', '--block', '1'], { PATH: `${dir}:${process.env.PATH!}`, FAKE_AWS_LOG: join(dir, 'run.log') });
    expect(other).toMatchObject({ code: 2, err: expect.stringContaining('the credentials are of account 111122223333, not the sandbox 999988887777: refusing') });
  });
});

describe('the runbook\'s shell, run', () => {
  it('when the shell is set up, then the account comes from the credentials and every stack output is a variable, the last one too', () => {
    const script = rehearse(['--print', '--section', 'Setting up your shell']).out;
    const r = bash(`${script}\necho "ACCOUNT=$AWS_ACCOUNT_ID BUCKET=$DISTRIBUTION_BUCKET SERVER=$TRANSFER_SERVER_ID OUT=[$OUTBOUND_PREFIX]"`);
    expect(r.err).toBe('');
    expect(r.out).toContain('ACCOUNT=111122223333 BUCKET=partnergate-distribution-111122223333 SERVER=s-0123456789abcdef0 OUT=[drops/ with a space]');
    expect(r.out).toContain('# block 2: exit 0');
  });

  it('when the partner\'s key file has no final newline, then every key after the first is imported, the last one too (the old loop dropped it)', () => {
    const block = rehearse(['--print', '--block', blockWhere(/\|\| \[ -n "\$key" \]|import-ssh-public-key/)]).out;
    const keys = ['ssh-ed25519 AAAAkey1 first', 'ssh-ed25519 AAAAkey2 second', 'ssh-ed25519 AAAAkey3 last'];
    const w = mkdtempSync(join(dir, 'w-'));
    writeFileSync(join(w, 'partner-keys.pub'), keys.join('\n')); // no final newline
    const env = { W: w, TRANSFER_SERVER_ID: 's-0123456789abcdef0', PARTNER_ID: 'acme-corp' };
    const imported = (calls: string[]) => calls.filter((c) => c.startsWith('transfer import-ssh-public-key')).map((c) => c.slice(c.indexOf('ssh-ed25519'), c.lastIndexOf(' (as ')));

    expect(imported(bash(block, env).calls)).toEqual(['ssh-ed25519 AAAAkey2 second', 'ssh-ed25519 AAAAkey3 last']);
    const old = 'tail -n +2 "$W/partner-keys.pub" | while read -r key; do [ -n "$key" ] && aws transfer import-ssh-public-key --ssh-public-key-body "$key" < /dev/null; done';
    expect(imported(bash(old, env).calls)).toEqual(['ssh-ed25519 AAAAkey2 second']);
  });

  it('when a partner is offboarded, then the proof as the verifier passes only when the partner role can no longer be assumed', () => {
    const block = rehearse(['--print', '--block', blockWhere(/^aws transfer describe-user .*ResourceNotFoundException$/, /Offboarding/)]).out;
    const w = mkdtempSync(join(dir, 'w-'));
    const env = { W: w, TRANSFER_SERVER_ID: 's-0123456789abcdef0', PARTNER_ID: 'acme-corp', ROLE: 'partnergate-partner-acme-corp' };
    expect(bash(block, env).code).toBe(0);
    const proof = { VERIFIER_ROLE_ARN: 'arn:aws:iam::111122223333:role/partnergate/partnergate-verifier',
      PARTNER_ROLE_ARN: 'arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme-corp', EXTERNAL_ID: 'none' };

    const gone = bash(`sh "${join(w, 'offboard-proof.sh')}"`, proof);
    expect(gone.out).toBe('PASS  arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme-corp can no longer be assumed (AccessDenied above)\n');
    expect(gone.code).toBe(0);
    // The verifier's credentials are the ones the second AssumeRole is made with.
    expect(gone.calls.map((c) => `${c.split(' --')[0]} ${c.slice(c.lastIndexOf('('))}`)).toEqual(['sts assume-role (as own credentials)', 'sts assume-role (as AKIA)']);

    const still = bash(`sh "${join(w, 'offboard-proof.sh')}"`, { ...proof, FAKE_ASSUMABLE: 'partnergate' });
    expect(still.out).toContain('FAIL  the verifier can still assume');
    expect(still.code).toBe(1);
  });

  it('when the approver loads the hand-off, then the ExternalId and account are read back from the plan\'s trust policy, and the checks run over the saved files', () => {
    let plan = '';
    const renderEnv = testEnv({ DISTRIBUTION_BUCKET: 'partnergate-distribution-111122223333' });
    expect(runRender(['--partner-id', 'acme-corp', '--partner-account', '444455556666', '--external-id', 'Zx8-Yw7_Vv6-Uu5_Tt4-Ss3_Rr2-Qq1_Pp0-Oo9_Nn8'], renderEnv,
      { stdout: (s) => void (plan += s), stderr: () => undefined })).toBe(0);
    const w = mkdtempSync(join(dir, 'w-'));
    const handoff = join(w, 'secret.json');
    writeFileSync(handoff, JSON.stringify({ plan: JSON.parse(plan), keys: 'ssh-ed25519 AAAAkey1 first\nssh-ed25519 AAAAkey2 second' }));
    const functions = rehearse(['--print', '--block', blockWhere(/^# plan_documents PLAN DIR/)]).out;
    const approver = rehearse(['--print', '--block', blockWhere(/^export PARTNER_ID=acme-corp$/, /Hand-off/)]).out;
    const env = { W: w, PARTNER_ID: 'acme-corp', PARTITION: 'aws', DISTRIBUTION_BUCKET: 'partnergate-distribution-111122223333', FAKE_HANDOFF: handoff };
    // The preparer's step 3 ran with their own plan first; the approver's shell has only the hand-off.
    writeFileSync(join(w, 'preparer-plan.json'), plan);

    const r = bash(`PLAN="$W/preparer-plan.json"\n${functions}\n${approver}\necho "EXTERNAL_ID=$EXTERNAL_ID ACCOUNT=$PARTNER_ACCOUNT KEYS=$(wc -l < "$W/partner-keys.pub")"`, env);

    expect(r.out).toContain('EXTERNAL_ID=Zx8-Yw7_Vv6-Uu5_Tt4-Ss3_Rr2-Qq1_Pp0-Oo9_Nn8 ACCOUNT=444455556666 KEYS=2');
    expect(r.out).toContain('acme-corp 444455556666 arn:aws:iam::111122223333:role/partnergate/partners/partnergate-partner-acme-corp');
    expect(r.out).toMatch(/PASS {2}CheckAccessNotGranted role-policy\.json: partners\/-canary\/canary\.txt/);
    expect(r.out.match(/^0 check\(s\) failed$/gm)).toHaveLength(2); // the preparer's and the approver's
    expect(r.calls.filter((c) => c.startsWith('accessanalyzer validate-policy')).map((c) => /\/(plan\/[a-z-]+\.json)/.exec(c)?.[1]).slice(0, 8)).toEqual([
      'plan/session-policy.json', 'plan/transfer-policy.json', 'plan/transfer-trust.json', 'plan/bucket-policy.json', 'plan/key-policy.json',
      'plan/role-policy.json', 'plan/role-trust.json', 'plan/partner-side-policy.json',
    ]);
    expect(JSON.parse(readFileSync(join(w, 'plan', 'role-trust.json'), 'utf8'))).toEqual(JSON.parse(plan).partnerRole.trustPolicy);

    // A check that fails is a FAIL line, and the function says so in its status.
    const failing = bash(`PLAN="$W/preparer-plan.json"\n${functions}`, { ...env, FAKE_DENY: 'role-policy.json' });
    expect(failing.out).toMatch(/^FAIL {2}CheckAccessNotGranted role-policy\.json: .*\(answered: FAIL\)$/m);
    expect(failing.out).toMatch(/^3 check\(s\) failed\n# block \d+: exit 1$/m);
  });
});
