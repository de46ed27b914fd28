/**
 * Which S3 key or prefix a Transfer Family SFTP request reaches, for the matrix's mutation cases.
 * The engine evaluates IAM; it does not model Transfer's own layer, the home directory mapping, so
 * this does, as AWS documents it ("Using logical directories", Transfer Family User Guide): with a
 * LOGICAL home, a path is resolved against the user's virtual root, one that would traverse above
 * the root is refused before anything reaches S3, and the rest maps through the longest matching
 * Entry to its Target; with a PATH home, the user addresses `/<bucket>/<key>` itself and `..` only
 * stops at `/`. (The local SFTP server of the tests keeps `..` at the root instead of refusing it:
 * test/support/sftp-server.ts. Either way a LOGICAL user stays under its Target.)
 */

/** The parts of a Transfer user that decide where its paths go. */
export interface TransferHome {
  HomeDirectoryType: 'LOGICAL' | 'PATH';
  HomeDirectoryMappings?: ReadonlyArray<{ Entry: string; Target: string }>;
  /** PATH homes: where a relative path starts (`/<bucket>/…`). */
  HomeDirectory?: string;
}

/** Where a request lands: an object key (a file) or a listing prefix (a directory), or nowhere. */
export type Reached = { key: string } | { prefix: string } | { refused: string };

/** `..` and `.` resolved; null when `..` would go above `/`. */
function normalize(path: string, clampAtRoot: boolean): string | null {
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) {
        if (clampAtRoot) continue;
        return null;
      }
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return `/${parts.join('/')}`;
}

function under(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/** `/<bucket>/<key>` to the key in our bucket; anything else is not ours. */
function inBucket(physical: string, bucket: string, kind: 'file' | 'directory'): Reached {
  const root = `/${bucket}`;
  if (physical !== root && !physical.startsWith(`${root}/`)) return { refused: `not in ${bucket}` };
  const key = physical.slice(root.length + 1);
  if (kind === 'file') return key === '' ? { refused: 'the bucket itself is no file' } : { key };
  return { prefix: key === '' ? '' : `${key}/` };
}

/** What an SFTP read (`file`) or listing (`directory`) of `path` reaches for a user with `home`. */
export function reachedBy(home: TransferHome, bucket: string, path: string, kind: 'file' | 'directory'): Reached {
  if (home.HomeDirectoryType === 'PATH') {
    const start = home.HomeDirectory ?? '/';
    const physical = normalize(path.startsWith('/') ? path : `${start}/${path}`, true)!;
    return inBucket(physical, bucket, kind);
  }
  const logical = normalize(path.startsWith('/') ? path : `/${path}`, false);
  if (logical === null) return { refused: 'the path traverses the logical root' };
  const entry = [...(home.HomeDirectoryMappings ?? [])]
    .filter((m) => under(logical, m.Entry))
    .sort((a, b) => b.Entry.length - a.Entry.length)[0];
  if (!entry) return { refused: 'no mapping covers the path' };
  const rest = entry.Entry === '/' ? logical : logical.slice(entry.Entry.length);
  return inBucket(`${entry.Target.replace(/\/$/, '')}${rest === '/' ? '' : rest}`, bucket, kind);
}

/** Whether what a request reached lies in (or lists) the home `partners/<id>/`. */
export function reachesHome(reached: Reached, partnerId: string): boolean {
  const home = `partners/${partnerId}/`;
  if ('key' in reached) return reached.key.startsWith(home);
  if ('prefix' in reached) return home.startsWith(reached.prefix) || reached.prefix.startsWith(home);
  return false;
}

/** SFTP paths a user would try to reach `victim`'s files from its own home. */
export function pathsToward(bucket: string, victim: string): Array<{ path: string; kind: 'file' | 'directory' }> {
  return [
    { path: `/../${victim}/prices.csv`, kind: 'file' },
    { path: `../${victim}/prices.csv`, kind: 'file' },
    { path: `/./../${victim}/./prices.csv`, kind: 'file' },
    { path: `/../../partners/${victim}/prices.csv`, kind: 'file' },
    { path: `/${bucket}/partners/${victim}/prices.csv`, kind: 'file' },
    { path: `/../${victim}`, kind: 'directory' },
    { path: `/${bucket}/partners/${victim}`, kind: 'directory' },
    { path: '/..', kind: 'directory' },
    { path: '/', kind: 'directory' },
  ];
}
