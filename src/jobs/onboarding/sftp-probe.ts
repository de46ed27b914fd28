/**
 * The SFTP probe (when TRANSFER_HOST is set): a temporary ed25519 key is imported on the partner's
 * Transfer user, used for one session that must see `/` as its home and be unable to leave it, and
 * deleted in every case — also when the login or a check fails. The key is never logged.
 *
 * The session is pinned to the Transfer server's own host keys (ListHostKeys): a host that
 * presents any other key is refused before the temporary key is offered, and the check fails with
 * the fingerprint it presented. Without known host keys the probe does not connect at all.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type SftpClient from 'ssh2-sftp-client';
import sshpk from 'sshpk';
import type { Logger } from '../../logger.js';
import { errorMessage } from '../../domain/errors.js';
import { parseEndpoint } from '../../domain/access.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import type { CheckView } from '../../bot/messages/verify.js';

export interface SftpProbeOptions {
  /** TRANSFER_HOST: `host` or `host:port` (22). */
  endpoint: string;
  /** Logins tried (an imported key can take a moment to be honoured). */
  loginTries?: number;
  loginRetryDelayMs?: number;
  readyTimeoutMs?: number;
}

/** A fresh ed25519 pair: the public key as one OpenSSH line, the private key in OpenSSH format. */
export function temporaryKey(comment: string): { publicLine: string; privateKey: string } {
  const pair = generateKeyPairSync('ed25519');
  const priv = sshpk.parsePrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'pem');
  priv.comment = comment;
  const publicLine = priv.toPublic().toString('ssh');
  return { publicLine, privateKey: priv.toString('ssh') };
}

/** A fingerprint as `ssh-keygen -l` prints it (and Transfer reports it), compared without `SHA256:` or padding. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
}

/** The SHA-256 fingerprint of a host key blob (SSH wire format), as `ssh-keygen -l` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${normalizeFingerprint(createHash('sha256').update(keyBlob).digest('base64'))}`;
}

class HostKeyMismatch extends Error {}

async function login(o: SftpProbeOptions, userName: string, privateKey: string, hostKeys: string[]): Promise<SftpClient> {
  const { host, port } = parseEndpoint(o.endpoint);
  const known = new Set(hostKeys.map(normalizeFingerprint));
  const tries = o.loginTries ?? 3;
  // Loaded on first use: ssh2 (and the WebAssembly it instantiates) is ~20 MiB a worker that never
  // probes over SFTP (TRANSFER_HOST unset, or only deliveries) should not carry.
  const { default: Client } = await import('ssh2-sftp-client');
  for (let t = 1; ; t++) {
    const sftp = new Client('partnergate-probe');
    let presented: string | undefined;
    const hostVerifier = (key: Buffer) => {
      presented = fingerprintOf(key);
      return known.has(normalizeFingerprint(presented));
    };
    try {
      await sftp.connect({ host, port, username: userName, privateKey, readyTimeout: o.readyTimeoutMs ?? 15_000, hostVerifier });
      return sftp;
    } catch (err) {
      await sftp.end().catch(() => undefined);
      if (presented !== undefined && !known.has(normalizeFingerprint(presented))) {
        throw new HostKeyMismatch(`${o.endpoint} presented host key ${presented}, which is not one of the Transfer server's (${hostKeys.join(', ')}); not logged in`);
      }
      if (t >= tries) throw err;
      await sleep(o.loginRetryDelayMs ?? 2000);
    }
  }
}

export async function runSftpProbe(cp: ControlPlane, userName: string, o: SftpProbeOptions, logger: Logger): Promise<CheckView[]> {
  const log = logger.child({ probe: 'sftp', userName });
  const checks: CheckView[] = [];
  const key = temporaryKey(`partnergate-verify-${userName}`);
  let keyId: string | undefined;
  try {
    const hostKeys = await cp.hostKeyFingerprints();
    if (hostKeys.length === 0) {
      checks.push({ label: 'SFTP host key', outcome: 'fail', detail: 'the Transfer server reports no host keys; the probe does not connect to an unpinned host' });
      return checks;
    }
    keyId = await cp.importSshPublicKey(userName, key.publicLine);
    let sftp: SftpClient;
    try {
      sftp = await login(o, userName, key.privateKey, hostKeys);
    } catch (err) {
      const label = err instanceof HostKeyMismatch ? 'SFTP host key' : 'SFTP login with a temporary key';
      checks.push({ label, outcome: 'fail', detail: errorMessage(err) });
      return checks;
    }
    checks.push({ label: 'SFTP host key is one of the Transfer server\'s', outcome: 'pass' });
    checks.push({ label: 'SFTP login with a temporary key', outcome: 'pass' });
    try {
      const home = await sftp.realPath('.');
      const listed = (await sftp.list('/')).map((e) => e.name).sort();
      checks.push(
        home === '/'
          ? { label: 'SFTP home is / and can be listed', outcome: 'pass', detail: `${listed.length} entr${listed.length === 1 ? 'y' : 'ies'}` }
          : { label: 'SFTP home is / and can be listed', outcome: 'fail', detail: `the session starts in ${home}` },
      );
      const up = await sftp.realPath('/..');
      const upListed = (await sftp.list('/..')).map((e) => e.name).sort();
      const stays = up === '/' && JSON.stringify(upListed) === JSON.stringify(listed);
      checks.push(
        stays
          ? { label: 'SFTP session cannot leave its home (/.. is /)', outcome: 'pass' }
          : { label: 'SFTP session cannot leave its home (/.. is /)', outcome: 'fail', detail: `/.. is ${up}` },
      );
    } catch (err) {
      checks.push({ label: 'SFTP session checks', outcome: 'fail', detail: errorMessage(err) });
    } finally {
      await sftp.end().catch(() => undefined);
    }
  } catch (err) {
    checks.push({ label: 'SFTP probe', outcome: 'fail', detail: errorMessage(err) });
  } finally {
    if (keyId !== undefined) {
      try {
        await cp.deleteSshPublicKey(userName, keyId);
        checks.push({ label: 'temporary SFTP key deleted', outcome: 'pass' });
      } catch (err) {
        log.error({ err, sshPublicKeyId: keyId }, 'could not delete the temporary SFTP key; delete it by hand');
        checks.push({ label: 'temporary SFTP key deleted', outcome: 'fail', detail: `${errorMessage(err)} — delete key ${keyId} by hand` });
      }
    }
  }
  return checks;
}
