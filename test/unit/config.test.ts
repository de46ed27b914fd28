import { describe, expect, it } from 'vitest';
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
  });

  it('when AUDIT_RETENTION_DAYS is set, then audit objects are locked for that long, in GOVERNANCE mode unless AUDIT_LOCK_MODE says COMPLIANCE', () => {
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '0', AUDIT_LOCK_MODE: 'COMPLIANCE' })).auditLock).toBeNull();
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '365' })).auditLock).toEqual({ mode: 'GOVERNANCE', days: 365 });
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '2557', AUDIT_LOCK_MODE: 'COMPLIANCE' })).auditLock).toEqual({ mode: 'COMPLIANCE', days: 2557 });
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
});
