import { describe, expect, it } from 'vitest';
import { makeAuditRecord } from '../../../../src/domain/audit-record.js';
import { formatHistoryLine } from '../../../../src/jobs/audit/history.js';

const AT = new Date('2026-03-04T05:06:07.089Z');
const line = (input: Parameters<typeof makeAuditRecord>[0]) => formatHistoryLine(makeAuditRecord(input, AT, () => 'a1b2c3d4e5f6'));

describe('audit history lines of the jobs', () => {
  it('when a verification failed, then the line says VERIFY_FAILED with the checks that failed', () => {
    expect(line({
      type: 'verify.result', partnerId: 'acme', requestId: 'req_x', actor: 'partnergate',
      details: { result: 'VERIFY_FAILED', attempt: 2, dryRun: false, checks: [
        { label: 'Transfer user exists', outcome: 'pass' },
        { label: 'S3 probe: canary', outcome: 'fail', detail: 'partner can read the canary' },
        { label: 'SFTP probe', outcome: 'skipped', detail: 'TRANSFER_HOST not set' },
      ] },
    })).toBe('2026-03-04T05:06:07.089Z  verify.result         partnergate  req_x  VERIFY_FAILED (attempt 2: 1 passed, 1 failed, 1 skipped) — S3 probe: canary: partner can read the canary');
  });

  it('when a step ran in DRY_RUN, a delivery failed, or a record is of another kind, then the line says so', () => {
    expect(line({ type: 'provision.step', partnerId: 'acme', details: { step: 'transfer-user', state: 'planned', detail: 'CreateUser acme', attempt: 1, dryRun: true } }))
      .toMatch(/step transfer-user: planned \(CreateUser acme\) \[DRY_RUN\]$/);
    expect(line({ type: 'delivery.failed', partnerId: 'acme', details: { key: 'outbound/acme/a.csv', versionId: null, targetKey: 'partners/acme/a.csv', code: 'NoSuchKey', message: 'gone' } }))
      .toMatch(/ {2}outbound\/acme\/a\.csv → partners\/acme\/a\.csv FAILED: NoSuchKey: gone$/);
    expect(line({ type: 'keys.reminded', partnerId: 'acme', details: { maxAgeDays: 365 } })).toMatch(/\{"maxAgeDays":365\}$/);
  });
});
