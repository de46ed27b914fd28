import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadPlatformConfig } from '../../src/config.js';
import { testEnv } from '../../tools/local/env.js';

function problem(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('when every required variable is set, then defaults fill the rest as .env.example says', () => {
    const c = loadConfig(testEnv({ PORT: undefined, PARTNERGATE_PREFIX: undefined, LOG_LEVEL: undefined }));
    expect(c.port).toBe(3000);
    expect(c.prefix).toBe('partnergate');
    expect(c.requestTtlHours).toBe(72);
    expect(c.transferSettleSeconds).toBe(300);
    expect(c.pollIntervalSeconds).toBe(30);
    expect(c.slack.approvalReaction).toBe('white_check_mark');
    expect(c.slack.deliveriesChannel).toBe('C0APPROVALS');
    expect(c.platform.outboundPrefix).toBe('outbound/');
    expect(c.platform.feeds).toEqual(['price-lists', 'parts-catalogs', 'compliance']);
    expect(c.platform.dryRun).toBe(false);
    expect(c.platform.transferRoleArn).toBe('arn:aws:iam::111122223333:role/partnergate/partnergate-transfer');
    expect(c.platform.verifierRoleArn).toBe('arn:aws:iam::111122223333:role/partnergate/partnergate-verifier');
    expect(c.platform.permissionsBoundaryArn).toBe('arn:aws:iam::111122223333:policy/partnergate/partnergate-partner-boundary');
    expect(c.logLevel).toBe('info');
    expect(c.auditLock).toBeNull();
    expect(c.autoRevert).toBe(false);
  });

  it('when the review variables are unset, then reviews are every 90 days with 14 days of grace and 60 idle days; set, theirs; bad, loading stops naming them', () => {
    expect(loadConfig(testEnv()).reviews).toEqual({ intervalDays: 90, graceDays: 14, idleDays: 60 });
    expect(loadConfig(testEnv({ REVIEW_INTERVAL_DAYS: '30', REVIEW_GRACE_DAYS: '0', IDLE_DAYS: '0.5' })).reviews).toEqual({ intervalDays: 30, graceDays: 0, idleDays: 0.5 });
    expect(problem(testEnv({ REVIEW_INTERVAL_DAYS: '0' }))).toMatch(/REVIEW_INTERVAL_DAYS must be more than 0 days/);
    expect(problem(testEnv({ REVIEW_GRACE_DAYS: '-1' }))).toMatch(/REVIEW_GRACE_DAYS must be a number of days/);
    expect(problem(testEnv({ IDLE_DAYS: '5000' }))).toMatch(/IDLE_DAYS must be at most 3650 days/);
  });

  it('when AUTO_REVERT is true, then a quarantined partner is restored by the bot; anything but true or false stops loading', () => {
    expect(loadConfig(testEnv({ AUTO_REVERT: 'true' })).autoRevert).toBe(true);
    expect(problem(testEnv({ AUTO_REVERT: 'yes please' }))).toMatch(/AUTO_REVERT must be true or false/);
  });

  it('when AUDIT_RETENTION_DAYS is set, then audit objects are locked for that long, in GOVERNANCE mode unless AUDIT_LOCK_MODE says COMPLIANCE', () => {
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '0', AUDIT_LOCK_MODE: 'COMPLIANCE' })).auditLock).toBeNull();
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '365' })).auditLock).toEqual({ mode: 'GOVERNANCE', days: 365 });
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '2557', AUDIT_LOCK_MODE: 'COMPLIANCE' })).auditLock).toEqual({ mode: 'COMPLIANCE', days: 2557 });
  });

  it('when the pacing variables are unset, then the shared AWS buckets take the defaults; set, their rates, a second\'s worth of burst', () => {
    expect(loadConfig(testEnv()).pace).toEqual({
      iam: { perSecond: 5, burst: 5 }, sts: { perSecond: 10, burst: 10 }, transfer: { perSecond: 5, burst: 5 }, 's3-control': { perSecond: 5, burst: 5 },
    });
    const c = loadConfig(testEnv({ PACE_IAM_PER_SECOND: '2.5', PACE_STS_PER_SECOND: '300' }));
    expect(c.pace.iam).toEqual({ perSecond: 2.5, burst: 3 });
    expect(c.pace.sts).toEqual({ perSecond: 300, burst: 300 });
    expect(problem(testEnv({ PACE_STS_PER_SECOND: '301' }))).toMatch(/PACE_STS_PER_SECOND must be at most 300 \(half of AWS's 600 a second\)/);
    expect(problem(testEnv({ PACE_IAM_PER_SECOND: 'fast' }))).toMatch(/PACE_IAM_PER_SECOND must be a number of requests per second/);
    expect(problem(testEnv({ PACE_TRANSFER_PER_SECOND: '0' }))).toMatch(/PACE_TRANSFER_PER_SECOND must be at least 0.1/);
  });

  it('when platform events are on, then the drift sweep becomes the 6-hourly safety net unless DRIFT_SWEEP_INTERVAL_HOURS says otherwise', () => {
    expect(loadConfig(testEnv()).driftSweepIntervalHours).toBe(1);
    const events = { PLATFORM_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/platform-events' };
    expect(loadConfig(testEnv(events)).driftSweepIntervalHours).toBe(6);
    expect(loadConfig(testEnv({ ...events, DRIFT_SWEEP_INTERVAL_HOURS: '12' })).driftSweepIntervalHours).toBe(12);
    expect(problem(testEnv({ DRIFT_SWEEP_INTERVAL_HOURS: '0' }))).toMatch(/DRIFT_SWEEP_INTERVAL_HOURS must be at least 1/);
  });

  it.each([
    ['SLACK_SIGNING_SECRET', undefined, /SLACK_SIGNING_SECRET is required/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN must be a bot token/],
    ['APPROVALS_CHANNEL', 'approvals', /APPROVALS_CHANNEL must be a Slack channel id/],
    ['AWS_ACCOUNT_ID', '12345', /AWS_ACCOUNT_ID must be a 12-digit/],
    ['KMS_KEY_ARN', 'alias/foo', /KMS_KEY_ARN must be a KMS key ARN/],
    ['TRANSFER_SERVER_ID', 'server-1', /TRANSFER_SERVER_ID must be a Transfer Family server id/],
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be at most 65535/],
    ['DRY_RUN', 'maybe', /DRY_RUN must be true or false/],
    ['FEEDS', 'price-lists,Bad Feed', /FEEDS must be a comma list/],
    ['OUTBOUND_PREFIX', 'partners/', /OUTBOUND_PREFIX must not be partners/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must be a redis/],
    ['SLACK_API_URL', 'not a url', /SLACK_API_URL must be a URL/],
    ['AUDIT_RETENTION_DAYS', '-1', /AUDIT_RETENTION_DAYS must be a whole number/],
    ['AUDIT_RETENTION_DAYS', '36501', /AUDIT_RETENTION_DAYS must be at most 36500/],
    ['AUDIT_LOCK_MODE', 'governance', /AUDIT_LOCK_MODE must be GOVERNANCE or COMPLIANCE/],
  ])('when %s is %s, then loading stops with one line naming it', (name, value, message) => {
    const text = problem(testEnv({ [name]: value }));
    expect(text).toMatch(message);
    expect(text).toContain(name);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('when DELIVERY_METADATA_ALLOWLIST is unset, then no user metadata is carried to partners; set, then its keys', () => {
    expect(loadConfig(testEnv()).deliveryMetadataAllowlist).toEqual([]);
    expect(loadConfig(testEnv({ DELIVERY_METADATA_ALLOWLIST: 'partner-ref, batch' })).deliveryMetadataAllowlist).toEqual(['partner-ref', 'batch']);
  });

  it.each([
    ['Partner-Ref', /DELIVERY_METADATA_ALLOWLIST must be a comma list of lower-case metadata keys/],
    ['x-amz-meta-partner-ref', /DELIVERY_METADATA_ALLOWLIST must name keys without x-amz-meta-/],
  ])('when DELIVERY_METADATA_ALLOWLIST is %s, then loading stops naming it', (value, message) => {
    expect(problem(testEnv({ DELIVERY_METADATA_ALLOWLIST: value }))).toMatch(message);

  });

  it('when TRANSFER_STATIC_IPS is unset, then there are none (the public endpoint); set, then its IPv4 addresses in order', () => {
    expect(loadConfig(testEnv()).transferStaticIps).toEqual([]);
    expect(loadConfig(testEnv({ TRANSFER_STATIC_IPS: ' 203.0.113.10, 198.51.100.7 ,' })).transferStaticIps).toEqual(['203.0.113.10', '198.51.100.7']);
  });

  it.each(['203.0.113.256', '203.0.113', '203.0.113.010', '2001:db8::1', '203.0.113.10;rm', 'sftp.example.com'])('when TRANSFER_STATIC_IPS holds %s, then loading stops with one line naming it', (value) => {
    const text = problem(testEnv({ TRANSFER_STATIC_IPS: `203.0.113.10,${value}` }));
    expect(text).toMatch(/TRANSFER_STATIC_IPS must be a comma list of IPv4 addresses/);
    expect(text.split('\n')).toHaveLength(1);
  });

  it.each([
    ['missing', undefined, /^configuration: APPROVAL_SIGNING_KEY is required \(at least 32 random bytes, hex or base64: `openssl rand -hex 32`\)$/],
    ['16 bytes of hex', randomBytes(16).toString('hex'), /APPROVAL_SIGNING_KEY must be at least 32 random bytes \(it is 16/],
    ['24 bytes of base64', randomBytes(24).toString('base64'), /APPROVAL_SIGNING_KEY must be at least 32 random bytes \(it is 24/],
    ['a passphrase', 'our approvals are safe with us!', /APPROVAL_SIGNING_KEY must be hex or base64/],
    ['hex with a digit missing', randomBytes(32).toString('hex').slice(1), /APPROVAL_SIGNING_KEY must be hex with an even number of digits/],
  ])('when APPROVAL_SIGNING_KEY is %s, then loading stops with one line naming it', (_what, value, message) => {
    const text = problem(testEnv({ APPROVAL_SIGNING_KEY: value }));
    expect(text).toMatch(message);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('when APPROVAL_SIGNING_KEY is 32 random bytes in hex or base64, then it is taken, and the loaded configuration never shows it', () => {
    const bytes = randomBytes(32);
    for (const value of [bytes.toString('hex'), bytes.toString('base64')]) {
      const c = loadConfig(testEnv({ APPROVAL_SIGNING_KEY: value }));
      expect(JSON.stringify(c)).not.toContain(value);
      expect(JSON.stringify(c)).not.toContain(bytes.toString('hex'));
    }
  });

  describe('Redis over TLS', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pg-config-'));
      await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      await writeFile(join(dir, 'not-a-ca.txt'), 'hello');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('when REDIS_TLS_CA_FILE names a PEM file and REDIS_URL is rediss://, then its certificates are loaded for the connections', () => {
      const c = loadConfig(testEnv({ REDIS_URL: 'rediss://:secret@redis.internal:6380', REDIS_TLS_CA_FILE: join(dir, 'ca.pem') }));
      expect(c.redisTlsCa).toContain('-----BEGIN CERTIFICATE-----');
      expect(loadConfig(testEnv()).redisTlsCa).toBeUndefined();
    });

    it.each([
      ['with a redis:// URL', 'redis://redis.internal:6379', 'ca.pem', /REDIS_TLS_CA_FILE is set but REDIS_URL is not a rediss:\/\//],
      ['naming a file that is not there', 'rediss://redis.internal:6380', 'missing.pem', /REDIS_TLS_CA_FILE cannot be read \(ENOENT/],
      ['naming a file with no certificate', 'rediss://redis.internal:6380', 'not-a-ca.txt', /REDIS_TLS_CA_FILE must be a PEM file of CA certificates/],
    ])('when REDIS_TLS_CA_FILE is set %s, then loading stops with one line naming it', (_what, url, file, message) => {
      const text = problem(testEnv({ REDIS_URL: url, REDIS_TLS_CA_FILE: join(dir, file) }));
      expect(text).toMatch(message);
      expect(text.split('\n')).toHaveLength(1);
    });
  });

  describe('every problem at once', () => {
    const REQUIRED = ['AWS_REGION', 'AWS_ACCOUNT_ID', 'DISTRIBUTION_BUCKET', 'KMS_KEY_ARN', 'TRANSFER_SERVER_ID',
      'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'APPROVALS_CHANNEL', 'APPROVAL_SIGNING_KEY'];

    function configError(load: () => unknown): ConfigError {
      try {
        load();
      } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
      }
      throw new Error('expected a ConfigError');
    }

    it('when the environment is empty, then one error lists every required variable, one line each with what a valid value looks like', () => {
      const err = configError(() => loadConfig({}));
      const lines = err.message.split('\n');
      expect(lines[0]).toBe(`configuration: ${REQUIRED.length + 1} variables to fix:`);
      expect(err.problems.map((p) => p.variable)).toEqual([...REQUIRED, 'APPROVERS']);
      for (const name of REQUIRED) {
        expect(lines.filter((l) => l.includes(name))).toEqual([expect.stringMatching(new RegExp(`^  ${name} is required \\(.+\\)$`))]);
      }
      expect(lines.at(-1)).toMatch(/^ {2}APPROVERS or APPROVER_USERGROUP must be set \(at least one approver: .*U0123ABCD.*S0123ABCD\)$/);
    });

    it('when only the platform is asked for and the environment is empty, then the platform variables alone are listed', () => {
      expect(configError(() => loadPlatformConfig({})).problems.map((p) => p.variable)).toEqual(REQUIRED.slice(0, 5));
    });

    it('when two values are malformed, then both are reported in one error and the valid ones are not', () => {
      const err = configError(() => loadConfig(testEnv({ PORT: 'eighty', AWS_ACCOUNT_ID: '12345' })));
      expect(err.message).toBe([
        'configuration: 2 variables to fix:',
        '  AWS_ACCOUNT_ID must be a 12-digit AWS account id',
        '  PORT must be a whole number from 0 to 65535',
      ].join('\n'));
    });

    it('when combinations conflict beside a malformed value, then each conflict is reported with it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pg-config-'));
      try {
        const err = configError(() => loadConfig(testEnv({
          LOG_LEVEL: 'loud',
          AWS_REGION: 'cn-north-1',
          APPROVERS: undefined,
          PICKUP_SLA_BY_FEED: 'pricelists=24',
          REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
        })));
        expect(err.problems).toEqual([
          { variable: 'LOG_LEVEL', problem: 'must be fatal, error, warn, info, debug, trace or silent' },
          { variable: 'KMS_KEY_ARN', problem: 'must be in partition aws-cn, as AWS_REGION says (arn:aws-cn:kms:cn-north-1:<account>:key/<uuid>)' },
          { variable: 'APPROVERS', problem: expect.stringMatching(/^or APPROVER_USERGROUP must be set/) },
          { variable: 'REDIS_TLS_CA_FILE', problem: expect.stringMatching(/^is set but REDIS_URL is not a rediss:\/\//) },
          { variable: 'PICKUP_SLA_BY_FEED', problem: expect.stringMatching(/names the feed "pricelists", which is not in FEEDS/) },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('when a combination\'s own variable is malformed, then only that is reported, not a conflict built on it', () => {
      const err = configError(() => loadConfig(testEnv({ FEEDS: 'Bad Feed', PICKUP_SLA_BY_FEED: 'price-lists=24', APPROVERS: 'not-an-id' })));
      expect(err.problems.map((p) => p.variable)).toEqual(['FEEDS', 'APPROVERS']);
      expect(err.problems[1]!.problem).toMatch(/must be a comma list of Slack ids/);
    });

    it('when secrets are malformed, then the error names them and what they should look like, never their values', () => {
      const secrets = {
        SLACK_SIGNING_SECRET: 'sh0rt!',
        SLACK_BOT_TOKEN: 'xoxp-1111-2222-user-token-value',
        SLACK_APP_TOKEN: 'xoxb-3333-4444-not-an-app-token',
        REDIS_URL: 'https://:hunter2-redis-password@redis.internal:6380',
        APPROVAL_SIGNING_KEY: randomBytes(16).toString('hex'),
      };
      const err = configError(() => loadConfig(testEnv(secrets)));
      expect(err.problems.map((p) => p.variable)).toEqual(Object.keys(secrets));
      expect(err.message).toMatch(/SLACK_BOT_TOKEN must be a bot token \(xoxb-…\)/);
      for (const value of Object.values(secrets)) {
        expect(err.message).not.toContain(value);
        expect(JSON.stringify(err.problems)).not.toContain(value);
      }
      expect(err.message).not.toContain('hunter2');
    });
  });

  it('when neither APPROVERS nor APPROVER_USERGROUP is set, then loading stops', () => {
    expect(problem(testEnv({ APPROVERS: undefined }))).toMatch(/APPROVERS or APPROVER_USERGROUP must be set/);
  });

  it('when only the platform is asked for, then Slack and Redis variables are not needed', () => {
    const env = testEnv({ SLACK_SIGNING_SECRET: undefined, SLACK_BOT_TOKEN: undefined, APPROVALS_CHANNEL: undefined, APPROVERS: undefined });
    expect(loadPlatformConfig(env).bucket).toBe('partnergate-dist-test');
  });

  it('when the region is in China, then ARNs use the aws-cn partition', () => {
    const c = loadPlatformConfig(testEnv({ AWS_REGION: 'cn-north-1', KMS_KEY_ARN: 'arn:aws-cn:kms:cn-north-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c' }));
    expect(c.transferRoleArn.startsWith('arn:aws-cn:iam::')).toBe(true);
  });

  it('when PICKUP_SLA_HOURS and PICKUP_SLA_BY_FEED are set, then they are the deadlines (default 48 h, decimals allowed); a bad value names the variable', () => {
    expect(loadConfig(testEnv({})).pickupSla).toEqual({ defaultHours: 48, byFeed: {} });
    expect(loadConfig(testEnv({ PICKUP_SLA_HOURS: '0.001', PICKUP_SLA_BY_FEED: 'price-lists=24,compliance=72' })).pickupSla)
      .toEqual({ defaultHours: 0.001, byFeed: { 'price-lists': 24, compliance: 72 } });
    expect(problem(testEnv({ PICKUP_SLA_HOURS: '0' }))).toBe('configuration: PICKUP_SLA_HOURS must be more than 0 hours');
    expect(problem(testEnv({ PICKUP_SLA_HOURS: '2 days' }))).toBe('configuration: PICKUP_SLA_HOURS must be a number of hours such as 48 or 0.5');
    expect(problem(testEnv({ PICKUP_SLA_BY_FEED: 'pricelists=24' }))).toBe(
      'configuration: PICKUP_SLA_BY_FEED names the feed "pricelists", which is not in FEEDS (price-lists, parts-catalogs, compliance)',
    );
    expect(problem(testEnv({ PICKUP_SLA_BY_FEED: 'compliance:72' }))).toMatch(/^configuration: PICKUP_SLA_BY_FEED must be a comma list of feed=hours/);
  });
});
