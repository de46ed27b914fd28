/**
 * The SFTP part of a welcome text (provisioning's, and a rotated ExternalId's): where to connect
 * (TRANSFER_HOST's host and port), the server's host-key fingerprints read from Transfer, so the
 * partner can check the first connection, the static IPs to allow-list (TRANSFER_STATIC_IPS), and
 * the partner's SSH keys as registered.
 */
import type { Logger } from '../../logger.js';
import { parseEndpoint } from '../../domain/access.js';
import { errorMessage } from '../../domain/errors.js';
import type { WelcomeSftp } from '../../bot/messages/welcome.js';

export interface WelcomeSftpDeps {
  transferHost: string | undefined;
  transferStaticIps: readonly string[];
  /** Transfer's ListHostKeys (DescribeServer's fingerprints); [] in DRY_RUN. */
  hostKeyFingerprints: () => Promise<string[]>;
  logger: Logger;
}

export async function welcomeSftp(deps: WelcomeSftpDeps, userName: string, sshKeys: readonly string[]): Promise<WelcomeSftp> {
  const endpoint = deps.transferHost === undefined ? undefined : parseEndpoint(deps.transferHost);
  let hostKeys: string[] | null;
  try {
    hostKeys = await deps.hostKeyFingerprints();
  } catch (err) {
    // The welcome still goes: it says the fingerprints could not be read rather than holding the partner up.
    deps.logger.warn({ err: errorMessage(err) }, 'welcome: the SFTP server\'s host keys could not be read');
    hostKeys = null;
  }
  return { host: endpoint?.host, port: endpoint?.port ?? 22, userName, hostKeys, staticIps: [...deps.transferStaticIps], sshKeys: [...sshKeys] };
}
