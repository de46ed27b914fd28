import { describe, expect, it } from 'vitest';
import { formatMarker, markerVersion } from '../../../../src/store/deliveries.js';
import { deliveryHash, versionHash, versionTag } from '../../../../src/domain/delivery.js';
import { deliverJobId, dispatchJobId, receiptFlushJobId, resendJobId } from '../../../../src/actions/delivery/contract.js';
import { goLiveJobId } from '../../../../src/jobs/delivery/go-live.js';

describe('delivery identity', () => {
  it('when the same version is seen by HeadObject (quoted ETag) and by an S3 event (bare ETag), then it has one identity', () => {
    expect(versionTag({ key: 'k', versionId: 'abc', etag: '"e"' })).toBe('v:abc');
    expect(versionHash({ key: 'k', etag: '"e1"' })).toBe(versionHash({ key: 'k', etag: 'e1' }));
    expect(versionHash({ key: 'k', versionId: 'null', etag: '"e1"' })).toBe(versionHash({ key: 'k', etag: 'e1' }));
  });

  it('when the version, key or partner differs, then the identity differs', () => {
    const base = { key: 'outbound/acme/a.csv', versionId: 'v1' };
    expect(versionHash(base)).not.toBe(versionHash({ ...base, versionId: 'v2' }));
    expect(versionHash(base)).not.toBe(versionHash({ ...base, key: 'outbound/acme/b.csv' }));
    expect(deliveryHash(base, 'acme')).not.toBe(deliveryHash(base, 'acme-corp'));
  });

  it('when keys are long or contain colons, then job ids stay short, colon-free and never all digits', () => {
    const key = `outbound/acme/${'x:'.repeat(500)}.csv`;
    const ids = [
      dispatchJobId({ key, versionId: 'v:1' }),
      deliverJobId({ key, versionId: 'v:1', partnerId: 'acme' }),
      resendJobId({ key, versionId: 'v:1', partnerId: 'acme' }, 1_700_000_000_000),
      receiptFlushJobId('acme', 12),
      goLiveJobId('acme', '2024-06-01T00:00:00.000Z'),
    ];
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
      expect(id.length).toBeLessThan(80);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when a listing matches the stored marker, then its version is known without a lookup; any change is a miss', () => {
    const listed = { etag: '"abc"', lastModified: new Date('2024-06-01T00:00:00Z'), size: 10 };
    const stored = formatMarker(listed, 'ver-7');
    expect(markerVersion(stored, listed)).toEqual({ versionId: 'ver-7' });
    expect(markerVersion(formatMarker(listed, undefined), listed)).toEqual({ versionId: undefined });
    expect(markerVersion(stored, { ...listed, size: 11 })).toBeUndefined();
    expect(markerVersion(stored, { ...listed, etag: '"abd"' })).toBeUndefined();
    expect(markerVersion(stored, { ...listed, lastModified: new Date('2024-06-01T00:00:01Z') })).toBeUndefined();
    expect(markerVersion(null, listed)).toBeUndefined();
  });
});
