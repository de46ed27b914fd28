/** A complete, valid environment for tests and the benchmarks' processes; override what a run cares about. */
import { randomBytes } from 'node:crypto';

/**
 * One APPROVAL_SIGNING_KEY per process (hex, as `openssl rand -hex 32` makes it): every testEnv()
 * of a run shares it, so the web and worker processes a test starts with the same environment
 * check each other's seals.
 */
export const TEST_APPROVAL_SIGNING_KEY = randomBytes(32).toString('hex');

export function testPrefix(label = 't'): string {
  return `pgtest-${label}-${randomBytes(5).toString('hex')}`;
}

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
    APPROVALS_CHANNEL: 'C0APPROVALS',
    APPROVERS: 'UAPPROVER1,UAPPROVER2',
    AWS_REGION: 'eu-west-1',
    AWS_ACCOUNT_ID: '111122223333',
    DISTRIBUTION_BUCKET: 'partnergate-dist-test',
    KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
    TRANSFER_SERVER_ID: 's-0123456789abcdef0',
    REDIS_URL: 'redis://127.0.0.1:6379',
    APPROVAL_SIGNING_KEY: TEST_APPROVAL_SIGNING_KEY,
    PARTNERGATE_PREFIX: testPrefix(),
    // Every process of a test run picks its own metrics port.
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}
