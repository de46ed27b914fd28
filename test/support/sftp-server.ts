/**
 * A local SFTP server (ssh2) that behaves like a Transfer Family server with LOGICAL homes: a user
 * logs in with any of its current public keys (looked up on every login, as Transfer does), sees
 * its home as `/`, and `..` at the root stays at the root. Only the read-only calls a probe makes
 * are served (REALPATH, STAT/LSTAT, OPENDIR/READDIR/CLOSE).
 *
 * `escape: true` simulates a mis-mapped home (a PATH home on the bucket root, say): `/..` resolves
 * to `/partners` and lists other partners — what the probe must catch.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import sshpk from 'sshpk';

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

export interface SftpServerOptions {
  /** The user's current public keys (OpenSSH lines). */
  keysOf: (userName: string) => Promise<string[]>;
  /** Names directly under the user's home. */
  listHome: (userName: string) => Promise<string[]>;
  escape?: boolean;
}

export interface LocalSftp {
  endpoint: string;
  /** Its host key's SHA-256 fingerprint, as Transfer's ListHostKeys reports one (`SHA256:…`). */
  hostKeyFingerprint: string;
  /** User names that logged in, in order. */
  logins: string[];
  close(): Promise<void>;
}

function hostKey(): { privateKey: string; fingerprint: string } {
  const pair = generateKeyPairSync('ed25519');
  const key = sshpk.parsePrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'pem');
  return { privateKey: key.toString('ssh'), fingerprint: key.toPublic().fingerprint('sha256').toString() };
}

/** Logical path resolution: `..` never goes above `/`. */
function resolveLogical(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const dirAttrs = { mode: 0o40555, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };
const fileAttrs = { mode: 0o100444, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };

export async function startSftpServer(o: SftpServerOptions): Promise<LocalSftp> {
  const logins: string[] = [];
  const host = hostKey();
  const server = new Server({ hostKeys: [host.privateKey] }, (client) => {
    let userName = '';
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const offered = ctx.key;
      void o.keysOf(ctx.username).then(
        (lines) => {
          const match = lines
            .map((line) => utils.parseKey(line))
            .find((k) => !(k instanceof Error) && k.type === offered.algo && k.getPublicSSH().equals(offered.data));
          if (!match || match instanceof Error) return ctx.reject();
          if (ctx.signature && ctx.blob && match.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
          userName = ctx.username;
          return ctx.accept();
        },
        () => ctx.reject(),
      );
    });
    client.on('ready', () => {
      logins.push(userName);
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const resolve = (path: string) => {
            const logical = resolveLogical(path);
            return o.escape && /^\/?\.\.(\/|$)/.test(path) ? '/partners' : logical;
          };
          const handles = new Map<string, { names: string[]; sent: boolean }>();
          let next = 0;
          sftp.on('REALPATH', (id, path) => {
            const p = resolve(path);
            sftp.name(id, [{ filename: p, longname: p, attrs: dirAttrs }]);
          });
          const stat = async (id: number, path: string) => {
            const p = resolve(path);
            if (p === '/' || p === '/partners') return sftp.attrs(id, dirAttrs);
            const names = await o.listHome(userName);
            return names.includes(p.slice(1)) ? sftp.attrs(id, fileAttrs) : sftp.status(id, STATUS.NO_SUCH_FILE);
          };
          sftp.on('STAT', (id, path) => void stat(id, path));
          sftp.on('LSTAT', (id, path) => void stat(id, path));
          sftp.on('OPENDIR', (id, path) => {
            const p = resolve(path);
            const names = p === '/' ? o.listHome(userName) : p === '/partners' ? Promise.resolve(['acme', 'globex', '-canary']) : null;
            if (!names) return sftp.status(id, STATUS.NO_SUCH_FILE);
            void names.then((list) => {
              const handle = Buffer.from(String(next++));
              handles.set(handle.toString(), { names: list, sent: false });
              sftp.handle(id, handle);
            });
          });
          sftp.on('READDIR', (id, handle) => {
            const h = handles.get(handle.toString());
            if (!h) return sftp.status(id, STATUS.FAILURE);
            if (h.sent) return sftp.status(id, STATUS.EOF);
            h.sent = true;
            sftp.name(id, h.names.map((n) => ({ filename: n, longname: `-r--r--r-- 1 0 0 0 Jan 1 00:00 ${n}`, attrs: fileAttrs })));
          });
          sftp.on('CLOSE', (id, handle) => {
            handles.delete(handle.toString());
            sftp.status(id, STATUS.OK);
          });
        });
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    hostKeyFingerprint: host.fingerprint,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
