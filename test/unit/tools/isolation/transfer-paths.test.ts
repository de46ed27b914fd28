import { describe, expect, it } from 'vitest';
import { pathsToward, reachedBy, reachesHome, type TransferHome } from '../../../../tools/isolation/transfer-paths.js';

const bucket = 'partnergate-dist-test';
const acme: TransferHome = { HomeDirectoryType: 'LOGICAL', HomeDirectoryMappings: [{ Entry: '/', Target: `/${bucket}/partners/acme` }] };

describe('where an SFTP path of a Transfer user lands (the model the mutation cases use)', () => {
  it('when a LOGICAL user names paths inside its home, then they map under its target', () => {
    expect(reachedBy(acme, bucket, '/feeds/price-lists/2024-06.csv', 'file')).toEqual({ key: 'partners/acme/feeds/price-lists/2024-06.csv' });
    expect(reachedBy(acme, bucket, 'feeds/./x/../prices.csv', 'file')).toEqual({ key: 'partners/acme/feeds/prices.csv' });
    expect(reachedBy(acme, bucket, '/', 'directory')).toEqual({ prefix: 'partners/acme/' });
    expect(reachedBy(acme, bucket, `/${bucket}/partners/globex/prices.csv`, 'file')).toEqual({ key: `partners/acme/${bucket}/partners/globex/prices.csv` });
  });

  it('when a LOGICAL user\'s path traverses its root, then it is refused before S3 (as Transfer documents), and no path toward a neighbour reaches it', () => {
    expect(reachedBy(acme, bucket, '/../globex/prices.csv', 'file')).toEqual({ refused: 'the path traverses the logical root' });
    expect(reachedBy(acme, bucket, '/..', 'directory')).toEqual({ refused: 'the path traverses the logical root' });
    for (const victim of ['globex', 'acme-corp', 'a']) {
      for (const { path, kind } of pathsToward(bucket, victim)) expect(reachesHome(reachedBy(acme, bucket, path, kind), victim), path).toBe(false);
    }
  });

  it('when a mapping points at a neighbour or a PATH home sits at the bucket root, then some path reaches the neighbour\'s home', () => {
    const mapped: TransferHome = { HomeDirectoryType: 'LOGICAL', HomeDirectoryMappings: [{ Entry: '/', Target: `/${bucket}/partners/globex/` }] };
    expect(reachedBy(mapped, bucket, '/', 'directory')).toEqual({ prefix: 'partners/globex/' });
    const root: TransferHome = { HomeDirectoryType: 'PATH', HomeDirectory: `/${bucket}` };
    expect(reachedBy(root, bucket, `/${bucket}/partners/globex/prices.csv`, 'file')).toEqual({ key: 'partners/globex/prices.csv' });
    expect(reachedBy(root, bucket, '../partners/globex', 'directory')).toEqual({ refused: `not in ${bucket}` });
    expect(reachedBy(root, bucket, `/${bucket}`, 'directory')).toEqual({ prefix: '' });
    expect(reachesHome({ prefix: '' }, 'globex')).toBe(true);
    expect(reachesHome({ prefix: 'partners/globex/feeds/' }, 'globex')).toBe(true);
    expect(reachesHome({ prefix: 'partners/globex-eu/' }, 'globex')).toBe(false);
    expect(reachesHome({ key: 'partners/globex-eu/x' }, 'globex')).toBe(false);
  });

  it('when several entries match, then the longest wins, and a target in another bucket is not ours', () => {
    const two: TransferHome = {
      HomeDirectoryType: 'LOGICAL',
      HomeDirectoryMappings: [{ Entry: '/', Target: `/${bucket}/partners/acme` }, { Entry: '/shared', Target: '/other-bucket/shared' }],
    };
    expect(reachedBy(two, bucket, '/shared/x.csv', 'file')).toEqual({ refused: `not in ${bucket}` });
    expect(reachedBy(two, bucket, '/sharedx/x.csv', 'file')).toEqual({ key: 'partners/acme/sharedx/x.csv' });
  });
});
