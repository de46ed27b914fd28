/**
 * Pickups as audit records (issue 17 item 4): recorded by the pickup handler through the real audit
 * pipeline into a local S3 (s3rver), then read back by `partnergate audit --partner` and exported by
 * `partnergate pickups --partner --since` as CSV, one row per pickup, outside text neutralised.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { runAudit } from '../../../src/cli/audit.js';
import { runPickups } from '../../../src/cli/pickups.js';
import { handlePickupMessage, type PickupDeps } from '../../../src/jobs/platform-events/index.js';
import { PartnerStore } from '../../../src/store/partners.js';
import { PickupStore } from '../../../src/store/pickups.js';
import { startAuditTrail, type AuditTrail } from '../../support/audit.js';
import { manualClock, partnerRecord } from '../../support/ports.js';
import { ACCOUNT, SERVER, TRANSFER_ROLE_ARN, s3GetObject, sftpDownload } from '../../../tools/local/pickup-events.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let t: AuditTrail;
let deps: PickupDeps;

beforeEach(async () => {
  const clock = manualClock(new Date('2026-12-06T14:03:10Z'));
  t = await startAuditTrail('pkx', clock);
  const { redis, prefix } = t;
  const partners = new PartnerStore(redis, prefix);
  await partners.save(partnerRecord({ partnerId: 'acme' }));
  deps = {
    redis, prefix, partners, notify: async () => undefined, audit: t.pipeline.audit, clock, logger,
    scope: { accountId: ACCOUNT, transferServerId: SERVER, bucket: t.s3.bucket, partnerRolePrefix: 'partnergate-partner-', transferRoleArn: TRANSFER_ROLE_ARN },
  };
  await new PickupStore(redis, prefix).indexDelivery({
    dh: 'd'.repeat(40), partnerId: 'acme', key: 'outbound/acme/prices.csv', versionId: 'v1', targetKey: 'partners/acme/prices.csv', etag: 'abc',
    size: 2048, at: '2026-12-06T14:00:00.000Z', feed: null, fanout: null, quiet: false,
  });
});
afterEach(async () => {
  await t.close();
});

const cli = (run: typeof runPickups, args: string[]) => t.cli(run, args);
const path = (key: string) => `/${t.s3.bucket}/${key}`;

describe('pickups in the audit trail', () => {
  it('when a partner downloads its files, then `audit --partner` shows each pickup and `pickups --partner --since` exports them as CSV, one row each, formulas neutralised', async () => {
    const complete = JSON.stringify(sftpDownload({ user: 'acme', path: path('partners/acme/prices.csv'), etag: 'abc', bytes: 2048, session: '=HYPERLINK("http://evil.example")' }));
    expect(await handlePickupMessage(deps, complete)).toBe('recorded');
    expect(await handlePickupMessage(deps, complete)).toBe('duplicate');
    expect(await handlePickupMessage(deps, JSON.stringify(sftpDownload({ user: 'acme', path: path('partners/acme/prices.csv'), etag: 'abc', bytes: 100, failed: true, failureMessage: '-1+2', session: 'other', end: '2026-12-06T14:02:00.000Z' })))).toBe('recorded');
    expect(await handlePickupMessage(deps, JSON.stringify(s3GetObject({ partner: 'acme', bucket: t.s3.bucket, key: 'partners/acme/.partnergate', time: '2026-12-06T14:04:00Z' })))).toBe('unmatched');
    await t.pipeline.drained();

    const audit = await cli(runAudit, ['--partner', 'acme']);
    expect(audit.code).toBe(0);
    const lines = audit.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    // Audited at the same instant (the clock stands still): in any order.
    expect(lines.filter((l) => /pickup\.recorded\s+partnergate\s+-\s+partners\/acme\/prices\.csv picked up by SFTP at 2026-12-06T14:03:07\.123Z, complete \(2048 of 2048 bytes\)$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /pickup\.recorded .*prices\.csv picked up by SFTP at 2026-12-06T14:02:00\.000Z, failed: PARTIAL_DOWNLOAD: -1\+2; 100 of 2048 bytes/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /pickup\.unmatched .*partners\/acme\/\.partnergate picked up by S3 .*no delivery of it/.test(l))).toHaveLength(1);

    const csv = await cli(runPickups, ['--partner', 'acme', '--since', '2026-12-06']);
    expect(csv.code).toBe(0);
    const rows = csv.out.split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^2026-12-06T14:02:00\.000Z,acme,sftp,partners\/acme\/prices\.csv,failed,100,2048,PARTIAL_DOWNLOAD: -1\+2; 100 of 2048 bytes,/);
    expect(rows[1]).toContain(`,"'=HYPERLINK(""http://evil.example"")",outbound/acme/prices.csv,v1,`);
    expect(rows[2]).toMatch(/,s3,partners\/acme\/\.partnergate,unmatched,1024,,/);
    expect((await cli(runPickups, ['--partner', 'acme', '--since', '2026-12-07'])).out.split('\r\n')).toHaveLength(2); // the header alone
  });

  it('when the arguments are wrong, then one line names the problem and the exit code is 2', async () => {
    expect(await cli(runPickups, [])).toMatchObject({ code: 2, err: expect.stringContaining('--partner is required') });
    expect(await cli(runPickups, ['--partner', 'Not An Id'])).toMatchObject({ code: 2, err: expect.stringContaining('--partner:') });
    expect(await cli(runPickups, ['--partner', 'acme', '--since', 'last week'])).toMatchObject({ code: 2, err: expect.stringContaining('is not a date') });
  });
});
