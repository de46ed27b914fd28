/**
 * The pickup classifier (src/domain/pickup-events.ts): Transfer's download events and CloudTrail's
 * GetObject data events in the shapes AWS documents, and every bad input of issue 17's "Bad input
 * and faults" — each one ignored or invalid with a reason, never a throw.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyPickupEvent, pickupOutcome, pickupRecord, type PickupEvent, type PickupEventScope } from '../../../src/domain/pickup-events.js';
import { ACCOUNT, BUCKET, SERVER, TRANSFER_ROLE_ARN, s3GetObject, sftpDownload } from '../../../tools/local/pickup-events.js';
import { cloudTrailEvent } from '../../support/platform-events.js';

const scope: PickupEventScope = { accountId: ACCOUNT, transferServerId: SERVER, bucket: BUCKET, partnerRolePrefix: 'partnergate-partner-', transferRoleArn: TRANSFER_ROLE_ARN };
const classify = (event: unknown) => classifyPickupEvent(event, scope);
const pickup = (event: unknown): PickupEvent => {
  const c = classify(event);
  if (c.kind !== 'pickup') throw new Error(`not a pickup: ${JSON.stringify(c)}`);
  return c;
};
const reasonOf = (event: unknown): string => {
  const c = classify(event);
  return c.kind === 'ignored' || c.kind === 'invalid' ? `${c.kind}: ${c.reason}` : c.kind;
};

describe('SFTP downloads', () => {
  it('when Transfer reports a completed download in the partner’s home, then it is a pickup of that key by that partner, with its facts', () => {
    const p = pickup(sftpDownload({ user: 'acme', key: 'partners/acme/feeds/price-lists/p.csv', etag: '"9b2cf535f27731c974343645a3985328"', bytes: 2048 }));
    expect(p).toMatchObject({
      channel: 'sftp', partnerId: 'acme', targetKey: 'partners/acme/feeds/price-lists/p.csv', etag: '9b2cf535f27731c974343645a3985328',
      bytes: 2048, failed: false, failure: null, clientIp: '203.0.113.7', session: 'c7a1f0a2b3c4d5e6',
      at: '2026-12-06T14:03:07.123Z', startedAt: '2026-12-06T14:03:05.000Z',
    });
  });

  it('when a download failed, then the failure code and message are its reason', () => {
    const p = pickup(sftpDownload({ user: 'acme', failed: true, failureCode: 'PARTIAL_DOWNLOAD', failureMessage: 'Connection reset by peer', bytes: 512 }));
    expect(p).toMatchObject({ failed: true, partialFailure: true, failure: 'PARTIAL_DOWNLOAD: Connection reset by peer' });
    expect(pickupOutcome(p, 2048)).toBe('failed');
  });

  it('when the same download is reported twice under two EventBridge ids, then both have the same pickup id; another session’s download of the file has another', () => {
    const a = pickup(sftpDownload({ user: 'acme', id: 'e-1' }));
    const b = pickup(sftpDownload({ user: 'acme', id: 'e-2' }));
    const other = pickup(sftpDownload({ user: 'acme', id: 'e-3', session: 'ffff000011112222' }));
    expect(a.id).toBe(b.id);
    expect(other.id).not.toBe(a.id);
  });

  it.each([
    ['another account', sftpDownload({ user: 'acme', account: '444455556666' }), 'ignored: another account'],
    ['another server', sftpDownload({ user: 'acme', server: 's-ffffffffffffffff0' }), 'ignored: another Transfer server'],
    ['another bucket', sftpDownload({ user: 'acme', path: '/other-bucket/partners/acme/price-list.csv' }), 'ignored: a path in another bucket'],
    ['another partner’s home', sftpDownload({ user: 'acme', key: 'partners/beta/price-list.csv' }), 'ignored: a path outside the partner’s home'],
    ['a home whose name starts like it', sftpDownload({ user: 'acme', key: 'partners/acme-corp/price-list.csv' }), 'ignored: a path outside the partner’s home'],
    ['the outbound prefix', sftpDownload({ user: 'acme', key: 'outbound/acme/price-list.csv' }), 'ignored: a path outside the partner’s home'],
    ['a path with ..', sftpDownload({ user: 'acme', key: 'partners/acme/../beta/price-list.csv' }), 'ignored: a bad path: the key has a "." or ".." path segment'],
    ['a control character', sftpDownload({ user: 'acme', key: 'partners/acme/price\u0000list.csv' }), 'ignored: a bad path: the key contains control characters'],
    ['a newline', sftpDownload({ user: 'acme', key: 'partners/acme/a\nb.csv' }), 'ignored: a bad path: the key contains control characters'],
    ['an empty segment', sftpDownload({ user: 'acme', key: 'partners/acme//x.csv' }), 'ignored: a bad path: the key has an empty path segment ("//" or a trailing "/")'],
    ['the home itself', sftpDownload({ user: 'acme', key: 'partners/acme/' }), 'ignored: a bad path: the key has an empty path segment ("//" or a trailing "/")'],
    ['a user name that is no partner id', sftpDownload({ user: '<!channel>', key: 'partners/acme/x.csv' }), 'ignored: the user name "<!channel>" is not a partner id'],
    ['a user name with ..', sftpDownload({ user: '..', key: 'partners/acme/x.csv' }), 'ignored: the user name ".." is not a partner id'],
    ['the reserved id', sftpDownload({ user: 'feeds', key: 'partners/feeds/x.csv' }), 'ignored: the user name "feeds" is not a partner id'],
  ])('when the event names %s, then it is %s', (_what, event, expected) => {
    expect(reasonOf(event)).toBe(expected);
  });

  it.each([
    ['bytes as a string', { bytes: '1024' }, 'detail.bytes'],
    ['negative bytes', { bytes: -1 }, 'detail.bytes'],
    ['a user name that is a number', { username: 42 }, 'detail.username'],
    ['no session', { 'session-id': undefined }, 'detail.session-id'],
    ['an unknown status', { 'status-code': 'MAYBE' }, 'detail.status-code'],
    ['a file path that is an object', { 'file-path': { key: 'x' } }, 'detail.file-path'],
  ])('when the detail has %s, then it is invalid, naming the field', (_what, change, field) => {
    const event = sftpDownload({ user: 'acme' });
    event['detail'] = { ...(event['detail'] as object), ...change };
    expect(reasonOf(event)).toMatch(new RegExp(`^invalid: not a Transfer download event \\(${field.replace('.', '\\.')}`));
  });

  it('when the envelope is broken (no id, detail a string), then it is invalid; when it has no readable time, invalid too', () => {
    const noId = sftpDownload({ user: 'acme' });
    delete noId['id'];
    expect(reasonOf(noId)).toMatch(/^invalid: not an EventBridge event \(id/);
    expect(reasonOf({ ...sftpDownload({ user: 'acme' }), detail: 'x' })).toMatch(/^invalid: not an EventBridge event \(detail/);
    const noTime = sftpDownload({ user: 'acme', end: 'yesterday' });
    noTime['time'] = 'today';
    expect(reasonOf(noTime)).toBe('invalid: no readable time');
  });
});

describe('S3 pulls (CloudTrail GetObject data events)', () => {
  it('when a partner role’s session reads a file in its home, then it is a pickup by that partner, the session ARN its session, no ETag', () => {
    const p = pickup(s3GetObject({ partner: 'acme', key: 'partners/acme/price-list.csv', bytes: 4096 }));
    expect(p).toMatchObject({
      channel: 's3', partnerId: 'acme', targetKey: 'partners/acme/price-list.csv', etag: null, bytes: 4096, ranged: false,
      session: `arn:aws:sts::${ACCOUNT}:assumed-role/partnergate-partner-acme/partner-pull-1700000000`, clientIp: '198.51.100.20',
    });
  });

  it('when the same CloudTrail event arrives twice under two EventBridge ids, then both have its pickup id', () => {
    expect(pickup(s3GetObject({ key: 'partners/acme/a.csv', eventID: 'ct-1' })).id).toBe(pickup(s3GetObject({ key: 'partners/acme/a.csv', eventID: 'ct-1' })).id);
  });

  it.each([
    ['the Transfer role’s own read', s3GetObject({ role: 'partnergate-transfer', issuerArn: TRANSFER_ROLE_ARN, key: 'partners/acme/a.csv' }), 'ignored: the Transfer role’s own read (its Transfer event counts the file)'],
    ['the bot’s verify probe', s3GetObject({ partner: 'acme', session: 'partnergate-verify-acme', key: 'partners/acme/a.csv' }), 'ignored: the bot’s own probe of the partner’s access'],
    ['another partner’s home', s3GetObject({ partner: 'acme', key: 'partners/beta/a.csv' }), 'ignored: a path outside the partner’s home'],
    ['another bucket', s3GetObject({ partner: 'acme', key: 'partners/acme/a.csv', bucket: 'elsewhere' }), 'ignored: another bucket'],
    ['a refused call', s3GetObject({ partner: 'acme', key: 'partners/beta/a.csv', errorCode: 'AccessDenied' }), 'ignored: the call failed (AccessDenied)'],
    ['another account', s3GetObject({ partner: 'acme', key: 'partners/acme/a.csv', account: '444455556666' }), 'ignored: another account'],
    ['a role that is not a partner’s', s3GetObject({ role: 'Admin', key: 'partners/acme/a.csv' }), 'ignored: not a partner role'],
    ['a partner role for no valid id', s3GetObject({ role: 'partnergate-partner-A_B', key: 'partners/acme/a.csv' }), 'ignored: a role named like a partner role, for no valid partner id'],
    ['a path with ..', s3GetObject({ partner: 'acme', key: 'partners/acme/../beta/a.csv' }), 'ignored: a bad path: the key has a "." or ".." path segment'],
  ])('when it is %s, then it is %s', (_what, event, expected) => {
    expect(reasonOf(event)).toBe(expected);
  });

  it('when the issuer names another role than the session ARN, then it is not counted', () => {
    const event = s3GetObject({ partner: 'acme', key: 'partners/acme/a.csv' });
    const identity = (event['detail'] as { userIdentity: { sessionContext: { sessionIssuer: { userName: string } } } }).userIdentity;
    identity.sessionContext.sessionIssuer.userName = 'partnergate-partner-beta';
    expect(reasonOf(event)).toBe('ignored: the session’s issuer and its ARN disagree');
  });

  it('when a GetObject is ranged, then it is marked so; its outcome counts the session’s bytes so far', () => {
    const p = pickup(s3GetObject({ key: 'partners/acme/big.bin', bytes: 8, range: 'bytes=0-7' }));
    expect(p.ranged).toBe(true);
    expect(pickupOutcome(p, 16, 8)).toBe('partial');
    expect(pickupOutcome(p, 16, 16)).toBe('complete');
  });

  it('when a management event of the bucket or a Transfer upload arrives, then it is not a pickup (the platform classifier reads it)', () => {
    expect(classify(cloudTrailEvent({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: { bucketName: BUCKET } })).kind).toBe('not-pickup');
    expect(classify({ ...sftpDownload({ user: 'acme' }), 'detail-type': 'SFTP Server File Upload Completed' }).kind).toBe('not-pickup');
    expect(classify([1, 2]).kind).toBe('not-pickup');
    expect(classify(null).kind).toBe('not-pickup');
  });
});

describe('outcome', () => {
  const e = (bytes: number | null, failed = false) => ({ bytes, failed, ranged: false });
  it('when all delivered bytes were read, complete; fewer, partial; failed, failed; size unknown, complete', () => {
    expect(pickupOutcome(e(100), 100)).toBe('complete');
    expect(pickupOutcome(e(40), 100)).toBe('partial');
    expect(pickupOutcome(e(100, true), 100)).toBe('failed');
    expect(pickupOutcome(e(40), null)).toBe('complete');
  });

  it('when a COMPLETED download read fewer bytes than were delivered, then its record says partial with how many', () => {
    const p = pickup(sftpDownload({ user: 'acme', bytes: 40 }));
    const r = pickupRecord(p, { dh: 'd', key: 'outbound/acme/price-list.csv', versionId: null, deliveredAt: '2026-12-06T14:00:00.000Z', fanout: null }, 100);
    expect(r).toMatchObject({ outcome: 'partial', reason: '40 of 100 bytes', size: 100 });
    expect(pickupRecord(p, null, 100)).toMatchObject({ outcome: 'complete', size: null, delivery: null });
  });
});

describe('any input', () => {
  it('never throws: arbitrary JSON, and the real shapes with any field replaced by anything', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void classify(v)), { numRuns: 500 });
    const shapes = [sftpDownload({ user: 'acme' }), s3GetObject({ key: 'partners/acme/a.csv' })];
    fc.assert(
      fc.property(fc.constantFrom(...shapes), fc.string(), fc.jsonValue(), fc.boolean(), (shape, field, value, inDetail) => {
        const event = structuredClone(shape);
        if (inDetail) (event['detail'] as Record<string, unknown>)[field] = value;
        else event[field] = value;
        const c = classify(event);
        expect(['pickup', 'ignored', 'invalid', 'not-pickup']).toContain(c.kind);
      }),
      { numRuns: 1000 },
    );
  });
});
