import { describe, expect, it } from 'vitest';
import { runRender } from '../../../../src/cli/render.js';
import { testEnv } from '../../../../tools/local/env.js';

function run(argv: string[], env = testEnv()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runRender(argv, env, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Only the platform variables: render needs no Slack or Redis settings. */
const platformOnly = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCOUNT_ID: '111122223333',
  DISTRIBUTION_BUCKET: 'partnergate-dist-test',
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
  TRANSFER_SERVER_ID: 's-0123456789abcdef0',
};

describe('partnergate render', () => {
  it('when given a partner with an account, then it prints one JSON object in the documented shape', () => {
    const r = run(['--partner-id', 'acme', '--partner-account', '444455556666', '--external-id', 'e'.repeat(40), '--feeds', 'price-lists,compliance'], platformOnly);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as Record<string, any>;
    expect(Object.keys(json)).toEqual(['partnerId', 'homePrefix', 'transferUser', 'transferRole', 'partnerRole', 'bucketPolicy', 'kmsKeyPolicy', 'partnerSidePolicy']);
    expect(json.partnerId).toBe('acme');
    expect(json.transferUser.Policy.Statement).toHaveLength(3);
    expect(Object.keys(json.partnerRole).sort()).toEqual(['arn', 'path', 'permissionsBoundary', 'policies', 'roleName', 'tags', 'trustPolicy']);
    expect(json.partnerRole.trustPolicy.Statement[0].Condition.StringEquals['sts:ExternalId']).toBe('e'.repeat(40));
  });

  it('when no ExternalId is given, then a fresh random one of at least 32 characters is used', () => {
    const ids = [1, 2].map(() => {
      const json = JSON.parse(run(['--partner-id', 'acme', '--partner-account', '444455556666']).stdout);
      return json.partnerRole.trustPolicy.Statement[0].Condition.StringEquals['sts:ExternalId'] as string;
    });
    expect(ids[0]!.length).toBeGreaterThanOrEqual(32);
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('when the partner has no account, then partnerRole and partnerSidePolicy are null', () => {
    const json = JSON.parse(run(['--partner-id', 'acme']).stdout);
    expect(json.partnerRole).toBeNull();
    expect(json.partnerSidePolicy).toBeNull();
  });

  it('when --platform is given, then it prints the platform-wide documents', () => {
    const r = run(['--platform'], platformOnly);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual(['botRole', 'bucketPolicy', 'bucketSettings', 'kmsKeyPolicy', 'permissionsBoundary', 'transferRole', 'verifierRole']);
    expect(Object.keys(json.botRole).sort()).toEqual(['arn', 'managedPolicies', 'policies', 'roleName', 'trustPolicy']);
    expect(json.permissionsBoundary.policies[0].document.Statement.length).toBeGreaterThan(0);
  });

  it.each([
    [['--partner-id', 'ACME'], /--partner-id: Partner ids are lower case/],
    [['--partner-id', 'ac*me'], /--partner-id: .*wildcards/],
    [['--partner-id', 'acme', '--partner-account', '12345'], /--partner-account: An AWS account id is exactly 12 digits/],
    [['--partner-id', 'acme', '--partner-account', '111122223333'], /--partner-account: 111122223333 is this platform's own AWS account/],
    [['--partner-id', 'acme', '--feeds', 'price-lists,bogus'], /--feeds: Unknown feed "bogus"/],
    [['--partner-id', 'acme', '--external-id', 'short'], /--external-id: An ExternalId is 32 to 1,224/],
    [[], /--partner-id or --platform is required/],
    [['--platform', '--partner-id', 'acme'], /--platform takes no --partner-id/],
    [['--partner-id', 'acme', '--bogus'], /Unknown option '--bogus'/],
  ])('when called with %j, then it prints one line naming the problem and exits 2', (argv, message) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('when a platform variable is missing, then it names the variable and exits 2', () => {
    const r = run(['--platform'], { ...platformOnly, DISTRIBUTION_BUCKET: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("partnergate render: configuration: DISTRIBUTION_BUCKET is required (the distribution bucket's name: platform output DistributionBucket)\n");
  });

  it('when several platform variables are wrong, then it lists each on its own line and exits 2', () => {
    const r = run(['--platform'], { ...platformOnly, DISTRIBUTION_BUCKET: undefined, AWS_ACCOUNT_ID: '12345' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe([
      'partnergate render: configuration: 2 variables to fix:',
      '  AWS_ACCOUNT_ID must be a 12-digit AWS account id',
      "  DISTRIBUTION_BUCKET is required (the distribution bucket's name: platform output DistributionBucket)",
      '',
    ].join('\n'));
  });
});
